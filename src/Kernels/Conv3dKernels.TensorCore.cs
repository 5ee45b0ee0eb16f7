using System.Runtime.CompilerServices;
using ILGPU;

namespace ILGpuNet.Kernels;

// Tensor-core variants: ForwardCuda's implicit GEMM (64 x 256 tiles, 8-deep double-buffered shared tiles, the same
// im2col gather), each of the 8 warps computing a 64 x 32 part of the tile with TensorCoreMma.
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
    /// grid, group, tiles and gather: thread t gathers voxel column t of the B tile, taps advancing by one per element),
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
        int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
        int kdim = cinPg * s.KD * s.KH * s.KW;
        int os = s.OD * s.OH * s.OW, hw = s.H * s.W, ins = s.D * hw;
        int voxels = s.N * os;
        int tilesM = (coutPg + TiledM - 1) / TiledM;
        int m0 = Grid.IdxX % tilesM * TiledM;
        int n0 = Grid.IdxX / tilesM * TiledN;
        int t = Group.IdxX, lane = t & 31, warp = t >> 5;

        // B column t: one output voxel; its window starts at (id0, ih0, iw0) in sample n.
        var tap = new ForwardTap { D0 = -s.KD };  // a column past the end never reads (D0 + KD < 0)
        int col = n0 + t;
        if (col < voxels)
        {
            int n = col / os, sp = col - n * os;
            int od = sp / (s.OH * s.OW), rem = sp - od * s.OH * s.OW;
            int oh = rem / s.OW, ow = rem - oh * s.OW;
            tap.D0 = od * s.SD - s.PD;
            tap.H0 = oh * s.SH - s.PH;
            tap.W0 = ow * s.SW - s.PW;
            tap.Base = (n * s.Cin + g * cinPg) * ins + tap.D0 * hw + tap.H0 * s.W + tap.W0;
        }

        // A: row m0 + t / 4, k pair 2 * (t % 4) of each tile.
        int aRow = t >> 2, aK = (t & 3) << 1;
        bool aOk = m0 + aRow < coutPg;
        int aBase = (g * coutPg + (aOk ? m0 + aRow : 0)) * kdim + aK;
        int nbA = aK * TcPitchA + aRow;
        int numTiles = (kdim + TiledK - 1) / TiledK;

        var acc = default(WarpTile64x32);
        float ga0 = 0f, ga1 = 0f, gb0 = 0f, gb1 = 0f, gb2 = 0f, gb3 = 0f, gb4 = 0f, gb5 = 0f, gb6 = 0f, gb7 = 0f;
        if (numTiles > 0)
        {
            ga0 = aOk && aK < kdim ? w[aBase] : 0f;
            ga1 = aOk && aK + 1 < kdim ? w[aBase + 1] : 0f;
            gb0 = NextTap(x, s, kdim, hw, ins, ref tap);
            gb1 = NextTap(x, s, kdim, hw, ins, ref tap);
            gb2 = NextTap(x, s, kdim, hw, ins, ref tap);
            gb3 = NextTap(x, s, kdim, hw, ins, ref tap);
            gb4 = NextTap(x, s, kdim, hw, ins, ref tap);
            gb5 = NextTap(x, s, kdim, hw, ins, ref tap);
            gb6 = NextTap(x, s, kdim, hw, ins, ref tap);
            gb7 = NextTap(x, s, kdim, hw, ins, ref tap);
            StoreTensorCoreTiles(sa, sb, 0, nbA, t, ga0, ga1, gb0, gb1, gb2, gb3, gb4, gb5, gb6, gb7);
        }
        Group.Barrier();

        int buf = 0;
        for (int kt = 0; kt < numTiles; kt++)
        {
            bool more = kt + 1 < numTiles;
            if (more)
            {
                int k0 = (kt + 1) * TiledK;
                ga0 = aOk && k0 + aK < kdim ? w[aBase + k0] : 0f;
                ga1 = aOk && k0 + aK + 1 < kdim ? w[aBase + k0 + 1] : 0f;
                gb0 = NextTap(x, s, kdim, hw, ins, ref tap);
                gb1 = NextTap(x, s, kdim, hw, ins, ref tap);
                gb2 = NextTap(x, s, kdim, hw, ins, ref tap);
                gb3 = NextTap(x, s, kdim, hw, ins, ref tap);
                gb4 = NextTap(x, s, kdim, hw, ins, ref tap);
                gb5 = NextTap(x, s, kdim, hw, ins, ref tap);
                gb6 = NextTap(x, s, kdim, hw, ins, ref tap);
                gb7 = NextTap(x, s, kdim, hw, ins, ref tap);
            }
            acc = TensorCoreMma.Step<TPrecision>(acc, sa, buf * TcBufA, TcPitchA, sb, buf * TcBufB + warp * TensorCoreMma.WarpColumns, TcPitchB, lane);
            if (more) StoreTensorCoreTiles(sa, sb, buf ^ 1, nbA, t, ga0, ga1, gb0, gb1, gb2, gb3, gb4, gb5, gb6, gb7);
            Group.Barrier();
            buf ^= 1;
        }

        TensorCoreMma.Write(acc, lane, new ForwardTarget
        {
            Y = y, Bias = bias, HasBias = hasBias, S = s, Channel0 = g * coutPg + m0, Channels = coutPg - m0,
            Column0 = n0 + warp * TensorCoreMma.WarpColumns, Voxels = voxels, OutSpatial = os,
        });
    }

    /// <summary>The im2col gather of one forward B column: the window origin and the next tap (ci, kd, kh, kw) = k.</summary>
    private struct ForwardTap
    {
        public int D0, H0, W0, Base;
        public int KD, KH, KW, Offset, K;
    }

    /// <summary>x at the column's next tap (zero in the padding or past K), then the tap advances by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float NextTap(ArrayView<float> x, Conv3dShape s, int kdim, int hw, int ins, ref ForwardTap p)
    {
        float v = p.K < kdim && (uint)(p.D0 + p.KD) < (uint)s.D && (uint)(p.H0 + p.KH) < (uint)s.H && (uint)(p.W0 + p.KW) < (uint)s.W
            ? x[p.Base + p.Offset] : 0f;
        p.K++;
        p.Offset++;
        if (++p.KW == s.KW)
        {
            p.KW = 0;
            p.Offset += s.W - s.KW;
            if (++p.KH == s.KH)
            {
                p.KH = 0;
                p.Offset += hw - s.KH * s.W;
                if (++p.KD == s.KD) { p.KD = 0; p.Offset += ins - s.KD * hw; }
            }
        }
        return v;
    }

    /// <summary>This thread's two A and eight B elements into buffer <paramref name="buf"/> of the k-major tensor-core tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTensorCoreTiles(ArrayView<float> sa, ArrayView<float> sb, int buf, int nbA, int t,
        float ga0, float ga1, float gb0, float gb1, float gb2, float gb3, float gb4, float gb5, float gb6, float gb7)
    {
        int a = buf * TcBufA + nbA;
        sa[a] = ga0;
        sa[a + TcPitchA] = ga1;
        var b = sb.SubView(buf * TcBufB + t);
        b[0] = gb0;
        b[TcPitchB] = gb1;
        b[2 * TcPitchB] = gb2;
        b[3 * TcPitchB] = gb3;
        b[4 * TcPitchB] = gb4;
        b[5 * TcPitchB] = gb5;
        b[6 * TcPitchB] = gb6;
        b[7 * TcPitchB] = gb7;
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
        int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
        int kvol = s.KD * s.KH * s.KW, kdim = cinPg * kvol;
        int os = s.OD * s.OH * s.OW, hw = s.H * s.W, ins = s.D * hw;
        int voxels = s.N * os;
        int pBegin = (int)((long)voxels * split / splits), pEnd = (int)((long)voxels * (split + 1) / splits);
        int tilesM = (coutPg + TiledM - 1) / TiledM;
        int m0 = Grid.IdxX % tilesM * TiledM;
        int n0 = Grid.IdxX / tilesM * TiledN;
        int t = Group.IdxX, lane = t & 31, warp = t >> 5;

        // B column t: one filter tap (ci, kd, kh, kw), offset Offset from a voxel's window origin; the voxel walks.
        var v = new VoxelWalk { P = pBegin, End = pEnd };
        int tap = n0 + t;
        v.TapOk = tap < kdim;
        int tc = v.TapOk ? tap : 0;
        int ci = tc / kvol, r = tc - ci * kvol;
        v.KD = r / (s.KH * s.KW);
        r -= v.KD * s.KH * s.KW;
        v.KH = r / s.KW;
        v.KW = r - v.KH * s.KW;
        v.Offset = ci * ins + v.KD * hw + v.KH * s.W + v.KW;
        int vod = 0, voh = 0, vow = 0;
        if (pBegin < voxels)
        {
            v.N = pBegin / os;
            int sp = pBegin - v.N * os;
            vod = sp / (s.OH * s.OW);
            sp -= vod * s.OH * s.OW;
            voh = sp / s.OW;
            vow = sp - voh * s.OW;
        }
        v.OD = vod; v.OH = voh; v.OW = vow;
        v.D = vod * s.SD - s.PD; v.H = voh * s.SH - s.PH; v.W = vow * s.SW - s.PW;
        v.Base = VoxelBase(s, v.N, g, v.D, v.H, v.W);

        // A: dY row m0 + t / 4 (an output channel), voxel pair pBegin + 2 * (t % 4) + 8 kt: sample an, offset asp.
        int aRow = t >> 2, aK = (t & 3) << 1;
        bool aOk = m0 + aRow < coutPg;
        int aCh = g * coutPg + (aOk ? m0 + aRow : 0);
        int ap = pBegin + aK;
        int an = ap / os, asp = ap - an * os;
        int nbA = aK * TcPitchA + aRow;
        int numTiles = (pEnd - pBegin + TiledK - 1) / TiledK;

        var acc = default(WarpTile64x32);
        float ga0 = 0f, ga1 = 0f, gb0 = 0f, gb1 = 0f, gb2 = 0f, gb3 = 0f, gb4 = 0f, gb5 = 0f, gb6 = 0f, gb7 = 0f;
        if (numTiles > 0)
        {
            LoadDy(dy, s, aOk, aCh, ap, pEnd, an, asp, os, out ga0, out ga1);
            gb0 = NextVoxel(x, s, g, ref v);
            gb1 = NextVoxel(x, s, g, ref v);
            gb2 = NextVoxel(x, s, g, ref v);
            gb3 = NextVoxel(x, s, g, ref v);
            gb4 = NextVoxel(x, s, g, ref v);
            gb5 = NextVoxel(x, s, g, ref v);
            gb6 = NextVoxel(x, s, g, ref v);
            gb7 = NextVoxel(x, s, g, ref v);
            StoreTensorCoreTiles(sa, sb, 0, nbA, t, ga0, ga1, gb0, gb1, gb2, gb3, gb4, gb5, gb6, gb7);
        }
        Group.Barrier();

        int buf = 0;
        for (int kt = 0; kt < numTiles; kt++)
        {
            bool more = kt + 1 < numTiles;
            if (more)
            {
                ap += TiledK;
                asp += TiledK;
                while (asp >= os) { asp -= os; an++; }
                LoadDy(dy, s, aOk, aCh, ap, pEnd, an, asp, os, out ga0, out ga1);
                gb0 = NextVoxel(x, s, g, ref v);
                gb1 = NextVoxel(x, s, g, ref v);
                gb2 = NextVoxel(x, s, g, ref v);
                gb3 = NextVoxel(x, s, g, ref v);
                gb4 = NextVoxel(x, s, g, ref v);
                gb5 = NextVoxel(x, s, g, ref v);
                gb6 = NextVoxel(x, s, g, ref v);
                gb7 = NextVoxel(x, s, g, ref v);
            }
            acc = TensorCoreMma.Step<TPrecision>(acc, sa, buf * TcBufA, TcPitchA, sb, buf * TcBufB + warp * TensorCoreMma.WarpColumns, TcPitchB, lane);
            if (more) StoreTensorCoreTiles(sa, sb, buf ^ 1, nbA, t, ga0, ga1, gb0, gb1, gb2, gb3, gb4, gb5, gb6, gb7);
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

    /// <summary>The voxel walk of one weight-gradient B column: its tap, and the next voxel P (sample N, output OD, OH, OW; window D, H, W).</summary>
    private struct VoxelWalk
    {
        public bool TapOk;
        public int KD, KH, KW, Offset;
        public int P, End, N, OD, OH, OW, D, H, W, Base;
    }

    /// <summary>x at the tap of the walk's next voxel (zero in the padding, past the split or past K), then the voxel advances by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float NextVoxel(ArrayView<float> x, Conv3dShape s, int g, ref VoxelWalk v)
    {
        float value = v.TapOk && v.P < v.End && (uint)(v.D + v.KD) < (uint)s.D && (uint)(v.H + v.KH) < (uint)s.H && (uint)(v.W + v.KW) < (uint)s.W
            ? x[v.Base + v.Offset] : 0f;
        v.P++;
        v.W += s.SW;
        v.Base += s.SW;
        if (++v.OW == s.OW)
        {
            v.OW = 0;
            v.W = -s.PW;
            if (++v.OH == s.OH)
            {
                v.OH = 0;
                v.H = -s.PH;
                if (++v.OD == s.OD) { v.OD = 0; v.D = -s.PD; v.N++; }
                else v.D += s.SD;
            }
            else v.H += s.SH;
            v.Base = VoxelBase(s, v.N, g, v.D, v.H, v.W);
        }
        return value;
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
