using ILGPU;

namespace ILGpuNet.Kernels;

public static partial class BatchNormKernels
{
    /// <summary>Threads per group of the block-reduction variants.</summary>
    public const int GroupSize = 256;

    /// <summary>Loop steps (values) per thread in one shifted block of the CUDA variants.</summary>
    private const int ThreadBlockSteps = 64;

    /// <summary>
    /// CUDA: statistics partials. Group g = (channel g / splits, slice g % splits of the spatial axis);
    /// its threads stride over the slice of every sample (coalesced), four loads in flight, each thread
    /// summing blocks of up to ThreadBlockSteps values around a shift (its first value, then its running
    /// mean) into Moments; the group merges its threads' moments in a shared-memory tree (Chan's formula).
    /// partials = [count; mean; M2], channels * splits each. Launch GroupSize threads per group.
    /// </summary>
    [Kernel(UsesBarriers = true)]
    public static void StatsCuda(ArrayView<float> x, ArrayView<float> partials, ArrayView<float> stats, ArrayView<float> runningMean,
        ArrayView<float> runningVar, ArrayView<float> batchesTracked, ArrayView<int> arrivals, BatchNormShape shape, BatchNormReduce reduce)
    {
        int splits = reduce.Splits;
        int channels = shape.Channels, spatial = shape.Spatial, items = channels * splits;
        int c = Grid.IdxX / splits, split = Grid.IdxX - c * splits;
        int begin = (int)((long)spatial * split / splits), end = (int)((long)spatial * (split + 1) / splits);
        int t = Group.IdxX, stride = Group.DimX;
        var m = default(Moments);
        if (begin + t < end)
        {
            float shift = x[(long)c * spatial + begin + t];
            for (int n = 0; n < shape.Batch; n++)
            {
                long row = ((long)n * channels + c) * spatial;
                long s = begin + t;
                while (s < end)
                {
                    long blockEnd = Math.Min(end, s + (long)ThreadBlockSteps * stride);
                    float s1 = 0f, s2 = 0f, count = 0f;
                    for (; s + 3 * stride < blockEnd; s += 4 * stride)
                    {
                        float a = x[row + s] - shift, b = x[row + s + stride] - shift;
                        float d = x[row + s + 2 * stride] - shift, e = x[row + s + 3 * stride] - shift;
                        s1 += (a + b) + (d + e);
                        s2 += (a * a + b * b) + (d * d + e * e);
                        count += 4f;
                    }
                    for (; s < blockEnd; s += stride)
                    {
                        float a = x[row + s] - shift;
                        s1 += a;
                        s2 += a * a;
                        count += 1f;
                    }
                    m.AddBlock(count, shift, s1, s2);
                    shift = m.Mean;
                }
            }
        }

        var counts = SharedMemory.Allocate<float>(GroupSize);
        var means = SharedMemory.Allocate<float>(GroupSize);
        var m2s = SharedMemory.Allocate<float>(GroupSize);
        counts[t] = m.Count;
        means[t] = m.Mean;
        m2s[t] = m.M2;
        Group.Barrier();
        for (int width = GroupSize / 2; width > 0; width >>= 1)
        {
            if (t < width)
            {
                var a = new Moments { Count = counts[t], Mean = means[t], M2 = m2s[t] };
                a.Merge(counts[t + width], means[t + width], m2s[t + width]);
                counts[t] = a.Count;
                means[t] = a.Mean;
                m2s[t] = a.M2;
            }
            Group.Barrier();
        }
        if (t == 0)
        {
            partials[Grid.IdxX] = counts[0];
            partials[items + Grid.IdxX] = means[0];
            partials[2 * items + Grid.IdxX] = m2s[0];
        }
        if (Work.GroupArrivesLast(arrivals, Grid.DimX))
            for (int ch = t; ch < channels; ch += Group.DimX)
                FinalizeStatistics(partials, stats, runningMean, runningVar, batchesTracked, ch, channels, reduce);
    }

    /// <summary>
    /// CUDA: backward sums partials, groups as in <see cref="StatsCuda"/>: partials = [sum g; sum g * (x - mean)],
    /// g = act'(z) * branch[n] * dy with z recomputed from x; block sums flushed into per-thread totals every
    /// ThreadBlockSteps values, then a shared-memory tree. Launch GroupSize threads per group.
    /// </summary>
    [Kernel(UsesBarriers = true)]
    public static void BackwardSumsCuda<TAct>(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> stats, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> branchScale, ArrayView<float> partials, ArrayView<float> dgamma, ArrayView<float> dbeta,
        ArrayView<int> arrivals, BatchNormShape shape, BatchNormReduce reduce)
        where TAct : struct, IUnaryOp
    {
        var act = default(TAct);
        int splits = reduce.Splits;
        int channels = shape.Channels, spatial = shape.Spatial, items = channels * splits;
        bool scaled = (shape.Flags & BatchNormShape.HasBranchScale) != 0;
        int c = Grid.IdxX / splits, split = Grid.IdxX - c * splits;
        int begin = (int)((long)spatial * split / splits), end = (int)((long)spatial * (split + 1) / splits);
        int t = Group.IdxX, stride = Group.DimX;
        float mean = stats[c], scale = gamma[c] * stats[channels + c], shift = beta[c];
        float sumG = 0f, sumGx = 0f;
        for (int n = 0; n < shape.Batch; n++)
        {
            long row = ((long)n * channels + c) * spatial;
            float branch = scaled ? branchScale[n] : 1f;
            long s = begin + t;
            while (s < end)
            {
                long blockEnd = Math.Min(end, s + (long)ThreadBlockSteps * stride);
                float s1 = 0f, s2 = 0f;
                for (; s + 3 * stride < blockEnd; s += 4 * stride)
                {
                    float u0 = x[row + s] - mean, u1 = x[row + s + stride] - mean;
                    float u2 = x[row + s + 2 * stride] - mean, u3 = x[row + s + 3 * stride] - mean;
                    float d0 = dy[row + s], d1 = dy[row + s + stride], d2 = dy[row + s + 2 * stride], d3 = dy[row + s + 3 * stride];
                    float g0 = act.Backward(u0 * scale + shift, d0 * branch), g1 = act.Backward(u1 * scale + shift, d1 * branch);
                    float g2 = act.Backward(u2 * scale + shift, d2 * branch), g3 = act.Backward(u3 * scale + shift, d3 * branch);
                    s1 += (g0 + g1) + (g2 + g3);
                    s2 += (g0 * u0 + g1 * u1) + (g2 * u2 + g3 * u3);
                }
                for (; s < blockEnd; s += stride)
                {
                    float u = x[row + s] - mean;
                    float g = act.Backward(u * scale + shift, dy[row + s] * branch);
                    s1 += g;
                    s2 += g * u;
                }
                sumG += s1;
                sumGx += s2;
            }
        }

        var sums = SharedMemory.Allocate<float>(GroupSize);
        var sumsX = SharedMemory.Allocate<float>(GroupSize);
        sums[t] = sumG;
        sumsX[t] = sumGx;
        Group.Barrier();
        for (int width = GroupSize / 2; width > 0; width >>= 1)
        {
            if (t < width)
            {
                sums[t] += sums[t + width];
                sumsX[t] += sumsX[t + width];
            }
            Group.Barrier();
        }
        if (t == 0)
        {
            partials[Grid.IdxX] = sums[0];
            partials[items + Grid.IdxX] = sumsX[0];
        }
        if (Work.GroupArrivesLast(arrivals, Grid.DimX))
        {
            var coef = partials.SubView(CoefOffset(channels, splits));
            for (int ch = t; ch < channels; ch += Group.DimX) FinalizeBackward(partials, stats, gamma, coef, dgamma, dbeta, ch, channels, reduce);
        }
    }
}
