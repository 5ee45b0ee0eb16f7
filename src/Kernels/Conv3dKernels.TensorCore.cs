using ILGPU;

namespace ILGpuNet.Kernels;

// Tensor-core variants: ForwardCuda's implicit GEMM (64 x 256 tiles, 8-deep double-buffered shared tiles, the same
// im2col gathers of Conv3dKernels.Gather.cs), each of the 8 warps computing a 64 x 32 part of the tile with TensorCoreMma.
public static partial class Conv3dKernels
{
    // k-major shared tiles with 8 floats of padding per row (64 + 8, 256 + 8): the fragment loads of a warp (k = t,
    // row or column g) hit 32 distinct banks.
    private const int TcPitchA = TiledM + 8;
    private const int TcPitchB = TiledN + 8;
    private const int TcBufA = TiledK * TcPitchA;
    private const int TcBufB = TiledK * TcPitchB;

    /// <summary>
    /// Tensor-core forward (TF32 or 3xTF32 by <typeparamref name="TPrecision"/>): as <see cref="ForwardCuda"/> (same
    /// grid, group, tiles and gather: thread t gathers voxel column t of the B tile with <see cref="ForwardGather"/>),
    /// with warp w multiplying the tile's 64 channels by voxel columns 32w..32w+31 on tensor cores.
    /// </summary>
    [Kernel(UsesBarriers = true, MaxGroupSize = TiledGroupSize, MinGroupsPerMultiprocessor = TiledGroupsPerMultiprocessor)]
    public static void ForwardTensorCore<TPrecision>(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y,
        Conv3dShape s, int hasBias)
        where TPrecision : struct, ITensorCorePrecision
    {
        TensorCoreMma.Begin();
        var sa = SharedMemory.Allocate<float>(2 * TcBufA);
        var sb = SharedMemory.Allocate<float>(2 * TcBufB);
        int g = Grid.IdxY;
        int coutPg = s.Cout / s.Groups;
        int os = s.OD * s.OH * s.OW;
        int voxels = s.N * os;
        TileOrigin(coutPg, out int m0, out int n0);
        int t = Group.IdxX, lane = t & 31, warp = t >> 5;
        var gather = ForwardGather.Start(s, g, m0, n0, t);
        int aAt = gather.AK * TcPitchA + gather.ARow;
        int numTiles = (gather.KDim + TiledK - 1) / TiledK;

        var acc = default(WarpTile64x32);
        if (numTiles > 0) gather.Next(x, w, s, 0).Store(sa, aAt, TcPitchA, sb, t, TcPitchB);
        Group.Barrier();

        int buf = 0;
        for (int kt = 0; kt < numTiles; kt++)
        {
            bool more = kt + 1 < numTiles;
            var next = default(ConvTiles);
            if (more) next = gather.Next(x, w, s, (kt + 1) * TiledK);
            acc = TensorCoreMma.Step<TPrecision>(acc, sa, buf * TcBufA, TcPitchA, sb, buf * TcBufB + warp * TensorCoreMma.WarpColumns, TcPitchB, lane);
            if (more) next.Store(sa, (buf ^ 1) * TcBufA + aAt, TcPitchA, sb, (buf ^ 1) * TcBufB + t, TcPitchB);
            Group.Barrier();
            buf ^= 1;
        }

        TensorCoreMma.Write(acc, lane, new ForwardTarget
        {
            Y = y, Bias = bias, HasBias = hasBias, S = s, Channel0 = g * coutPg + m0, Channels = coutPg - m0,
            Column0 = n0 + warp * TensorCoreMma.WarpColumns, Voxels = voxels, OutSpatial = os,
        });
    }

    /// <summary>y (+ bias) for a warp tile: rows are the channels from Channel0, columns the output voxels from Column0.</summary>
    private struct ForwardTarget : IMmaEpilogue
    {
        public ArrayView<float> Y, Bias;
        public Conv3dShape S;
        public int HasBias, Channel0, Channels, Column0, Voxels, OutSpatial;

        public readonly ArrayView<float> Target => Y;

        public readonly float Scale => 1f;

        public readonly MmaTarget Place(int row, int col)
        {
            int o = OutputOffset(S, Column0 + col, Voxels, OutSpatial);
            if (row >= Channels || o < 0) return new MmaTarget { Index = -1 };
            int ch = Channel0 + row;
            return new MmaTarget { Index = o + ch * OutSpatial, Add = HasBias != 0 ? Bias[ch] : 0f };
        }
    }

    /// <summary>
    /// Tensor-core weight gradient (TF32 or 3xTF32 by <typeparamref name="TPrecision"/>): as <see cref="WeightGradCuda"/>
    /// (same grid, splits over the voxels, gather of tap column t with the voxel advancing by one per element, and the
    /// last split of each tile adding the partials into dw), with warp w multiplying the tile's 64 channels of dY by tap
    /// columns 32w..32w+31 on tensor cores.
    /// </summary>
    [Kernel(UsesBarriers = true, MaxGroupSize = TiledGroupSize, MinGroupsPerMultiprocessor = TiledGroupsPerMultiprocessor)]
    public static void WeightGradTensorCore<TPrecision>(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> partials, ArrayView<float> dw,
        ArrayView<int> arrivals, Conv3dShape s, int splits)
        where TPrecision : struct, ITensorCorePrecision
    {
        TensorCoreMma.Begin();
        var sa = SharedMemory.Allocate<float>(2 * TcBufA);
        var sb = SharedMemory.Allocate<float>(2 * TcBufB);
        int g = Grid.IdxZ, split = Grid.IdxY;
        int coutPg = s.Cout / s.Groups;
        int kdim = s.Cin / s.Groups * s.KD * s.KH * s.KW;
        int voxels = s.N * s.OD * s.OH * s.OW;
        int pBegin = (int)((long)voxels * split / splits), pEnd = (int)((long)voxels * (split + 1) / splits);
        TileOrigin(coutPg, out int m0, out int n0);
        int t = Group.IdxX, lane = t & 31, warp = t >> 5;
        var gather = WeightGradGather.Start(s, g, m0, n0, t, pBegin, pEnd);
        int aAt = gather.AK * TcPitchA + gather.ARow;
        int numTiles = (pEnd - pBegin + TiledK - 1) / TiledK;

        var acc = default(WarpTile64x32);
        // Carried across tiles here, unlike the forward's (ptxas 11.8: 10 fewer instructions a tile this way, 38 more there).
        var next = default(ConvTiles);
        if (numTiles > 0) { next = gather.Next(x, dy, s); next.Store(sa, aAt, TcPitchA, sb, t, TcPitchB); }
        Group.Barrier();

        int buf = 0;
        for (int kt = 0; kt < numTiles; kt++)
        {
            bool more = kt + 1 < numTiles;
            if (more) next = gather.Next(x, dy, s);
            acc = TensorCoreMma.Step<TPrecision>(acc, sa, buf * TcBufA, TcPitchA, sb, buf * TcBufB + warp * TensorCoreMma.WarpColumns, TcPitchB, lane);
            if (more) next.Store(sa, (buf ^ 1) * TcBufA + aAt, TcPitchA, sb, (buf ^ 1) * TcBufB + t, TcPitchB);
            Group.Barrier();
            buf ^= 1;
        }

        TensorCoreMma.Write(acc, lane, new WeightGradTarget
        {
            Partials = partials, Row0 = split * s.Cout * kdim + (g * coutPg + m0) * kdim, Rows = coutPg - m0,
            Column0 = n0 + warp * TensorCoreMma.WarpColumns, Columns = kdim,
        });
        if (splits > 1) SumTileSplits(partials, dw, arrivals, s, splits, g, m0, n0, coutPg, kdim);
    }

    /// <summary>A warp tile of a weight-gradient split: rows are output channels (W's rows), columns taps (K).</summary>
    private struct WeightGradTarget : IMmaEpilogue
    {
        public ArrayView<float> Partials;
        public int Row0, Rows, Column0, Columns;

        public readonly ArrayView<float> Target => Partials;

        public readonly float Scale => 1f;

        public readonly MmaTarget Place(int row, int col)
        {
            int k = Column0 + col;
            if (row >= Rows || k >= Columns) return new MmaTarget { Index = -1 };
            return new MmaTarget { Index = Row0 + row * Columns + k };
        }
    }
}
