using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// 3-D max pooling over NCDHW with PyTorch's semantics (MaxPool3d, dilation 1, ceil_mode off). The
/// geometry is a depthwise <see cref="Conv3dShape"/> (Cin = Cout = Groups = C): output size
/// (I + 2p - k) / s + 1, padding that never wins (it acts as -inf).
/// <para>
/// Items are elements (outputs for the forward, inputs for the backward) in row-major order. A thread
/// decomposes its first item into coordinates once and then steps them like an odometer, so the CPU
/// accelerator's long chunks pay no division per element; CUDA (chunk 1) decomposes each item.
/// </para>
/// <para>
/// The backward is a gather: every input voxel sums the gradients of the outputs that picked it, in a
/// fixed order, so overlapping windows (stride &lt; kernel) need no atomics and the result is the same
/// on every run. The argmax is the flat index within the (n, c) input volume, stored as int (the op
/// reinterprets a float tensor's buffer), exact for any volume below 2^31 voxels.
/// </para>
/// </summary>
[OpKind("pooling")]
public static class PoolingKernels
{
    /// <summary>
    /// y = max over the window; argmax (when <paramref name="saveArgmax"/> is 1) = its index within the
    /// (n, c) volume. Ties keep the first maximum in (d, h, w) scan order and a NaN wins, as PyTorch's
    /// <c>(val &gt; maxval) || isnan(val)</c>; a window of -inf picks its first in-bounds voxel.
    /// </summary>
    [Kernel]
    public static void MaxPoolForward(ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax, Conv3dShape s, int saveArgmax, int chunk)
    {
        int total = s.N * s.Cout * s.OD * s.OH * s.OW;
        int inSpatial = s.D * s.H * s.W, hw = s.H * s.W;
        for (var work = Work.Ranges(total, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            int ow = start % s.OW, t = start / s.OW;
            int oh = t % s.OH;
            t /= s.OH;
            int od = t % s.OD, nc = t / s.OD;
            for (int o = start; o < end; o++)
            {
                int d0 = od * s.SD - s.PD, h0 = oh * s.SH - s.PH, w0 = ow * s.SW - s.PW;
                int dBegin = Math.Max(d0, 0), dEnd = Math.Min(d0 + s.KD, s.D);
                int hBegin = Math.Max(h0, 0), hEnd = Math.Min(h0 + s.KH, s.H);
                int wBegin = Math.Max(w0, 0), wEnd = Math.Min(w0 + s.KW, s.W);
                long volume = (long)nc * inSpatial;
                float best = float.NegativeInfinity;
                int bestIndex = dBegin * hw + hBegin * s.W + wBegin;
                for (int d = dBegin; d < dEnd; d++)
                    for (int h = hBegin; h < hEnd; h++)
                    {
                        int row = d * hw + h * s.W;
                        for (int w = wBegin; w < wEnd; w++)
                        {
                            float v = x[volume + row + w];
                            if (v > best || float.IsNaN(v)) { best = v; bestIndex = row + w; }
                        }
                    }
                y[o] = best;
                if (saveArgmax != 0) argmax[o] = bestIndex;
                if (++ow == s.OW) { ow = 0; if (++oh == s.OH) { oh = 0; if (++od == s.OD) { od = 0; nc++; } } }
            }
        }
    }

    /// <summary>
    /// dx[v] = sum of dy[o] over the outputs o whose window holds v and whose argmax is v (od, oh, ow
    /// ascending). One item per input voxel; every dx element is written.
    /// </summary>
    [Kernel]
    public static void MaxPoolBackward(ArrayView<float> dy, ArrayView<int> argmax, ArrayView<float> dx, Conv3dShape s, int chunk)
    {
        int total = s.N * s.Cin * s.D * s.H * s.W;
        int outSpatial = s.OD * s.OH * s.OW, hw = s.H * s.W;
        for (var work = Work.Ranges(total, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            int iw = start % s.W, t = start / s.W;
            int ih = t % s.H;
            t /= s.H;
            int id = t % s.D, nc = t / s.D;
            for (int i = start; i < end; i++)
            {
                int self = id * hw + ih * s.W + iw;
                int odBegin = FirstWindow(id, s.PD, s.KD, s.SD), odEnd = Math.Min((id + s.PD) / s.SD + 1, s.OD);
                int ohBegin = FirstWindow(ih, s.PH, s.KH, s.SH), ohEnd = Math.Min((ih + s.PH) / s.SH + 1, s.OH);
                int owBegin = FirstWindow(iw, s.PW, s.KW, s.SW), owEnd = Math.Min((iw + s.PW) / s.SW + 1, s.OW);
                long volume = (long)nc * outSpatial;
                float sum = 0f;
                for (int od = odBegin; od < odEnd; od++)
                    for (int oh = ohBegin; oh < ohEnd; oh++)
                    {
                        long row = volume + (od * s.OH + oh) * s.OW;
                        for (int ow = owBegin; ow < owEnd; ow++)
                            if (argmax[row + ow] == self) sum += dy[row + ow];
                    }
                dx[i] = sum;
                if (++iw == s.W) { iw = 0; if (++ih == s.H) { ih = 0; if (++id == s.D) { id = 0; nc++; } } }
            }
        }
    }

    /// <summary>
    /// Kernel-1 pooling (the reference model's MaxPool3d(1, stride 2)): a strided copy, no comparison,
    /// no argmax. One item per output.
    /// </summary>
    [Kernel]
    public static void SubsampleCuda(ArrayView<float> x, ArrayView<float> y, Conv3dShape s, int chunk)
    {
        int total = s.N * s.Cout * s.OD * s.OH * s.OW;
        int inSpatial = s.D * s.H * s.W, hw = s.H * s.W;
        for (var work = Work.Ranges(total, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            int ow = start % s.OW, t = start / s.OW;
            int oh = t % s.OH;
            t /= s.OH;
            int od = t % s.OD, nc = t / s.OD;
            long rowStart = (long)nc * inSpatial + od * s.SD * hw + oh * s.SH * s.W;
            for (int o = start; o < end; o++)
            {
                y[o] = x[rowStart + ow * s.SW];
                if (++ow == s.OW)
                {
                    ow = 0;
                    if (++oh == s.OH) { oh = 0; if (++od == s.OD) { od = 0; nc++; } }
                    rowStart = (long)nc * inSpatial + od * s.SD * hw + oh * s.SH * s.W;
                }
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="SubsampleCuda"/>, after dx has been zero-filled (Float4 stores): dx = dy at the
    /// sampled voxels. One item per output; with kernel 1 no two outputs share an input voxel, so the
    /// scatter cannot race. A gather over all input voxels would write dx in one pass but pays a view
    /// access (CPU accelerator) or six integer divisions (CUDA) per voxel, seven eighths of them zeros:
    /// on the CPU accelerator it measured 8x slower than fill + scatter.
    /// </summary>
    [Kernel]
    public static void SubsampleBackwardCuda(ArrayView<float> dy, ArrayView<float> dx, Conv3dShape s, int chunk)
    {
        int total = s.N * s.Cout * s.OD * s.OH * s.OW;
        int inSpatial = s.D * s.H * s.W, hw = s.H * s.W;
        for (var work = Work.Ranges(total, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            int ow = start % s.OW, t = start / s.OW;
            int oh = t % s.OH;
            t /= s.OH;
            int od = t % s.OD, nc = t / s.OD;
            long rowStart = (long)nc * inSpatial + od * s.SD * hw + oh * s.SH * s.W;
            for (int o = start; o < end; o++)
            {
                dx[rowStart + ow * s.SW] = dy[o];
                if (++ow == s.OW)
                {
                    ow = 0;
                    if (++oh == s.OH) { oh = 0; if (++od == s.OD) { od = 0; nc++; } }
                    rowStart = (long)nc * inSpatial + od * s.SD * hw + oh * s.SH * s.W;
                }
            }
        }
    }

    /// <summary>
    /// CPU: <see cref="SubsampleCuda"/> over output rows (n, c, od, oh) through pinned pointers (an ArrayView
    /// access costs several calls on the CPU accelerator). Kernel 1 has no padding.
    /// </summary>
    [Kernel]
    public static unsafe void SubsampleCpu(ArrayView<float> x, ArrayView<float> y, Conv3dShape s, int chunk)
    {
        int rows = s.N * s.Cout * s.OD * s.OH, ow = s.OW, sw = s.SW;
        long inSpatial = (long)s.D * s.H * s.W;
        fixed (float* xb = &x[0])
        fixed (float* yb = &y[0])
        {
            for (var work = Work.Ranges(rows, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int row = start; row < end; row++)
                {
                    int oh = row % s.OH, t = row / s.OH;
                    int od = t % s.OD, nc = t / s.OD;
                    float* xr = xb + nc * inSpatial + ((long)od * s.SD * s.H + oh * s.SH) * s.W;
                    float* yr = yb + (long)row * ow;
                    for (int i = 0; i < ow; i++) yr[i] = xr[i * sw];
                }
            }
        }
    }

    /// <summary>
    /// CPU: backward of <see cref="SubsampleCuda"/> in one pass over dx, by input rows (n, c, id, ih): a row that
    /// no output samples is zeroed, a sampled row gets zeros with dy's row scattered at stride SW.
    /// </summary>
    [Kernel]
    public static unsafe void SubsampleBackwardCpu(ArrayView<float> dy, ArrayView<float> dx, Conv3dShape s, int chunk)
    {
        int rows = s.N * s.Cin * s.D * s.H, w = s.W, ow = s.OW, sw = s.SW;
        long outSpatial = (long)s.OD * s.OH * ow;
        fixed (float* gb = &dy[0])
        fixed (float* xb = &dx[0])
        {
            for (var work = Work.Ranges(rows, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int row = start; row < end; row++)
                {
                    int ih = row % s.H, t = row / s.H;
                    int id = t % s.D, nc = t / s.D;
                    float* xr = xb + (long)row * w;
                    if (id % s.SD != 0 || ih % s.SH != 0)
                    {
                        for (int i = 0; i < w; i++) xr[i] = 0f;
                        continue;
                    }
                    float* gr = gb + nc * outSpatial + ((long)(id / s.SD) * s.OH + ih / s.SH) * ow;
                    if (sw == 1)
                    {
                        for (int i = 0; i < w; i++) xr[i] = gr[i];
                        continue;
                    }
                    for (int i = 0; i < w; i++) xr[i] = 0f;
                    for (int i = 0; i < ow; i++) xr[i * sw] = gr[i];
                }
            }
        }
    }

    /// <summary>First output index along an axis whose window [o*stride - pad, o*stride - pad + k) holds i.</summary>
    private static int FirstWindow(int i, int pad, int k, int stride)
    {
        int t = i + pad - k + 1;
        return t <= 0 ? 0 : (t + stride - 1) / stride;
    }
}
