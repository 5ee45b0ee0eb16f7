using System.Runtime.CompilerServices;
using ILGPU;

namespace ILGpuNet.Kernels;

// CPU-accelerator variants: barrier-free, each thread computes 4 x 4 register blocks through pinned
// pointers (an ArrayView access costs a range check and several loads there). They compile for CUDA
// (generic loads) but are only launched on the CPU accelerator.
public static partial class Conv3dKernels
{
    /// <summary>Output channels per register block of the CPU kernels.</summary>
    public const int BlockChannels = 4;

    /// <summary>Output voxels (forward) or filter taps (weight gradient) per register block of the CPU kernels.</summary>
    public const int BlockColumns = 4;

    /// <summary>
    /// Floats the CPU forwards may read past the last padded row: blocks of 4 (scalar) or 6 (vector) voxels run past
    /// the end of a row (their extra outputs are dropped, their reads must stay inside the buffer).
    /// </summary>
    public static int CpuInputSlack(Conv3dShape s) => Math.Max(BlockColumns, VectorBlockVoxels) * s.SW;

    /// <summary>
    /// CPU forward: y = conv(x) (+ bias) from the zero-padded input xp (N, Cin, D+2PD, H+2PH, W+2PW,
    /// then <see cref="CpuInputSlack"/> floats), so the tap loops need no bounds checks. Items: blocks of
    /// 4 output channels x 4 consecutive output voxels of one row, channel block fastest (the blocks of
    /// one window share its input rows in L1). Each block keeps its 16 sums in registers over all
    /// Cin/G x KD x KH x KW taps: per tap 4 weights and 4 inputs feed 16 multiply-adds. Channels past
    /// Cout/G are computed on a clamped channel and voxels past OW on the row's continuation; neither is stored.
    /// </summary>
    [Kernel]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ForwardCpu(ArrayView<float> xp, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y,
        Conv3dShape s, int hasBias, int chunk)
    {
        int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
        int kdim = cinPg * s.KD * s.KH * s.KW;
        int cBlocks = (coutPg + 3) >> 2, vBlocks = (s.OW + 3) >> 2;
        int units = s.N * s.Groups * s.OD * s.OH * vBlocks * cBlocks;
        int pw = s.W + 2 * s.PW, phw = (s.H + 2 * s.PH) * pw, pd = s.D + 2 * s.PD, pin = pd * phw;
        int os = s.OD * s.OH * s.OW;
        int sw = s.SW, sw2 = 2 * sw, sw3 = 3 * sw;
        fixed (float* xq = &xp[0])
        fixed (float* wq = &w[0])
        fixed (float* bq = &bias[0])
        fixed (float* yq = &y[0])
        {
            for (var work = Work.Ranges(units, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int u = start; u < end; u++)
                {
                    int r = u;
                    int cb = r % cBlocks; r /= cBlocks;
                    int vb = r % vBlocks; r /= vBlocks;
                    int oh = r % s.OH; r /= s.OH;
                    int od = r % s.OD; r /= s.OD;
                    int g = r % s.Groups, n = r / s.Groups;
                    int co0 = cb << 2, ow0 = vb << 2;
                    int ch0 = g * coutPg + co0;
                    float* w0 = wq + (long)ch0 * kdim;
                    float* w1 = wq + (long)(g * coutPg + Math.Min(co0 + 1, coutPg - 1)) * kdim;
                    float* w2 = wq + (long)(g * coutPg + Math.Min(co0 + 2, coutPg - 1)) * kdim;
                    float* w3 = wq + (long)(g * coutPg + Math.Min(co0 + 3, coutPg - 1)) * kdim;
                    float* xu = xq + ((long)(n * s.Cin + g * cinPg) * pd + od * s.SD) * phw + (oh * s.SH) * pw + ow0 * sw;
                    float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
                    float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
                    float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
                    float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
                    int k = 0;
                    for (int ci = 0; ci < cinPg; ci++)
                        for (int kd = 0; kd < s.KD; kd++)
                            for (int kh = 0; kh < s.KH; kh++)
                            {
                                float* xl = xu + (long)ci * pin + kd * phw + kh * pw;
                                for (int kw = 0; kw < s.KW; kw++, k++, xl++)
                                {
                                    float a0 = w0[k], a1 = w1[k], a2 = w2[k], a3 = w3[k];
                                    float b0 = xl[0], b1 = xl[sw], b2 = xl[sw2], b3 = xl[sw3];
                                    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                                    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                                    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                                    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
                                }
                            }
                    int vc = coutPg - co0, vv = s.OW - ow0;
                    float* yr = yq + (long)(n * s.Cout + ch0) * os + (od * s.OH + oh) * s.OW + ow0;
                    StoreRow(yr, vv, c00, c01, c02, c03, hasBias != 0 ? bq[ch0] : 0f);
                    if (vc > 1) StoreRow(yr + os, vv, c10, c11, c12, c13, hasBias != 0 ? bq[ch0 + 1] : 0f);
                    if (vc > 2) StoreRow(yr + 2 * os, vv, c20, c21, c22, c23, hasBias != 0 ? bq[ch0 + 2] : 0f);
                    if (vc > 3) StoreRow(yr + 3 * os, vv, c30, c31, c32, c33, hasBias != 0 ? bq[ch0 + 3] : 0f);
                }
            }
        }
    }

    /// <summary>
    /// CPU weight gradient, split over the reduction: partials[split] (Cout x K, the layout of W) = the
    /// sum over this split's output rows (n, od, oh) of dY x im2col(xp)^T, xp the padded input of
    /// <see cref="ForwardCpu"/>. Items: splits (one per thread); split s covers output rows
    /// [R*s/splits, R*(s+1)/splits) of the R = N*OD*OH rows. The rows are walked in chunks of
    /// <paramref name="rowsPerChunk"/> that stay in cache while every block of 4 output channels x 4
    /// taps (K flattened, so no tap is wasted on a kernel width that is not a multiple of 4) adds its
    /// 16 sums over the chunk's voxels, starting from what the previous chunk left in the partials.
    /// </summary>
    [Kernel]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void WeightGradCpu(ArrayView<float> xp, ArrayView<float> dy, ArrayView<float> partials,
        Conv3dShape s, int splits, int rowsPerChunk, int chunk)
    {
        int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
        int kvol = s.KD * s.KH * s.KW, kdim = cinPg * kvol, khw = s.KH * s.KW;
        int cBlocks = (coutPg + 3) >> 2, tBlocks = (kdim + 3) >> 2;
        int blocks = s.Groups * cBlocks * tBlocks;
        int rows = s.N * s.OD * s.OH;
        int pw = s.W + 2 * s.PW, phw = (s.H + 2 * s.PH) * pw, pd = s.D + 2 * s.PD, pin = pd * phw;
        int os = s.OD * s.OH * s.OW, ow = s.OW, sw = s.SW;
        long wLen = (long)s.Cout * kdim;
        fixed (float* xq = &xp[0])
        fixed (float* dq = &dy[0])
        fixed (float* pq = &partials[0])
        {
            for (var work = Work.Ranges(splits, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int split = start; split < end; split++)
                {
                    int r0 = (int)((long)rows * split / splits), r1 = (int)((long)rows * (split + 1) / splits);
                    float* part = pq + split * wLen;
                    if (r0 == r1)
                    {
                        for (long i = 0; i < wLen; i++) part[i] = 0f;
                        continue;
                    }
                    for (int rc = r0, re; rc < r1; rc = re)
                    {
                        re = Work.BlockEnd(rc, rowsPerChunk, r1);
                        bool first = rc == r0;
                        int ohc = rc % s.OH, odc = rc / s.OH % s.OD, nc = rc / (s.OH * s.OD);
                        for (int b = 0; b < blocks; b++)
                        {
                            int tb = b % tBlocks, rest = b / tBlocks;
                            int cb = rest % cBlocks, g = rest / cBlocks;
                            int co0 = cb << 2, k0 = tb << 2;
                            int vc = coutPg - co0, vt = kdim - k0;
                            int ch0 = g * coutPg + co0;
                            int ch1 = g * coutPg + Math.Min(co0 + 1, coutPg - 1);
                            int ch2 = g * coutPg + Math.Min(co0 + 2, coutPg - 1);
                            int ch3 = g * coutPg + Math.Min(co0 + 3, coutPg - 1);
                            int o0 = TapOffset(k0, kdim, kvol, khw, s.KW, pin, phw, pw);
                            int o1 = TapOffset(k0 + 1, kdim, kvol, khw, s.KW, pin, phw, pw);
                            int o2 = TapOffset(k0 + 2, kdim, kvol, khw, s.KW, pin, phw, pw);
                            int o3 = TapOffset(k0 + 3, kdim, kvol, khw, s.KW, pin, phw, pw);
                            float* pr = part + (long)ch0 * kdim + k0;
                            float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
                            float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
                            float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
                            float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
                            if (!first)
                            {
                                LoadRow(pr, vt, out c00, out c01, out c02, out c03);
                                if (vc > 1) LoadRow(pr + kdim, vt, out c10, out c11, out c12, out c13);
                                if (vc > 2) LoadRow(pr + 2 * kdim, vt, out c20, out c21, out c22, out c23);
                                if (vc > 3) LoadRow(pr + 3 * kdim, vt, out c30, out c31, out c32, out c33);
                            }
                            int n = nc, od = odc, oh = ohc;
                            for (int row = rc; row < re; row++)
                            {
                                long dyRow = (long)n * s.Cout * os + (od * s.OH + oh) * ow;
                                float* d0 = dq + dyRow + (long)ch0 * os;
                                float* d1 = dq + dyRow + (long)ch1 * os;
                                float* d2 = dq + dyRow + (long)ch2 * os;
                                float* d3 = dq + dyRow + (long)ch3 * os;
                                float* xr = xq + ((long)(n * s.Cin + g * cinPg) * pd + od * s.SD) * phw + (oh * s.SH) * pw;
                                float* x0 = xr + o0;
                                float* x1 = xr + o1;
                                float* x2 = xr + o2;
                                float* x3 = xr + o3;
                                for (int j = 0, jx = 0; j < ow; j++, jx += sw)
                                {
                                    float a0 = d0[j], a1 = d1[j], a2 = d2[j], a3 = d3[j];
                                    float b0 = x0[jx], b1 = x1[jx], b2 = x2[jx], b3 = x3[jx];
                                    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                                    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                                    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                                    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
                                }
                                if (++oh == s.OH)
                                {
                                    oh = 0;
                                    if (++od == s.OD) { od = 0; n++; }
                                }
                            }
                            StoreRow(pr, vt, c00, c01, c02, c03, 0f);
                            if (vc > 1) StoreRow(pr + kdim, vt, c10, c11, c12, c13, 0f);
                            if (vc > 2) StoreRow(pr + 2 * kdim, vt, c20, c21, c22, c23, 0f);
                            if (vc > 3) StoreRow(pr + 3 * kdim, vt, c30, c31, c32, c33, 0f);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Offset in the padded input of tap k (clamped to the last tap) from a window origin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TapOffset(int k, int kdim, int kvol, int khw, int kw, int pin, int phw, int pw)
    {
        k = Math.Min(k, kdim - 1);
        int ci = k / kvol, r = k - ci * kvol;
        int kd = r / khw;
        r -= kd * khw;
        int kh = r / kw;
        return ci * pin + kd * phw + kh * pw + (r - kh * kw);
    }

    /// <summary>p[0..count) = v + add, count capped at 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* p, int count, float v0, float v1, float v2, float v3, float add)
    {
        p[0] = v0 + add;
        if (count > 1) p[1] = v1 + add;
        if (count > 2) p[2] = v2 + add;
        if (count > 3) p[3] = v3 + add;
    }

    /// <summary>v = p[0..count), zero beyond count (capped at 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void LoadRow(float* p, int count, out float v0, out float v1, out float v2, out float v3)
    {
        v0 = p[0];
        v1 = count > 1 ? p[1] : 0f;
        v2 = count > 2 ? p[2] : 0f;
        v3 = count > 3 ? p[3] : 0f;
    }
}
