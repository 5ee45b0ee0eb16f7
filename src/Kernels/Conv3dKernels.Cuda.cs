using System.Runtime.CompilerServices;
using ILGPU;

namespace ILGpuNet.Kernels;

// CUDA variants: implicit GEMMs with the im2col gather done while loading shared tiles.
public static partial class Conv3dKernels
{
    /// <summary>Rows of the output tile of the tiled kernels (output channels of one group).</summary>
    public const int TiledM = 64;

    /// <summary>Columns of the output tile: output voxels (forward) or filter taps (weight gradient).</summary>
    public const int TiledN = 256;

    /// <summary>Depth of one shared tile along the reduction.</summary>
    public const int TiledK = 8;

    /// <summary>Threads per group of the tiled kernels (8 warps, each thread an 8 x 8 register block).</summary>
    public const int TiledGroupSize = 256;

    /// <summary>Groups of the tiled kernels per multiprocessor their launch asks for (ptxas then keeps to 128 registers).</summary>
    public const int TiledGroupsPerMultiprocessor = 2;

    // Shared tiles are k-major with 4 floats of padding per row (68 and 260 floats), so that every row
    // starts 16-byte aligned for the Float4 reads of the inner loop and the transposing A stores of a
    // warp (8 rows x 4 k) hit 32 distinct banks.
    // Pitches and buffer sizes in Float4s (the reads) and in floats (the stores).
    private const int SA4 = 17;
    private const int SB4 = 65;
    private const int ABuf4 = TiledK * SA4;
    private const int BBuf4 = TiledK * SB4;
    private const int SAPitch = 4 * SA4;
    private const int SBPitch = 4 * SB4;
    private const int ABuf = 4 * ABuf4;
    private const int BBuf = 4 * BBuf4;

    /// <summary>
    /// CUDA forward, an implicit GEMM per group: Y (Cout/G x N*OD*OH*OW) = W (Cout/G x K) * im2col(x) (K x
    /// voxels), K = Cin/G * KD*KH*KW. A group of 256 threads computes a 64 x 256 tile (channels x voxels)
    /// through double-buffered 8-deep shared tiles; each thread holds 8 x 8 sums in registers
    /// (<see cref="MicroTile8x8"/>). Thread t gathers voxel column t of the B tile for every k
    /// (<see cref="ForwardGather"/>: its window origin is fixed and the tap advances by one per element; taps
    /// outside the input read as the zero padding). Grid: (ceil(Cout/G / 64) * ceil(voxels / 256), Groups).
    /// x and w are unpadded NCDHW / (Cout, Cin/G, KD, KH, KW); bias is read when hasBias != 0.
    /// </summary>
    [Kernel(UsesBarriers = true, MaxGroupSize = TiledGroupSize, MinGroupsPerMultiprocessor = TiledGroupsPerMultiprocessor)]
    public static void ForwardCuda(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, Conv3dShape s, int hasBias)
    {
        var sa4 = SharedMemory.Allocate<Float4>(2 * ABuf4);
        var sb4 = SharedMemory.Allocate<Float4>(2 * BBuf4);
        var saF = sa4.Cast<float>();
        var sbF = sb4.Cast<float>();
        int g = Grid.IdxY;
        int coutPg = s.Cout / s.Groups;
        int os = s.OD * s.OH * s.OW;
        int voxels = s.N * os;
        TileOrigin(coutPg, out int m0, out int n0);
        int t = Group.IdxX, tx = t & 31, ty = t >> 5;
        var gather = ForwardGather.Start(s, g, m0, n0, t);
        int aAt = gather.AK * SAPitch + gather.ARow;
        int numTiles = (gather.KDim + TiledK - 1) / TiledK;

        var sums = default(MicroTile8x8);
        if (numTiles > 0) gather.Next(x, w, s, 0).Store(saF, aAt, SAPitch, sbF, t, SBPitch);
        Group.Barrier();

        int buf = 0;
        for (int kt = 0; kt < numTiles; kt++)
        {
            // The next tile pair, declared in the loop as in GemmCuda (carried from one tile to the next, it spilled here too).
            bool more = kt + 1 < numTiles;
            var next = default(ConvTiles);
            if (more) next = gather.Next(x, w, s, (kt + 1) * TiledK);
            // Thread (tx, ty) multiplies channels 4ty.. and 32 + 4ty.. by voxels 4tx.. and 128 + 4tx...
            sums.AddTile(sa4.SubView(buf * ABuf4 + ty), SA4, 8, sb4.SubView(buf * BBuf4 + tx), SB4, 32);
            if (more) next.Store(saF, (buf ^ 1) * ABuf + aAt, SAPitch, sbF, (buf ^ 1) * BBuf + t, SBPitch);
            Group.Barrier();
            buf ^= 1;
        }

        int col0 = n0 + 4 * tx;
        sums.Write(new ForwardRows
        {
            Y = y, Bias = bias, HasBias = hasBias, Channel0 = g * coutPg + m0 + 4 * ty, Rows = coutPg - m0 - 4 * ty, OutSpatial = os,
            O0 = OutputOffset(s, col0, voxels, os), O1 = OutputOffset(s, col0 + 1, voxels, os),
            O2 = OutputOffset(s, col0 + 2, voxels, os), O3 = OutputOffset(s, col0 + 3, voxels, os),
            O4 = OutputOffset(s, col0 + 128, voxels, os), O5 = OutputOffset(s, col0 + 129, voxels, os),
            O6 = OutputOffset(s, col0 + 130, voxels, os), O7 = OutputOffset(s, col0 + 131, voxels, os),
        }, 32);
    }

    /// <summary>y = sum (+ bias) for a thread's rows (channels Channel0 + r) at its 8 voxel columns (offsets O0..O7 in y, -1 past the end).</summary>
    private struct ForwardRows : IMicroTileRows
    {
        public ArrayView<float> Y, Bias;
        public int HasBias, Channel0, Rows, OutSpatial;
        public int O0, O1, O2, O3, O4, O5, O6, O7;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Row(int r, Float4 near, Float4 far)
        {
            if (r < Rows)
            {
                int ch = Channel0 + r;
                float b = HasBias != 0 ? Bias[ch] : 0f;
                int co = ch * OutSpatial;
                if (O0 >= 0) Y[O0 + co] = near.X + b;
                if (O1 >= 0) Y[O1 + co] = near.Y + b;
                if (O2 >= 0) Y[O2 + co] = near.Z + b;
                if (O3 >= 0) Y[O3 + co] = near.W + b;
                if (O4 >= 0) Y[O4 + co] = far.X + b;
                if (O5 >= 0) Y[O5 + co] = far.Y + b;
                if (O6 >= 0) Y[O6 + co] = far.Z + b;
                if (O7 >= 0) Y[O7 + co] = far.W + b;
            }
        }
    }

    /// <summary>
    /// CUDA weight gradient, split over the reduction: partials[split] (Cout x K, the layout of W) =
    /// dY (Cout/G x P) * im2col(x)^T (P x K) over this split's range of the P = N*OD*OH*OW output voxels,
    /// per group. A group of 256 threads computes a 64 x 256 tile (channels x taps) through
    /// double-buffered 8-deep shared tiles, 8 x 8 sums per thread (<see cref="MicroTile8x8"/>). Thread t gathers
    /// tap column t for every voxel of the range (<see cref="WeightGradGather"/>: its tap is fixed and the voxel
    /// advances by one per element, uniform in the group). Grid: (ceil(Cout/G / 64) * ceil(K / 256), splits, Groups); split s covers voxels
    /// [P*s/splits, P*(s+1)/splits). With several splits the last to finish of each tile adds them in split
    /// order into dw (<see cref="SumTileSplits"/>); with one, partials is dw.
    /// </summary>
    [Kernel(UsesBarriers = true, MaxGroupSize = TiledGroupSize, MinGroupsPerMultiprocessor = TiledGroupsPerMultiprocessor)]
    public static void WeightGradCuda(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> partials, ArrayView<float> dw,
        ArrayView<int> arrivals, Conv3dShape s, int splits)
    {
        var sa4 = SharedMemory.Allocate<Float4>(2 * ABuf4);
        var sb4 = SharedMemory.Allocate<Float4>(2 * BBuf4);
        var saF = sa4.Cast<float>();
        var sbF = sb4.Cast<float>();
        int g = Grid.IdxZ, split = Grid.IdxY;
        int coutPg = s.Cout / s.Groups;
        int kdim = s.Cin / s.Groups * s.KD * s.KH * s.KW;
        int voxels = s.N * s.OD * s.OH * s.OW;
        int pBegin = (int)((long)voxels * split / splits), pEnd = (int)((long)voxels * (split + 1) / splits);
        TileOrigin(coutPg, out int m0, out int n0);
        int t = Group.IdxX, tx = t & 31, ty = t >> 5;
        var gather = WeightGradGather.Start(s, g, m0, n0, t, pBegin, pEnd);
        int aAt = gather.AK * SAPitch + gather.ARow;
        int numTiles = (pEnd - pBegin + TiledK - 1) / TiledK;

        var sums = default(MicroTile8x8);
        if (numTiles > 0) gather.Next(x, dy, s).Store(saF, aAt, SAPitch, sbF, t, SBPitch);
        Group.Barrier();

        int buf = 0;
        for (int kt = 0; kt < numTiles; kt++)
        {
            bool more = kt + 1 < numTiles;
            var next = default(ConvTiles);
            if (more) next = gather.Next(x, dy, s);
            // Thread (tx, ty) multiplies channels 4ty.. and 32 + 4ty.. by taps 4tx.. and 128 + 4tx...
            sums.AddTile(sa4.SubView(buf * ABuf4 + ty), SA4, 8, sb4.SubView(buf * BBuf4 + tx), SB4, 32);
            if (more) next.Store(saF, (buf ^ 1) * ABuf + aAt, SAPitch, sbF, (buf ^ 1) * BBuf + t, SBPitch);
            Group.Barrier();
            buf ^= 1;
        }

        int col0 = n0 + 4 * tx;
        sums.Write(new WeightGradRows
        {
            Partials = partials, Row0 = split * s.Cout * kdim + (g * coutPg + m0 + 4 * ty) * kdim + col0, Rows = coutPg - m0 - 4 * ty,
            Pitch = kdim, Columns = MicroTileColumns.Below(col0, 128, kdim),
        }, 32);
        if (splits > 1) SumTileSplits(partials, dw, arrivals, s, splits, g, m0, n0, coutPg, kdim);
    }

    /// <summary>A thread's rows of a split's partial weight gradient: row r at Partials[Row0 + r * Pitch], columns 0..3 and 128..131.</summary>
    private struct WeightGradRows : IMicroTileRows
    {
        public ArrayView<float> Partials;
        public int Row0, Rows, Pitch;
        public MicroTileColumns Columns;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Row(int r, Float4 near, Float4 far)
        {
            if (r < Rows)
            {
                int o = Row0 + r * Pitch;
                if (Columns.In0) Partials[o] = near.X;
                if (Columns.In1) Partials[o + 1] = near.Y;
                if (Columns.In2) Partials[o + 2] = near.Z;
                if (Columns.In3) Partials[o + 3] = near.W;
                if (Columns.In4) Partials[o + 128] = far.X;
                if (Columns.In5) Partials[o + 129] = far.Y;
                if (Columns.In6) Partials[o + 130] = far.Z;
                if (Columns.In7) Partials[o + 131] = far.W;
            }
        }
    }

    /// <summary>
    /// The last of a tile's splits to finish (a counter per tile and group, arrivals[1 + tile]; arrivals[0] belongs to
    /// Work.ArrivesLast) adds the tile's partials over the splits in order into dw: the weight gradient without a
    /// separate launch to add them. Thread t walks tap column n0 + t (coalesced), for the tile's 64 channels.
    /// </summary>
    private static void SumTileSplits(ArrayView<float> partials, ArrayView<float> dw, ArrayView<int> arrivals, Conv3dShape s, int splits,
        int g, int m0, int n0, int coutPg, int kdim)
    {
        int tile = Grid.IdxZ * Grid.DimX + Grid.IdxX;
        if (!Work.GroupArrivesLast(arrivals.SubView(1 + tile, 1), splits)) return;
        int k = n0 + Group.IdxX;
        if (k >= kdim) return;
        long stride = (long)s.Cout * kdim;
        int rows = Math.Min(TiledM, coutPg - m0);
        for (int row = 0; row < rows; row++)
        {
            long o = (long)(g * coutPg + m0 + row) * kdim + k;
            float acc = 0f;
            for (int j = 0; j < splits; j++) acc += partials[j * stride + o];
            dw[o] = acc;
        }
    }

    /// <summary>Offset in y of output voxel column col (sample n, spatial index sp) for channel 0, or -1 past the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int OutputOffset(Conv3dShape s, int col, int voxels, int os)
    {
        if (col >= voxels) return -1;
        int n = col / os;
        return n * s.Cout * os + (col - n * os);
    }
}
