using ILGPU;

namespace ILGpuNet.Kernels;

public static partial class BatchNormKernels
{
    /// <summary>
    /// CPU: statistics partials. Item g = (channel g / splits, slice g % splits of the spatial axis) over
    /// every sample, summed by one thread in fixed order; partials = [count; mean; M2] (channels * splits
    /// each). One read of x: blocks of BlockLength values are summed around a shift (the item's first value,
    /// then its running mean) and merged into Moments. Slices are Float4-aligned when Spatial % 4 == 0.
    /// </summary>
    [Kernel]
    public static void StatsThreads(ArrayView<float> x, ArrayView<float> partials, BatchNormShape shape, int splits, int chunk)
    {
        int channels = shape.Channels, spatial = shape.Spatial, items = channels * splits;
        bool vector = (spatial & 3) == 0;
        var x4 = x.Cast<Float4>();
        int step = Work.ThreadCount * chunk;
        for (int start = Work.ThreadIndex * chunk; start < items; start += step)
        {
            int stop = Math.Min(start + chunk, items);
            for (int g = start; g < stop; g++)
            {
                int c = g / splits, split = g - c * splits;
                int begin = SliceBound(spatial, split, splits, vector), end = SliceBound(spatial, split + 1, splits, vector);
                var m = default(Moments);
                if (begin < end)
                {
                    float shift = x[(long)c * spatial + begin];
                    for (int n = 0; n < shape.Batch; n++)
                    {
                        long row = ((long)n * channels + c) * spatial;
                        for (int b0 = begin; b0 < end; b0 += BlockLength)
                        {
                            int b1 = Math.Min(b0 + BlockLength, end);
                            float s1 = 0f, s2 = 0f;
                            if (vector)
                            {
                                for (long i = (row + b0) >> 2, last = (row + b1) >> 2; i < last; i++)
                                {
                                    var v = x4[i];
                                    float a = v.X - shift, b = v.Y - shift, d = v.Z - shift, e = v.W - shift;
                                    s1 += (a + b) + (d + e);
                                    s2 += (a * a + b * b) + (d * d + e * e);
                                }
                            }
                            else
                            {
                                for (long i = row + b0; i < row + b1; i++)
                                {
                                    float a = x[i] - shift;
                                    s1 += a;
                                    s2 += a * a;
                                }
                            }
                            m.AddBlock(b1 - b0, shift, s1, s2);
                            shift = m.Mean;
                        }
                    }
                }
                partials[g] = m.Count;
                partials[items + g] = m.Mean;
                partials[2 * items + g] = m.M2;
            }
        }
    }

    /// <summary>
    /// CPU: backward sums partials, items as in <see cref="StatsThreads"/>: partials = [sum g; sum g * (x - mean)]
    /// with g = act'(z) * branch[n] * dy, z recomputed from x. One read of x and dy; block sums are added
    /// to the item's totals every BlockLength values so long channels keep their precision. With storeG
    /// it also writes g (into dx's buffer) for <see cref="BackwardInputFromG"/>: on the CPU the activation's
    /// derivative (an exp) costs more than the extra write and read, on CUDA it does not (no store there).
    /// </summary>
    [Kernel]
    public static void BackwardSumsThreads<TAct>(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> stats, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> branchScale, ArrayView<float> partials, ArrayView<float> gOut, BatchNormShape shape,
        int splits, int storeG, int chunk)
        where TAct : struct, IUnaryOp
    {
        var act = default(TAct);
        int channels = shape.Channels, spatial = shape.Spatial, items = channels * splits;
        bool vector = (spatial & 3) == 0, scaled = (shape.Flags & BatchNormShape.HasBranchScale) != 0;
        var x4 = x.Cast<Float4>();
        var dy4 = dy.Cast<Float4>();
        var g4 = gOut.Cast<Float4>();
        bool store = storeG != 0;
        int step = Work.ThreadCount * chunk;
        for (int start = Work.ThreadIndex * chunk; start < items; start += step)
        {
            int stop = Math.Min(start + chunk, items);
            for (int g = start; g < stop; g++)
            {
                int c = g / splits, split = g - c * splits;
                int begin = SliceBound(spatial, split, splits, vector), end = SliceBound(spatial, split + 1, splits, vector);
                float mean = stats[c], scale = gamma[c] * stats[channels + c], shift = beta[c];
                float sumG = 0f, sumGx = 0f;
                for (int n = 0; n < shape.Batch; n++)
                {
                    long row = ((long)n * channels + c) * spatial;
                    float branch = scaled ? branchScale[n] : 1f;
                    for (int b0 = begin; b0 < end; b0 += BlockLength)
                    {
                        int b1 = Math.Min(b0 + BlockLength, end);
                        float s1 = 0f, s2 = 0f;
                        if (vector)
                        {
                            for (long i = (row + b0) >> 2, last = (row + b1) >> 2; i < last; i++)
                            {
                                var v = x4[i];
                                var d = dy4[i];
                                float ux = v.X - mean, uy = v.Y - mean, uz = v.Z - mean, uw = v.W - mean;
                                float gx = act.Backward(ux * scale + shift, d.X * branch), gy = act.Backward(uy * scale + shift, d.Y * branch);
                                float gz = act.Backward(uz * scale + shift, d.Z * branch), gw = act.Backward(uw * scale + shift, d.W * branch);
                                s1 += (gx + gy) + (gz + gw);
                                s2 += (gx * ux + gy * uy) + (gz * uz + gw * uw);
                                if (store) g4[i] = new Float4(gx, gy, gz, gw);
                            }
                        }
                        else
                        {
                            for (long i = row + b0; i < row + b1; i++)
                            {
                                float u = x[i] - mean;
                                float gi = act.Backward(u * scale + shift, dy[i] * branch);
                                s1 += gi;
                                s2 += gi * u;
                                if (store) gOut[i] = gi;
                            }
                        }
                        sumG += s1;
                        sumGx += s2;
                    }
                }
                partials[g] = sumG;
                partials[items + g] = sumGx;
            }
        }
    }

    /// <summary>Start of slice k of splits over [0, spatial); multiples of 4 when the rows are read as Float4s.</summary>
    private static int SliceBound(int spatial, int k, int splits, bool vector) =>
        vector ? (int)((long)(spatial >> 2) * k / splits) << 2 : (int)((long)spatial * k / splits);
}
