using System.Runtime.CompilerServices;
using ILGPU;

namespace ILGpuNet.Kernels;

// The im2col gathers of the implicit-GEMM kernels, shared by the CUDA-core (ForwardCuda, WeightGradCuda) and the
// tensor-core variants: they tile the same way (64 x 256 tiles of a 256-thread group, 8-deep double-buffered shared
// tiles) and differ only in how a tile pair is multiplied and in the padding of their shared rows.
public static partial class Conv3dKernels
{
    /// <summary>
    /// One thread's share of an 8-deep tile pair, held in registers from its global loads to its shared stores (while the
    /// previous pair is multiplied): A elements (row ARow, k pair AK, AK + 1) and the 8 k of its B column.
    /// </summary>
    private struct ConvTiles
    {
        public float A0, A1, B0, B1, B2, B3, B4, B5, B6, B7;

        /// <summary>Into k-major shared tiles: A0 at sa[aAt], A1 (the next k) at sa[aAt + aPitch]; B0..B7 at sb[bAt + k * bPitch].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(ArrayView<float> sa, int aAt, int aPitch, ArrayView<float> sb, int bAt, int bPitch)
        {
            sa[aAt] = A0;
            sa[aAt + aPitch] = A1;
            var b = sb.SubView(bAt);
            b[0] = B0;
            b[bPitch] = B1;
            b[2 * bPitch] = B2;
            b[3 * bPitch] = B3;
            b[4 * bPitch] = B4;
            b[5 * bPitch] = B5;
            b[6 * bPitch] = B6;
            b[7 * bPitch] = B7;
        }
    }

    /// <summary>
    /// What thread t of a forward tile (channels m0.., voxels n0..) gathers: A = W (Cout/G x K) row m0 + ARow at k pair
    /// k0 + AK, and B = im2col(x) (K x voxels) column n0 + t, one output voxel: its window origin (D0, H0, W0) is fixed
    /// and its tap (ci, KD, KH, KW) = K advances by one per element (block-uniform branches, no divisions in the loop);
    /// taps outside the input read as the zero padding.
    /// </summary>
    private struct ForwardGather
    {
        public int ARow, AK, ABase;
        public bool AOk;
        public int D0, H0, W0, Base;
        public int KD, KH, KW, Offset, K;
        public int KDim, HW, InS;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ForwardGather Start(Conv3dShape s, int g, int m0, int n0, int t)
        {
            int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
            int os = s.OD * s.OH * s.OW;
            var f = new ForwardGather { D0 = -s.KD };  // a column past the end never reads (D0 + KD < 0)
            f.HW = s.H * s.W;
            f.InS = s.D * f.HW;
            f.KDim = cinPg * s.KD * s.KH * s.KW;
            int col = n0 + t;
            if (col < s.N * os)
            {
                int n = col / os, sp = col - n * os;
                int od = sp / (s.OH * s.OW), rem = sp - od * s.OH * s.OW;
                int oh = rem / s.OW, ow = rem - oh * s.OW;
                f.D0 = od * s.SD - s.PD;
                f.H0 = oh * s.SH - s.PH;
                f.W0 = ow * s.SW - s.PW;
                f.Base = (n * s.Cin + g * cinPg) * f.InS + f.D0 * f.HW + f.H0 * s.W + f.W0;
            }
            f.ARow = t >> 2;
            f.AK = (t & 3) << 1;
            f.AOk = m0 + f.ARow < coutPg;
            f.ABase = (g * coutPg + (f.AOk ? m0 + f.ARow : 0)) * f.KDim + f.AK;
            return f;
        }

        /// <summary>The tile pair at depth k0 (the B column continues from the previous call: call it for k0 = 0, 8, 16...).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ConvTiles Next(ArrayView<float> x, ArrayView<float> w, Conv3dShape s, int k0) => new()
        {
            A0 = AOk && k0 + AK < KDim ? w[ABase + k0] : 0f,
            A1 = AOk && k0 + AK + 1 < KDim ? w[ABase + k0 + 1] : 0f,
            B0 = NextTap(x, s),
            B1 = NextTap(x, s),
            B2 = NextTap(x, s),
            B3 = NextTap(x, s),
            B4 = NextTap(x, s),
            B5 = NextTap(x, s),
            B6 = NextTap(x, s),
            B7 = NextTap(x, s),
        };

        /// <summary>x at the column's next tap (zero in the padding or past K), then the tap advances by one.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private float NextTap(ArrayView<float> x, Conv3dShape s)
        {
            float v = K < KDim && (uint)(D0 + KD) < (uint)s.D && (uint)(H0 + KH) < (uint)s.H && (uint)(W0 + KW) < (uint)s.W
                ? x[Base + Offset] : 0f;
            K++;
            Offset++;
            if (++KW == s.KW)
            {
                KW = 0;
                Offset += s.W - s.KW;
                if (++KH == s.KH)
                {
                    KH = 0;
                    Offset += HW - s.KH * s.W;
                    if (++KD == s.KD) { KD = 0; Offset += InS - s.KD * HW; }
                }
            }
            return v;
        }
    }

    /// <summary>
    /// What thread t of a weight-gradient tile (channels m0.., taps n0..) gathers over its split's voxels [P, End): A = dY
    /// (Cout/G x voxels) row m0 + ARow (channel ACh) at the voxel pair AP, AP + 1 (sample AN, offset ASP), and B =
    /// im2col(x)^T (voxels x K) column n0 + t, one filter tap (ci, KD, KH, KW) at offset Offset from a voxel's window
    /// origin (D, H, W): its tap is fixed and the voxel (N, OD, OH, OW) advances by one per element (uniform in the group).
    /// </summary>
    private struct WeightGradGather
    {
        public int ARow, AK, ACh, AP, AN, ASP, OS;
        public bool AOk, TapOk;
        public int KD, KH, KW, Offset;
        public int G, P, End, N, OD, OH, OW, D, H, W, Base;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static WeightGradGather Start(Conv3dShape s, int g, int m0, int n0, int t, int pBegin, int pEnd)
        {
            int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
            int kvol = s.KD * s.KH * s.KW, kdim = cinPg * kvol;
            int os = s.OD * s.OH * s.OW, hw = s.H * s.W, ins = s.D * hw;
            var v = new WeightGradGather { G = g, P = pBegin, End = pEnd, OS = os };
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
            if (pBegin < s.N * os)
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

            v.ARow = t >> 2;
            v.AK = (t & 3) << 1;
            v.AOk = m0 + v.ARow < coutPg;
            v.ACh = g * coutPg + (v.AOk ? m0 + v.ARow : 0);
            v.AP = pBegin + v.AK;
            v.AN = v.AP / os;
            v.ASP = v.AP - v.AN * os;
            return v;
        }

        /// <summary>The next tile pair: 8 more voxels of the split (A's pair and B's column both advance).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ConvTiles Next(ArrayView<float> x, ArrayView<float> dy, Conv3dShape s)
        {
            var tiles = new ConvTiles();
            LoadDy(dy, s, out tiles.A0, out tiles.A1);
            tiles.B0 = NextVoxel(x, s);
            tiles.B1 = NextVoxel(x, s);
            tiles.B2 = NextVoxel(x, s);
            tiles.B3 = NextVoxel(x, s);
            tiles.B4 = NextVoxel(x, s);
            tiles.B5 = NextVoxel(x, s);
            tiles.B6 = NextVoxel(x, s);
            tiles.B7 = NextVoxel(x, s);
            return tiles;
        }

        /// <summary>dY[ACh] at voxels AP and AP + 1, zero past the split; then the pair moves 8 voxels on.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void LoadDy(ArrayView<float> dy, Conv3dShape s, out float v0, out float v1)
        {
            v0 = AOk && AP < End ? dy[(AN * s.Cout + ACh) * OS + ASP] : 0f;
            int asp1 = ASP + 1, an1 = AN;
            if (asp1 == OS) { asp1 = 0; an1++; }
            v1 = AOk && AP + 1 < End ? dy[(an1 * s.Cout + ACh) * OS + asp1] : 0f;
            AP += TiledK;
            ASP += TiledK;
            while (ASP >= OS) { ASP -= OS; AN++; }
        }

        /// <summary>x at the tap of the next voxel (zero in the padding, past the split or past K), then the voxel advances by one.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private float NextVoxel(ArrayView<float> x, Conv3dShape s)
        {
            float value = TapOk && P < End && (uint)(D + KD) < (uint)s.D && (uint)(H + KH) < (uint)s.H && (uint)(W + KW) < (uint)s.W
                ? x[Base + Offset] : 0f;
            P++;
            W += s.SW;
            Base += s.SW;
            if (++OW == s.OW)
            {
                OW = 0;
                W = -s.PW;
                if (++OH == s.OH)
                {
                    OH = 0;
                    H = -s.PH;
                    if (++OD == s.OD) { OD = 0; D = -s.PD; N++; }
                    else D += s.SD;
                }
                else H += s.SH;
                Base = VoxelBase(s, N, G, D, H, W);
            }
            return value;
        }
    }

    /// <summary>The group's output tile: channels m0.. of its group, columns (voxels or taps) n0.., Grid.X running along the channels first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TileOrigin(int coutPg, out int m0, out int n0)
    {
        int tilesM = (coutPg + TiledM - 1) / TiledM;
        m0 = Grid.IdxX % tilesM * TiledM;
        n0 = Grid.IdxX / tilesM * TiledN;
    }

    /// <summary>Offset in x of the window origin (vd, vh, vw) of sample n, first input channel of group g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int VoxelBase(Conv3dShape s, int n, int g, int vd, int vh, int vw) =>
        (n * s.Cin + g * (s.Cin / s.Groups)) * s.D * s.H * s.W + (vd * s.H + vh) * s.W + vw;
}
