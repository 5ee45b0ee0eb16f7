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
    public static unsafe void PadRowsCpu(ArrayView<float> x, ArrayView<float> xp, int rows, int width, int left, int right, int chunk)
    {
        int padded = left + width + right;
        fixed (float* source = &x[0])
        fixed (float* target = &xp[0])
        {
            for (var work = Work.Ranges(rows, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
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
    /// y = depthwise conv(x) (+ bias). Items: output rows (n, c, od, oh); each row starts at the bias and
    /// accumulates one strided correlation per in-bounds (kd, kh): a check-free loop over the outputs
    /// whose taps all lie inside the input row, then the few border outputs with clipped tap ranges.
    /// </summary>
    [Kernel]
    public static unsafe void ForwardCpu(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> y,
        Conv3dShape s, int hasBias, int chunk)
    {
        int rows = s.N * s.Cout * s.OD * s.OH;
        int ow = s.OW, kw = s.KW, sw = s.SW, pw = s.PW, w = s.W, taps = s.KD * s.KH * s.KW;
        var (inner, innerEnd) = InteriorOutputs(s);
        long plane = (long)s.D * s.H * w;
        fixed (float* xb = &x[0])
        fixed (float* wb = &weight[0])
        fixed (float* bb = &bias[0])
        fixed (float* yb = &y[0])
        {
            for (var work = Work.Ranges(rows, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
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
                        {
                            float* xr = xv + ((long)(d0 + kd) * s.H + h0 + kh) * w;
                            float* wr = wc + (kd * s.KH + kh) * kw;
                            Correlate(yr + inner, 1, innerEnd - inner, xr + (inner * sw - pw), sw, wr, 1, kw);
                            CorrelateBorder(yr, xr, wr, 0, inner, sw, pw, kw, w);
                            CorrelateBorder(yr, xr, wr, innerEnd, ow, sw, pw, kw, w);
                        }
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
    /// windows cover it (kd = (id + PD) mod SD, stepping by SD while od = (id + PD - kd) / SD steps down;
    /// likewise kh). Along W the row splits into SW phases iw = r + q SW; phase r sees the taps
    /// kw = (r + PW) mod SW + j SW, i.e. a stride-1 correlation of the dy row with those taps reversed.
    /// dyp is dy padded along W by <paramref name="left"/> zeros (and enough on the right; row pitch
    /// <paramref name="pitch"/>) so that no phase reads outside its row. Items: input rows. With
    /// <paramref name="accumulate"/> the sums are added to dx (an existing gradient) instead of replacing it.
    /// </summary>
    [Kernel]
    public static unsafe void BackwardInputCpu(ArrayView<float> dyp, ArrayView<float> weight, ArrayView<float> dx,
        Conv3dShape s, int left, int pitch, int accumulate, int chunk)
    {
        int rows = s.N * s.Cin * s.D * s.H;
        int w = s.W, sw = s.SW, kw = s.KW, taps = s.KD * s.KH * s.KW;
        long volume = (long)s.OD * s.OH * pitch;
        fixed (float* gb = &dyp[0])
        fixed (float* wb = &weight[0])
        fixed (float* xb = &dx[0])
        {
            for (var work = Work.Ranges(rows, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                int ih = start % s.H, t = start / s.H;
                int id = t % s.D, nc = t / s.D;
                for (int row = start; row < end; row++)
                {
                    int c = nc % s.Cin;
                    float* xr = xb + (long)row * w;
                    if (accumulate == 0)
                        for (int i = 0; i < w; i++) xr[i] = 0f;
                    float* gv = gb + nc * volume;
                    float* wc = wb + (long)c * taps;
                    int kd0 = (id + s.PD) % s.SD, od0 = (id + s.PD - kd0) / s.SD;
                    int kh0 = (ih + s.PH) % s.SH, oh0 = (ih + s.PH - kh0) / s.SH;
                    for (int r = 0; r < sw && r < w; r++)
                    {
                        int first = (r + s.PW) % sw;
                        if (first >= kw) continue;
                        int phaseTaps = (kw - 1 - first) / sw + 1;
                        int last = first + (phaseTaps - 1) * sw;
                        // (r + PW - last) is a multiple of SW, so the division is exact.
                        int offset = (r + s.PW - last) / sw + left;
                        int count = (w - r + sw - 1) / sw;
                        for (int kd = kd0, od = od0; kd < s.KD && od >= 0; kd += s.SD, od--)
                        {
                            if (od >= s.OD) continue;
                            for (int kh = kh0, oh = oh0; kh < s.KH && oh >= 0; kh += s.SH, oh--)
                            {
                                if (oh >= s.OH) continue;
                                Correlate(xr + r, sw, count, gv + ((long)od * s.OH + oh) * pitch + offset, 1,
                                    wc + (kd * s.KH + kh) * kw + last, -sw, phaseTaps);
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
    /// with one split the partials are the gradient). Interior and border outputs as in
    /// <see cref="ForwardCpu"/>.
    /// </summary>
    [Kernel]
    public static unsafe void BackwardWeightCpu(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> partials,
        Conv3dShape s, int splits, int chunk)
    {
        int items = s.Cout * splits;
        int channelRows = s.N * s.OD * s.OH;
        int ow = s.OW, kw = s.KW, sw = s.SW, pw = s.PW, w = s.W, taps = s.KD * s.KH * s.KW;
        var (inner, innerEnd) = InteriorOutputs(s);
        long plane = (long)s.D * s.H * w;
        fixed (float* xb = &x[0])
        fixed (float* gb = &dy[0])
        fixed (float* pb = &partials[0])
        {
            for (var work = Work.Ranges(items, chunk); work.Next();)
            {
                int start = work.Start, stop = work.End;
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
                            {
                                float* xr = xv + ((long)(d0 + kd) * s.H + h0 + kh) * w;
                                float* ar = acc + (long)(kd * s.KH + kh) * kw * splits;
                                Dot(ar, splits, gr + inner, innerEnd - inner, xr + (inner * sw - pw), sw, kw);
                                DotBorder(ar, splits, gr, xr, 0, inner, sw, pw, kw, w);
                                DotBorder(ar, splits, gr, xr, innerEnd, ow, sw, pw, kw, w);
                            }
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
    /// The outputs [begin, end) along W whose KW taps all fall inside the input row (ow * SW - PW &gt;= 0
    /// and ow * SW - PW + KW &lt;= W); the rest are border outputs. Empty (begin = end) on rows narrower
    /// than the filter.
    /// </summary>
    private static (int Begin, int End) InteriorOutputs(Conv3dShape s)
    {
        int begin = Math.Min((s.PW + s.SW - 1) / s.SW, s.OW);
        int last = s.W - s.KW + s.PW;
        int end = last >= 0 ? Math.Min(last / s.SW + 1, s.OW) : 0;
        return (begin, Math.Max(begin, end));
    }

    /// <summary>
    /// o[i] += sum over the in-bounds taps k of v[k] * x[i * stride - pad + k], for the border outputs
    /// i in [begin, end) of a row of <paramref name="width"/> inputs.
    /// </summary>
    private static unsafe void CorrelateBorder(float* o, float* x, float* v, int begin, int end, int stride, int pad, int taps, int width)
    {
        for (int i = begin; i < end; i++)
        {
            int x0 = i * stride - pad;
            int hi = Math.Min(taps, width - x0);
            float sum = 0f;
            for (int k = Math.Max(0, -x0); k < hi; k++) sum += v[k] * x[x0 + k];
            o[i] += sum;
        }
    }

    /// <summary>g[k * gs] += d[i] * x[i * stride - pad + k] over the in-bounds taps, for the border outputs i in [begin, end).</summary>
    private static unsafe void DotBorder(float* g, int gs, float* d, float* x, int begin, int end, int stride, int pad, int taps, int width)
    {
        for (int i = begin; i < end; i++)
        {
            int x0 = i * stride - pad;
            int hi = Math.Min(taps, width - x0);
            float e = d[i];
            for (int k = Math.Max(0, -x0); k < hi; k++) g[(long)k * gs] += e * x[x0 + k];
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
