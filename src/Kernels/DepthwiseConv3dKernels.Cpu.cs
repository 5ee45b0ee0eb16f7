using ILGPU;

namespace ILGpuNet.Kernels;

// CPU-accelerator variants: rows of W through pinned pointers (see DepthwiseConv3dKernels.cs). They
// compile for CUDA (generic loads) but are only launched on the CPU accelerator.
public static partial class DepthwiseConv3dKernels
{
    /// <summary>
    /// xp row r = <paramref name="left"/> zeros, x row r (<paramref name="width"/> floats),
    /// <paramref name="right"/> zeros: zero padding along W as memory, so the row loops need no checks.
    /// Items: rows.
    /// </summary>
    [Kernel]
    public static unsafe void PadRows(ArrayView<float> x, ArrayView<float> xp, int rows, int width, int left, int right, int chunk)
    {
        int padded = left + width + right;
        int step = Work.ThreadCount * chunk;
        fixed (float* source = &x[0])
        fixed (float* target = &xp[0])
        {
            for (int start = Work.ThreadIndex * chunk; start < rows; start += step)
            {
                int end = Math.Min(start + chunk, rows);
                for (int r = start; r < end; r++)
                {
                    float* s = source + (long)r * width;
                    float* d = target + (long)r * padded;
                    for (int i = 0; i < left; i++) d[i] = 0f;
                    d += left;
                    for (int i = 0; i < width; i++) d[i] = s[i];
                    d += width;
                    for (int i = 0; i < right; i++) d[i] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// y = depthwise conv(x) (+ bias). xp is x padded along W by PW on both sides (row pitch
    /// <paramref name="pitch"/> = W + 2 PW). Items: output rows (n, c, od, oh); each row starts at the
    /// bias and accumulates one strided correlation per in-bounds (kd, kh).
    /// </summary>
    [Kernel]
    public static unsafe void ForwardRows(ArrayView<float> xp, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> y,
        Conv3dShape s, int pitch, int hasBias, int chunk)
    {
        int rows = s.N * s.Cout * s.OD * s.OH;
        int ow = s.OW, kw = s.KW, taps = s.KD * s.KH * s.KW;
        long plane = (long)s.D * s.H * pitch;
        int step = Work.ThreadCount * chunk;
        fixed (float* xb = &xp[0])
        fixed (float* wb = &weight[0])
        fixed (float* bb = &bias[0])
        fixed (float* yb = &y[0])
        {
            for (int start = Work.ThreadIndex * chunk; start < rows; start += step)
            {
                int end = Math.Min(start + chunk, rows);
                int oh = start % s.OH, t = start / s.OH;
                int od = t % s.OD, nc = t / s.OD;
                for (int row = start; row < end; row++)
                {
                    int c = nc % s.Cout;
                    float* yr = yb + (long)row * ow;
                    float b = hasBias != 0 ? bb[c] : 0f;
                    for (int i = 0; i < ow; i++) yr[i] = b;
                    int d0 = od * s.SD - s.PD, h0 = oh * s.SH - s.PH;
                    int kdEnd = Math.Min(s.KD, s.D - d0), khEnd = Math.Min(s.KH, s.H - h0);
                    float* xv = xb + nc * plane;
                    float* wc = wb + (long)c * taps;
                    for (int kd = Math.Max(0, -d0); kd < kdEnd; kd++)
                        for (int kh = Math.Max(0, -h0); kh < khEnd; kh++)
                            Correlate(yr, 1, ow, xv + ((long)(d0 + kd) * s.H + h0 + kh) * pitch, s.SW, wc + (kd * s.KH + kh) * kw, 1, kw);
                    if (++oh == s.OH)
                    {
                        oh = 0;
                        if (++od == s.OD) { od = 0; nc++; }
                    }
                }
            }
        }
    }

    /// <summary>
    /// dx = gradient of the input, as a gather: every input row (n, c, id, ih) sums the dy rows whose
    /// windows cover it (kd = (id + PD) mod SD, stepping by SD; likewise kh). Along W the row splits into
    /// SW phases iw = r + q SW; phase r sees the taps kw = (r + PW) mod SW + j SW, i.e. a stride-1
    /// correlation of the dy row with those taps reversed. dyp is dy padded along W by
    /// <paramref name="left"/> zeros (and enough on the right; row pitch <paramref name="pitch"/>) so
    /// that no phase reads out of its row. Items: input rows.
    /// </summary>
    [Kernel]
    public static unsafe void BackwardInputRows(ArrayView<float> dyp, ArrayView<float> weight, ArrayView<float> dx,
        Conv3dShape s, int left, int pitch, int chunk)
    {
        int rows = s.N * s.Cin * s.D * s.H;
        int w = s.W, sw = s.SW, kw = s.KW, taps = s.KD * s.KH * s.KW;
        long volume = (long)s.OD * s.OH * pitch;
        int step = Work.ThreadCount * chunk;
        fixed (float* gb = &dyp[0])
        fixed (float* wb = &weight[0])
        fixed (float* xb = &dx[0])
        {
            for (int start = Work.ThreadIndex * chunk; start < rows; start += step)
            {
                int end = Math.Min(start + chunk, rows);
                int ih = start % s.H, t = start / s.H;
                int id = t % s.D, nc = t / s.D;
                for (int row = start; row < end; row++)
                {
                    int c = nc % s.Cin;
                    float* xr = xb + (long)row * w;
                    for (int i = 0; i < w; i++) xr[i] = 0f;
                    float* gv = gb + nc * volume;
                    float* wc = wb + (long)c * taps;
                    for (int kd = (id + s.PD) % s.SD; kd < s.KD; kd += s.SD)
                    {
                        int od = (id + s.PD - kd) / s.SD;
                        if (od >= s.OD) continue;
                        if (od < 0) break;
                        for (int kh = (ih + s.PH) % s.SH; kh < s.KH; kh += s.SH)
                        {
                            int oh = (ih + s.PH - kh) / s.SH;
                            if (oh >= s.OH) continue;
                            if (oh < 0) break;
                            float* gr = gv + ((long)od * s.OH + oh) * pitch;
                            float* wr = wc + (kd * s.KH + kh) * kw;
                            for (int r = 0; r < sw && r < w; r++)
                            {
                                int first = (r + s.PW) % sw;
                                if (first >= kw) continue;
                                int phaseTaps = (kw - 1 - first) / sw + 1;
                                int last = first + (phaseTaps - 1) * sw;
                                // (r + PW - last) is a multiple of SW, so the division is exact.
                                int offset = (r + s.PW - last) / sw + left;
                                Correlate(xr + r, sw, (w - r + sw - 1) / sw, gr + offset, 1, wr + last, -sw, phaseTaps);
                            }
                        }
                    }
                    if (++ih == s.H)
                    {
                        ih = 0;
                        if (++id == s.D) { id = 0; nc++; }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Partial weight gradients: item g = c * splits + split sums dy * x over its share of channel c's
    /// rows (n, od, oh), contiguous in that order, for every tap, into
    /// partials[(c * KD*KH*KW + tap) * splits + split] (ReductionKernels.SumRows then adds the splits;
    /// with one split the partials are the gradient). xp as in <see cref="ForwardRows"/>.
    /// </summary>
    [Kernel]
    public static unsafe void BackwardWeightRows(ArrayView<float> xp, ArrayView<float> dy, ArrayView<float> partials,
        Conv3dShape s, int pitch, int splits, int chunk)
    {
        int items = s.Cout * splits;
        int channelRows = s.N * s.OD * s.OH;
        int ow = s.OW, kw = s.KW, taps = s.KD * s.KH * s.KW;
        long plane = (long)s.D * s.H * pitch;
        int step = Work.ThreadCount * chunk;
        fixed (float* xb = &xp[0])
        fixed (float* gb = &dy[0])
        fixed (float* pb = &partials[0])
        {
            for (int start = Work.ThreadIndex * chunk; start < items; start += step)
            {
                int stop = Math.Min(start + chunk, items);
                for (int g = start; g < stop; g++)
                {
                    int c = g / splits, split = g - c * splits;
                    float* acc = pb + (long)c * taps * splits + split;
                    for (int k = 0; k < taps; k++) acc[(long)k * splits] = 0f;
                    int begin = (int)((long)channelRows * split / splits), end = (int)((long)channelRows * (split + 1) / splits);
                    if (begin >= end) continue;
                    int oh = begin % s.OH, t = begin / s.OH;
                    int od = t % s.OD, n = t / s.OD;
                    for (int r = begin; r < end; r++)
                    {
                        int nc = n * s.Cout + c;
                        float* gr = gb + (((long)nc * s.OD + od) * s.OH + oh) * ow;
                        int d0 = od * s.SD - s.PD, h0 = oh * s.SH - s.PH;
                        int kdEnd = Math.Min(s.KD, s.D - d0), khEnd = Math.Min(s.KH, s.H - h0);
                        float* xv = xb + nc * plane;
                        for (int kd = Math.Max(0, -d0); kd < kdEnd; kd++)
                            for (int kh = Math.Max(0, -h0); kh < khEnd; kh++)
                                Dot(acc + (long)(kd * s.KH + kh) * kw * splits, splits, gr, ow,
                                    xv + ((long)(d0 + kd) * s.H + h0 + kh) * pitch, s.SW, kw);
                        if (++oh == s.OH)
                        {
                            oh = 0;
                            if (++od == s.OD) { od = 0; n++; }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// o[i * os] += sum over t &lt; taps of v[t * vs] * p[i * ps + t], for i &lt; count: one strided
    /// correlation along a row, taps held in locals (unrolled up to five, the model's widest filter).
    /// </summary>
    private static unsafe void Correlate(float* o, int os, int count, float* p, int ps, float* v, int vs, int taps)
    {
        switch (taps)
        {
            case 1:
            {
                float v0 = v[0];
                for (int i = 0; i < count; i++, o += os, p += ps) *o += v0 * p[0];
                break;
            }
            case 2:
            {
                float v0 = v[0], v1 = v[vs];
                for (int i = 0; i < count; i++, o += os, p += ps) *o += v0 * p[0] + v1 * p[1];
                break;
            }
            case 3:
            {
                float v0 = v[0], v1 = v[vs], v2 = v[2 * vs];
                for (int i = 0; i < count; i++, o += os, p += ps) *o += v0 * p[0] + v1 * p[1] + v2 * p[2];
                break;
            }
            case 4:
            {
                float v0 = v[0], v1 = v[vs], v2 = v[2 * vs], v3 = v[3 * vs];
                for (int i = 0; i < count; i++, o += os, p += ps) *o += v0 * p[0] + v1 * p[1] + v2 * p[2] + v3 * p[3];
                break;
            }
            case 5:
            {
                float v0 = v[0], v1 = v[vs], v2 = v[2 * vs], v3 = v[3 * vs], v4 = v[4 * vs];
                for (int i = 0; i < count; i++, o += os, p += ps) *o += v0 * p[0] + v1 * p[1] + v2 * p[2] + v3 * p[3] + v4 * p[4];
                break;
            }
            default:
                for (int i = 0; i < count; i++, o += os, p += ps)
                {
                    float sum = 0f;
                    for (int k = 0; k < taps; k++) sum += v[k * vs] * p[k];
                    *o += sum;
                }
                break;
        }
    }

    /// <summary>
    /// g[t * gs] += sum over i &lt; count of d[i] * p[i * ps + t], for t &lt; taps: the weight-gradient
    /// dual of <see cref="Correlate"/>, one dy row against one input row, taps in locals.
    /// </summary>
    private static unsafe void Dot(float* g, int gs, float* d, int count, float* p, int ps, int taps)
    {
        switch (taps)
        {
            case 1:
            {
                float a0 = 0f;
                for (int i = 0; i < count; i++, p += ps) a0 += d[i] * p[0];
                g[0] += a0;
                break;
            }
            case 2:
            {
                float a0 = 0f, a1 = 0f;
                for (int i = 0; i < count; i++, p += ps)
                {
                    float e = d[i];
                    a0 += e * p[0];
                    a1 += e * p[1];
                }
                g[0] += a0;
                g[gs] += a1;
                break;
            }
            case 3:
            {
                float a0 = 0f, a1 = 0f, a2 = 0f;
                for (int i = 0; i < count; i++, p += ps)
                {
                    float e = d[i];
                    a0 += e * p[0];
                    a1 += e * p[1];
                    a2 += e * p[2];
                }
                g[0] += a0;
                g[gs] += a1;
                g[2 * gs] += a2;
                break;
            }
            case 4:
            {
                float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
                for (int i = 0; i < count; i++, p += ps)
                {
                    float e = d[i];
                    a0 += e * p[0];
                    a1 += e * p[1];
                    a2 += e * p[2];
                    a3 += e * p[3];
                }
                g[0] += a0;
                g[gs] += a1;
                g[2 * gs] += a2;
                g[3 * gs] += a3;
                break;
            }
            case 5:
            {
                float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f;
                for (int i = 0; i < count; i++, p += ps)
                {
                    float e = d[i];
                    a0 += e * p[0];
                    a1 += e * p[1];
                    a2 += e * p[2];
                    a3 += e * p[3];
                    a4 += e * p[4];
                }
                g[0] += a0;
                g[gs] += a1;
                g[2 * gs] += a2;
                g[3 * gs] += a3;
                g[4 * gs] += a4;
                break;
            }
            default:
                for (int k = 0; k < taps; k++)
                {
                    float a = 0f;
                    float* q = p + k;
                    for (int i = 0; i < count; i++, q += ps) a += d[i] * q[0];
                    g[(long)k * gs] += a;
                }
                break;
        }
    }
}
