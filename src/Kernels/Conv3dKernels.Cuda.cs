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
    private const int SA4 = 17;
    private const int SB4 = 65;
    private const int ABuf4 = TiledK * SA4;
    private const int BBuf4 = TiledK * SB4;

    /// <summary>
    /// CUDA forward, an implicit GEMM per group: Y (Cout/G x N*OD*OH*OW) = W (Cout/G x K) * im2col(x) (K x
    /// voxels), K = Cin/G * KD*KH*KW. A group of 256 threads computes a 64 x 256 tile (channels x voxels)
    /// through double-buffered 8-deep shared tiles; each thread holds 8 x 8 sums in registers. Thread t
    /// gathers voxel column t of the B tile for every k: its window origin is fixed, and the tap (kd, kh,
    /// kw) advances by one per element (block-uniform branches, no divisions in the loop); taps outside
    /// the input read as the zero padding. Grid: (ceil(Cout/G / 64) * ceil(voxels / 256), Groups).
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
        int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
        int kdim = cinPg * s.KD * s.KH * s.KW;
        int os = s.OD * s.OH * s.OW, hw = s.H * s.W, ins = s.D * hw;
        int voxels = s.N * os;
        int tilesM = (coutPg + TiledM - 1) / TiledM;
        int m0 = Grid.IdxX % tilesM * TiledM;
        int n0 = Grid.IdxX / tilesM * TiledN;
        int t = Group.IdxX, tx = t & 31, ty = t >> 5;

        // B column t: one output voxel; its window starts at (id0, ih0, iw0) in sample n.
        int col = n0 + t;
        int id0 = -s.KD, ih0 = 0, iw0 = 0, xBase = 0;  // a column past the end never reads (id0 + kd < 0)
        if (col < voxels)
        {
            int n = col / os, sp = col - n * os;
            int od = sp / (s.OH * s.OW), rem = sp - od * s.OH * s.OW;
            int oh = rem / s.OW, ow = rem - oh * s.OW;
            id0 = od * s.SD - s.PD;
            ih0 = oh * s.SH - s.PH;
            iw0 = ow * s.SW - s.PW;
            xBase = (n * s.Cin + g * cinPg) * ins + id0 * hw + ih0 * s.W + iw0;
        }
        // The tap of the next B element: k = kNext = (ci, kd, kh, kw); x offset xBase + tapOff.
        int kd = 0, kh = 0, kw = 0, tapOff = 0, kNext = 0;

        // A: row m0 + t / 4, k pair 2 * (t % 4) of each tile.
        int aRow = t >> 2, aK = (t & 3) << 1;
        bool aOk = m0 + aRow < coutPg;
        int aBase = (g * coutPg + (aOk ? m0 + aRow : 0)) * kdim + aK;
        int nbA = aK * (SA4 * 4) + aRow;
        int numTiles = (kdim + TiledK - 1) / TiledK;

        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c04 = 0f, c05 = 0f, c06 = 0f, c07 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f, c14 = 0f, c15 = 0f, c16 = 0f, c17 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c24 = 0f, c25 = 0f, c26 = 0f, c27 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f, c34 = 0f, c35 = 0f, c36 = 0f, c37 = 0f;
        float c40 = 0f, c41 = 0f, c42 = 0f, c43 = 0f, c44 = 0f, c45 = 0f, c46 = 0f, c47 = 0f;
        float c50 = 0f, c51 = 0f, c52 = 0f, c53 = 0f, c54 = 0f, c55 = 0f, c56 = 0f, c57 = 0f;
        float c60 = 0f, c61 = 0f, c62 = 0f, c63 = 0f, c64 = 0f, c65 = 0f, c66 = 0f, c67 = 0f;
        float c70 = 0f, c71 = 0f, c72 = 0f, c73 = 0f, c74 = 0f, c75 = 0f, c76 = 0f, c77 = 0f;
        float ga0 = 0f, ga1 = 0f, gb0 = 0f, gb1 = 0f, gb2 = 0f, gb3 = 0f, gb4 = 0f, gb5 = 0f, gb6 = 0f, gb7 = 0f;
        Float4 a0, a1, b0, b1;

        if (numTiles > 0)
        {
            ga0 = aOk && aK < kdim ? w[aBase] : 0f;
            ga1 = aOk && aK + 1 < kdim ? w[aBase + 1] : 0f;
            gb0 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
            kNext++; tapOff++;
            if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
            gb1 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
            kNext++; tapOff++;
            if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
            gb2 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
            kNext++; tapOff++;
            if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
            gb3 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
            kNext++; tapOff++;
            if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
            gb4 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
            kNext++; tapOff++;
            if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
            gb5 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
            kNext++; tapOff++;
            if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
            gb6 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
            kNext++; tapOff++;
            if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
            gb7 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
            kNext++; tapOff++;
            if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
            saF[nbA] = ga0;
            saF[nbA + SA4 * 4] = ga1;
            int nbB = t;
            sbF[nbB + 0] = gb0;
            sbF[nbB + 260] = gb1;
            sbF[nbB + 520] = gb2;
            sbF[nbB + 780] = gb3;
            sbF[nbB + 1040] = gb4;
            sbF[nbB + 1300] = gb5;
            sbF[nbB + 1560] = gb6;
            sbF[nbB + 1820] = gb7;
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
                gb0 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
                kNext++; tapOff++;
                if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
                gb1 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
                kNext++; tapOff++;
                if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
                gb2 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
                kNext++; tapOff++;
                if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
                gb3 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
                kNext++; tapOff++;
                if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
                gb4 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
                kNext++; tapOff++;
                if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
                gb5 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
                kNext++; tapOff++;
                if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
                gb6 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
                kNext++; tapOff++;
                if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
                gb7 = kNext < kdim && (uint)(id0 + kd) < (uint)s.D && (uint)(ih0 + kh) < (uint)s.H && (uint)(iw0 + kw) < (uint)s.W ? x[xBase + tapOff] : 0f;
                kNext++; tapOff++;
                if (++kw == s.KW) { kw = 0; tapOff += s.W - s.KW; if (++kh == s.KH) { kh = 0; tapOff += hw - s.KH * s.W; if (++kd == s.KD) { kd = 0; tapOff += ins - s.KD * hw; } } }
            }

            var ra = sa4.SubView(buf * ABuf4 + ty);
            var rb = sb4.SubView(buf * BBuf4 + tx);
            a0 = ra[0]; a1 = ra[8]; b0 = rb[0]; b1 = rb[32];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[17]; a1 = ra[25]; b0 = rb[65]; b1 = rb[97];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[34]; a1 = ra[42]; b0 = rb[130]; b1 = rb[162];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[51]; a1 = ra[59]; b0 = rb[195]; b1 = rb[227];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[68]; a1 = ra[76]; b0 = rb[260]; b1 = rb[292];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[85]; a1 = ra[93]; b0 = rb[325]; b1 = rb[357];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[102]; a1 = ra[110]; b0 = rb[390]; b1 = rb[422];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[119]; a1 = ra[127]; b0 = rb[455]; b1 = rb[487];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            if (more)
            {
                int nb = buf ^ 1;
                saF[nb * ABuf4 * 4 + nbA] = ga0;
                saF[nb * ABuf4 * 4 + nbA + SA4 * 4] = ga1;
                int nbB = nb * BBuf4 * 4 + t;
                sbF[nbB + 0] = gb0;
                sbF[nbB + 260] = gb1;
                sbF[nbB + 520] = gb2;
                sbF[nbB + 780] = gb3;
                sbF[nbB + 1040] = gb4;
                sbF[nbB + 1300] = gb5;
                sbF[nbB + 1560] = gb6;
                sbF[nbB + 1820] = gb7;
            }
            Group.Barrier();
            buf ^= 1;
        }

        int o0 = OutputOffset(s, n0 + 4 * tx + 0, voxels, os);
        int o1 = OutputOffset(s, n0 + 4 * tx + 1, voxels, os);
        int o2 = OutputOffset(s, n0 + 4 * tx + 2, voxels, os);
        int o3 = OutputOffset(s, n0 + 4 * tx + 3, voxels, os);
        int o4 = OutputOffset(s, n0 + 128 + 4 * tx + 0, voxels, os);
        int o5 = OutputOffset(s, n0 + 128 + 4 * tx + 1, voxels, os);
        int o6 = OutputOffset(s, n0 + 128 + 4 * tx + 2, voxels, os);
        int o7 = OutputOffset(s, n0 + 128 + 4 * tx + 3, voxels, os);
        if (m0 + 4 * ty + 0 < coutPg)
        {
            int ch = g * coutPg + m0 + 4 * ty + 0;
            float b = hasBias != 0 ? bias[ch] : 0f;
            int co = ch * os;
            if (o0 >= 0) y[o0 + co] = c00 + b; if (o1 >= 0) y[o1 + co] = c01 + b; if (o2 >= 0) y[o2 + co] = c02 + b; if (o3 >= 0) y[o3 + co] = c03 + b;
            if (o4 >= 0) y[o4 + co] = c04 + b; if (o5 >= 0) y[o5 + co] = c05 + b; if (o6 >= 0) y[o6 + co] = c06 + b; if (o7 >= 0) y[o7 + co] = c07 + b;
        }
        if (m0 + 4 * ty + 1 < coutPg)
        {
            int ch = g * coutPg + m0 + 4 * ty + 1;
            float b = hasBias != 0 ? bias[ch] : 0f;
            int co = ch * os;
            if (o0 >= 0) y[o0 + co] = c10 + b; if (o1 >= 0) y[o1 + co] = c11 + b; if (o2 >= 0) y[o2 + co] = c12 + b; if (o3 >= 0) y[o3 + co] = c13 + b;
            if (o4 >= 0) y[o4 + co] = c14 + b; if (o5 >= 0) y[o5 + co] = c15 + b; if (o6 >= 0) y[o6 + co] = c16 + b; if (o7 >= 0) y[o7 + co] = c17 + b;
        }
        if (m0 + 4 * ty + 2 < coutPg)
        {
            int ch = g * coutPg + m0 + 4 * ty + 2;
            float b = hasBias != 0 ? bias[ch] : 0f;
            int co = ch * os;
            if (o0 >= 0) y[o0 + co] = c20 + b; if (o1 >= 0) y[o1 + co] = c21 + b; if (o2 >= 0) y[o2 + co] = c22 + b; if (o3 >= 0) y[o3 + co] = c23 + b;
            if (o4 >= 0) y[o4 + co] = c24 + b; if (o5 >= 0) y[o5 + co] = c25 + b; if (o6 >= 0) y[o6 + co] = c26 + b; if (o7 >= 0) y[o7 + co] = c27 + b;
        }
        if (m0 + 4 * ty + 3 < coutPg)
        {
            int ch = g * coutPg + m0 + 4 * ty + 3;
            float b = hasBias != 0 ? bias[ch] : 0f;
            int co = ch * os;
            if (o0 >= 0) y[o0 + co] = c30 + b; if (o1 >= 0) y[o1 + co] = c31 + b; if (o2 >= 0) y[o2 + co] = c32 + b; if (o3 >= 0) y[o3 + co] = c33 + b;
            if (o4 >= 0) y[o4 + co] = c34 + b; if (o5 >= 0) y[o5 + co] = c35 + b; if (o6 >= 0) y[o6 + co] = c36 + b; if (o7 >= 0) y[o7 + co] = c37 + b;
        }
        if (m0 + 32 + 4 * ty + 0 < coutPg)
        {
            int ch = g * coutPg + m0 + 32 + 4 * ty + 0;
            float b = hasBias != 0 ? bias[ch] : 0f;
            int co = ch * os;
            if (o0 >= 0) y[o0 + co] = c40 + b; if (o1 >= 0) y[o1 + co] = c41 + b; if (o2 >= 0) y[o2 + co] = c42 + b; if (o3 >= 0) y[o3 + co] = c43 + b;
            if (o4 >= 0) y[o4 + co] = c44 + b; if (o5 >= 0) y[o5 + co] = c45 + b; if (o6 >= 0) y[o6 + co] = c46 + b; if (o7 >= 0) y[o7 + co] = c47 + b;
        }
        if (m0 + 32 + 4 * ty + 1 < coutPg)
        {
            int ch = g * coutPg + m0 + 32 + 4 * ty + 1;
            float b = hasBias != 0 ? bias[ch] : 0f;
            int co = ch * os;
            if (o0 >= 0) y[o0 + co] = c50 + b; if (o1 >= 0) y[o1 + co] = c51 + b; if (o2 >= 0) y[o2 + co] = c52 + b; if (o3 >= 0) y[o3 + co] = c53 + b;
            if (o4 >= 0) y[o4 + co] = c54 + b; if (o5 >= 0) y[o5 + co] = c55 + b; if (o6 >= 0) y[o6 + co] = c56 + b; if (o7 >= 0) y[o7 + co] = c57 + b;
        }
        if (m0 + 32 + 4 * ty + 2 < coutPg)
        {
            int ch = g * coutPg + m0 + 32 + 4 * ty + 2;
            float b = hasBias != 0 ? bias[ch] : 0f;
            int co = ch * os;
            if (o0 >= 0) y[o0 + co] = c60 + b; if (o1 >= 0) y[o1 + co] = c61 + b; if (o2 >= 0) y[o2 + co] = c62 + b; if (o3 >= 0) y[o3 + co] = c63 + b;
            if (o4 >= 0) y[o4 + co] = c64 + b; if (o5 >= 0) y[o5 + co] = c65 + b; if (o6 >= 0) y[o6 + co] = c66 + b; if (o7 >= 0) y[o7 + co] = c67 + b;
        }
        if (m0 + 32 + 4 * ty + 3 < coutPg)
        {
            int ch = g * coutPg + m0 + 32 + 4 * ty + 3;
            float b = hasBias != 0 ? bias[ch] : 0f;
            int co = ch * os;
            if (o0 >= 0) y[o0 + co] = c70 + b; if (o1 >= 0) y[o1 + co] = c71 + b; if (o2 >= 0) y[o2 + co] = c72 + b; if (o3 >= 0) y[o3 + co] = c73 + b;
            if (o4 >= 0) y[o4 + co] = c74 + b; if (o5 >= 0) y[o5 + co] = c75 + b; if (o6 >= 0) y[o6 + co] = c76 + b; if (o7 >= 0) y[o7 + co] = c77 + b;
        }
    }

    /// <summary>
    /// CUDA weight gradient, split over the reduction: partials[split] (Cout x K, the layout of W) =
    /// dY (Cout/G x P) * im2col(x)^T (P x K) over this split's range of the P = N*OD*OH*OW output voxels,
    /// per group. A group of 256 threads computes a 64 x 256 tile (channels x taps) through
    /// double-buffered 8-deep shared tiles, 8 x 8 sums per thread. Thread t gathers tap column t for
    /// every voxel of the range: its tap is fixed and the voxel advances by one per element (uniform in
    /// the group). Grid: (ceil(Cout/G / 64) * ceil(K / 256), splits, Groups); split s covers voxels
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
        int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
        int kvol = s.KD * s.KH * s.KW, kdim = cinPg * kvol;
        int os = s.OD * s.OH * s.OW, hw = s.H * s.W, ins = s.D * hw;
        int voxels = s.N * os;
        int pBegin = (int)((long)voxels * split / splits), pEnd = (int)((long)voxels * (split + 1) / splits);
        int tilesM = (coutPg + TiledM - 1) / TiledM;
        int m0 = Grid.IdxX % tilesM * TiledM;
        int n0 = Grid.IdxX / tilesM * TiledN;
        int t = Group.IdxX, tx = t & 31, ty = t >> 5;
        int outBase = split * s.Cout * kdim;

        // B column t: one filter tap (ci, kd, kh, kw), offset tapOff from a voxel's window origin.
        int tap = n0 + t;
        bool tapOk = tap < kdim;
        int tc = tapOk ? tap : 0;
        int ci = tc / kvol, r = tc - ci * kvol;
        int kd = r / (s.KH * s.KW);
        r -= kd * s.KH * s.KW;
        int kh = r / s.KW, kw = r - kh * s.KW;
        int tapOff = ci * ins + kd * hw + kh * s.W + kw;

        // The voxel of the next B element (block-uniform): p = vp = (vn, vod, voh, vow), window origin (vd, vh, vw).
        int vp = pBegin, vn = 0, vod = 0, voh = 0, vow = 0;
        if (pBegin < voxels)
        {
            vn = pBegin / os;
            int sp = pBegin - vn * os;
            vod = sp / (s.OH * s.OW);
            sp -= vod * s.OH * s.OW;
            voh = sp / s.OW;
            vow = sp - voh * s.OW;
        }
        int vd = vod * s.SD - s.PD, vh = voh * s.SH - s.PH, vw = vow * s.SW - s.PW;
        int vBase = VoxelBase(s, vn, g, vd, vh, vw);

        // A: dY row m0 + t / 4 (an output channel), voxel pair pBegin + 2 * (t % 4) + 8 kt: sample an, offset asp.
        int aRow = t >> 2, aK = (t & 3) << 1;
        bool aOk = m0 + aRow < coutPg;
        int aCh = g * coutPg + (aOk ? m0 + aRow : 0);
        int ap = pBegin + aK;
        int an = ap / os, asp = ap - an * os;
        int nbA = aK * (SA4 * 4) + aRow;
        int numTiles = (pEnd - pBegin + TiledK - 1) / TiledK;

        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c04 = 0f, c05 = 0f, c06 = 0f, c07 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f, c14 = 0f, c15 = 0f, c16 = 0f, c17 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c24 = 0f, c25 = 0f, c26 = 0f, c27 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f, c34 = 0f, c35 = 0f, c36 = 0f, c37 = 0f;
        float c40 = 0f, c41 = 0f, c42 = 0f, c43 = 0f, c44 = 0f, c45 = 0f, c46 = 0f, c47 = 0f;
        float c50 = 0f, c51 = 0f, c52 = 0f, c53 = 0f, c54 = 0f, c55 = 0f, c56 = 0f, c57 = 0f;
        float c60 = 0f, c61 = 0f, c62 = 0f, c63 = 0f, c64 = 0f, c65 = 0f, c66 = 0f, c67 = 0f;
        float c70 = 0f, c71 = 0f, c72 = 0f, c73 = 0f, c74 = 0f, c75 = 0f, c76 = 0f, c77 = 0f;
        float ga0 = 0f, ga1 = 0f, gb0 = 0f, gb1 = 0f, gb2 = 0f, gb3 = 0f, gb4 = 0f, gb5 = 0f, gb6 = 0f, gb7 = 0f;
        Float4 a0, a1, b0, b1;

        if (numTiles > 0)
        {
            LoadDy(dy, s, aOk, aCh, ap, pEnd, an, asp, os, out ga0, out ga1);
            gb0 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
            vp++; vw += s.SW; vBase += s.SW;
            if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
            gb1 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
            vp++; vw += s.SW; vBase += s.SW;
            if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
            gb2 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
            vp++; vw += s.SW; vBase += s.SW;
            if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
            gb3 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
            vp++; vw += s.SW; vBase += s.SW;
            if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
            gb4 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
            vp++; vw += s.SW; vBase += s.SW;
            if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
            gb5 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
            vp++; vw += s.SW; vBase += s.SW;
            if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
            gb6 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
            vp++; vw += s.SW; vBase += s.SW;
            if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
            gb7 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
            vp++; vw += s.SW; vBase += s.SW;
            if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
            saF[nbA] = ga0;
            saF[nbA + SA4 * 4] = ga1;
            int nbB = t;
            sbF[nbB + 0] = gb0;
            sbF[nbB + 260] = gb1;
            sbF[nbB + 520] = gb2;
            sbF[nbB + 780] = gb3;
            sbF[nbB + 1040] = gb4;
            sbF[nbB + 1300] = gb5;
            sbF[nbB + 1560] = gb6;
            sbF[nbB + 1820] = gb7;
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
                gb0 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
                vp++; vw += s.SW; vBase += s.SW;
                if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
                gb1 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
                vp++; vw += s.SW; vBase += s.SW;
                if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
                gb2 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
                vp++; vw += s.SW; vBase += s.SW;
                if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
                gb3 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
                vp++; vw += s.SW; vBase += s.SW;
                if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
                gb4 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
                vp++; vw += s.SW; vBase += s.SW;
                if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
                gb5 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
                vp++; vw += s.SW; vBase += s.SW;
                if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
                gb6 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
                vp++; vw += s.SW; vBase += s.SW;
                if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
                gb7 = tapOk && vp < pEnd && (uint)(vd + kd) < (uint)s.D && (uint)(vh + kh) < (uint)s.H && (uint)(vw + kw) < (uint)s.W ? x[vBase + tapOff] : 0f;
                vp++; vw += s.SW; vBase += s.SW;
                if (++vow == s.OW) { vow = 0; vw = -s.PW; if (++voh == s.OH) { voh = 0; vh = -s.PH; if (++vod == s.OD) { vod = 0; vd = -s.PD; vn++; } else vd += s.SD; } else vh += s.SH; vBase = VoxelBase(s, vn, g, vd, vh, vw); }
            }

            var ra = sa4.SubView(buf * ABuf4 + ty);
            var rb = sb4.SubView(buf * BBuf4 + tx);
            a0 = ra[0]; a1 = ra[8]; b0 = rb[0]; b1 = rb[32];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[17]; a1 = ra[25]; b0 = rb[65]; b1 = rb[97];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[34]; a1 = ra[42]; b0 = rb[130]; b1 = rb[162];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[51]; a1 = ra[59]; b0 = rb[195]; b1 = rb[227];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[68]; a1 = ra[76]; b0 = rb[260]; b1 = rb[292];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[85]; a1 = ra[93]; b0 = rb[325]; b1 = rb[357];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[102]; a1 = ra[110]; b0 = rb[390]; b1 = rb[422];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[119]; a1 = ra[127]; b0 = rb[455]; b1 = rb[487];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            if (more)
            {
                int nb = buf ^ 1;
                saF[nb * ABuf4 * 4 + nbA] = ga0;
                saF[nb * ABuf4 * 4 + nbA + SA4 * 4] = ga1;
                int nbB = nb * BBuf4 * 4 + t;
                sbF[nbB + 0] = gb0;
                sbF[nbB + 260] = gb1;
                sbF[nbB + 520] = gb2;
                sbF[nbB + 780] = gb3;
                sbF[nbB + 1040] = gb4;
                sbF[nbB + 1300] = gb5;
                sbF[nbB + 1560] = gb6;
                sbF[nbB + 1820] = gb7;
            }
            Group.Barrier();
            buf ^= 1;
        }

        bool k0 = n0 + 4 * tx + 0 < kdim;
        bool k1 = n0 + 4 * tx + 1 < kdim;
        bool k2 = n0 + 4 * tx + 2 < kdim;
        bool k3 = n0 + 4 * tx + 3 < kdim;
        bool k4 = n0 + 128 + 4 * tx + 0 < kdim;
        bool k5 = n0 + 128 + 4 * tx + 1 < kdim;
        bool k6 = n0 + 128 + 4 * tx + 2 < kdim;
        bool k7 = n0 + 128 + 4 * tx + 3 < kdim;
        if (m0 + 4 * ty + 0 < coutPg)
        {
            int o = outBase + (g * coutPg + m0 + 4 * ty + 0) * kdim + n0 + 4 * tx;
            if (k0) partials[o + 0] = c00; if (k1) partials[o + 1] = c01; if (k2) partials[o + 2] = c02; if (k3) partials[o + 3] = c03;
            if (k4) partials[o + 128] = c04; if (k5) partials[o + 129] = c05; if (k6) partials[o + 130] = c06; if (k7) partials[o + 131] = c07;
        }
        if (m0 + 4 * ty + 1 < coutPg)
        {
            int o = outBase + (g * coutPg + m0 + 4 * ty + 1) * kdim + n0 + 4 * tx;
            if (k0) partials[o + 0] = c10; if (k1) partials[o + 1] = c11; if (k2) partials[o + 2] = c12; if (k3) partials[o + 3] = c13;
            if (k4) partials[o + 128] = c14; if (k5) partials[o + 129] = c15; if (k6) partials[o + 130] = c16; if (k7) partials[o + 131] = c17;
        }
        if (m0 + 4 * ty + 2 < coutPg)
        {
            int o = outBase + (g * coutPg + m0 + 4 * ty + 2) * kdim + n0 + 4 * tx;
            if (k0) partials[o + 0] = c20; if (k1) partials[o + 1] = c21; if (k2) partials[o + 2] = c22; if (k3) partials[o + 3] = c23;
            if (k4) partials[o + 128] = c24; if (k5) partials[o + 129] = c25; if (k6) partials[o + 130] = c26; if (k7) partials[o + 131] = c27;
        }
        if (m0 + 4 * ty + 3 < coutPg)
        {
            int o = outBase + (g * coutPg + m0 + 4 * ty + 3) * kdim + n0 + 4 * tx;
            if (k0) partials[o + 0] = c30; if (k1) partials[o + 1] = c31; if (k2) partials[o + 2] = c32; if (k3) partials[o + 3] = c33;
            if (k4) partials[o + 128] = c34; if (k5) partials[o + 129] = c35; if (k6) partials[o + 130] = c36; if (k7) partials[o + 131] = c37;
        }
        if (m0 + 32 + 4 * ty + 0 < coutPg)
        {
            int o = outBase + (g * coutPg + m0 + 32 + 4 * ty + 0) * kdim + n0 + 4 * tx;
            if (k0) partials[o + 0] = c40; if (k1) partials[o + 1] = c41; if (k2) partials[o + 2] = c42; if (k3) partials[o + 3] = c43;
            if (k4) partials[o + 128] = c44; if (k5) partials[o + 129] = c45; if (k6) partials[o + 130] = c46; if (k7) partials[o + 131] = c47;
        }
        if (m0 + 32 + 4 * ty + 1 < coutPg)
        {
            int o = outBase + (g * coutPg + m0 + 32 + 4 * ty + 1) * kdim + n0 + 4 * tx;
            if (k0) partials[o + 0] = c50; if (k1) partials[o + 1] = c51; if (k2) partials[o + 2] = c52; if (k3) partials[o + 3] = c53;
            if (k4) partials[o + 128] = c54; if (k5) partials[o + 129] = c55; if (k6) partials[o + 130] = c56; if (k7) partials[o + 131] = c57;
        }
        if (m0 + 32 + 4 * ty + 2 < coutPg)
        {
            int o = outBase + (g * coutPg + m0 + 32 + 4 * ty + 2) * kdim + n0 + 4 * tx;
            if (k0) partials[o + 0] = c60; if (k1) partials[o + 1] = c61; if (k2) partials[o + 2] = c62; if (k3) partials[o + 3] = c63;
            if (k4) partials[o + 128] = c64; if (k5) partials[o + 129] = c65; if (k6) partials[o + 130] = c66; if (k7) partials[o + 131] = c67;
        }
        if (m0 + 32 + 4 * ty + 3 < coutPg)
        {
            int o = outBase + (g * coutPg + m0 + 32 + 4 * ty + 3) * kdim + n0 + 4 * tx;
            if (k0) partials[o + 0] = c70; if (k1) partials[o + 1] = c71; if (k2) partials[o + 2] = c72; if (k3) partials[o + 3] = c73;
            if (k4) partials[o + 128] = c74; if (k5) partials[o + 129] = c75; if (k6) partials[o + 130] = c76; if (k7) partials[o + 131] = c77;
        }
        if (splits > 1) SumTileSplits(partials, dw, arrivals, s, splits, g, m0, n0, coutPg, kdim);
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

    /// <summary>Offset in x of the window origin (vd, vh, vw) of sample n, first input channel of group g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int VoxelBase(Conv3dShape s, int n, int g, int vd, int vh, int vw) =>
        (n * s.Cin + g * (s.Cin / s.Groups)) * s.D * s.H * s.W + (vd * s.H + vh) * s.W + vw;

    /// <summary>dY[ch] at voxels p and p + 1 (sample an, offset asp for p), zero past pEnd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadDy(ArrayView<float> dy, Conv3dShape s, bool ok, int ch, int p, int pEnd, int an, int asp, int os,
        out float v0, out float v1)
    {
        v0 = ok && p < pEnd ? dy[(an * s.Cout + ch) * os + asp] : 0f;
        int asp1 = asp + 1, an1 = an;
        if (asp1 == os) { asp1 = 0; an1++; }
        v1 = ok && p + 1 < pEnd ? dy[(an1 * s.Cout + ch) * os + asp1] : 0f;
    }
}
