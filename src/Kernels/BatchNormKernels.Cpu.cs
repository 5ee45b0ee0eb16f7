using ILGPU;

namespace ILGpuNet.Kernels;

// CPU-accelerator variants: contiguous rows through pinned pointers, because an ArrayView element access
// costs several calls there (DepthwiseConv3dKernels.cs). They compile for CUDA (generic loads) but are
// only launched on the CPU accelerator, one thread per core with one long chunk of items each.
public static partial class BatchNormKernels
{
    /// <summary>
    /// CPU: statistics partials. Item g = (channel g / splits, slice g % splits of the spatial axis) over
    /// every sample, summed by one thread in fixed order; partials = [count; mean; M2] (channels * splits
    /// each). One read of x: blocks of BlockLength values are summed around a shift (the item's first value,
    /// then its running mean) and merged into Moments.
    /// </summary>
    [Kernel]
    public static unsafe void StatsCpu(ArrayView<float> x, ArrayView<float> partials, ArrayView<float> stats, ArrayView<float> runningMean,
        ArrayView<float> runningVar, ArrayView<float> batchesTracked, ArrayView<int> arrivals, BatchNormShape shape, BatchNormReduce reduce, int chunk)
    {
        int splits = reduce.Splits;
        int channels = shape.Channels, spatial = shape.Spatial, items = channels * splits;
        fixed (float* xb = &x[0])
        fixed (float* pb = &partials[0])
        {
            for (var work = Work.Ranges(items, chunk); work.Next();)
            {
                int start = work.Start, stop = work.End;
                for (int g = start; g < stop; g++)
                {
                    int c = g / splits, split = g - c * splits;
                    int begin = SliceBound(spatial, split, splits), end = SliceBound(spatial, split + 1, splits);
                    var m = default(Moments);
                    if (begin < end)
                    {
                        float shift = xb[(long)c * spatial + begin];
                        for (int n = 0; n < shape.Batch; n++)
                        {
                            float* row = xb + ((long)n * channels + c) * spatial;
                            for (int b0 = begin, b1; b0 < end; b0 = b1)
                            {
                                b1 = Work.BlockEnd(b0, BlockLength, end);
                                var sums = StatsBlock(row, b0, b1, shift);
                                m.AddBlock(b1 - b0, shift, sums.S1, sums.S2);
                                shift = m.Mean;
                            }
                        }
                    }
                    pb[g] = m.Count;
                    pb[items + g] = m.Mean;
                    pb[2 * items + g] = m.M2;
                }
            }
        }
        if (Work.ArrivesLast(arrivals, Work.ThreadCount))
            for (int c = 0; c < channels; c++) FinalizeStatistics(partials, stats, runningMean, runningVar, batchesTracked, c, channels, reduce);
    }

    /// <summary>
    /// CPU: y = branch[n] * act(z) (+ residual), as <see cref="ForwardCuda{TAct}"/>. Items: (sample, channel) rows.
    /// </summary>
    [Kernel]
    public static unsafe void ForwardCpu<TAct>(ArrayView<float> x, ArrayView<float> stats, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> residual, ArrayView<float> branchScale, ArrayView<float> y, BatchNormShape shape, int chunk)
        where TAct : struct, IUnaryOp
    {
        var act = default(TAct);
        bool addResidual = (shape.Flags & BatchNormShape.HasResidual) != 0;
        int rows = shape.Rows, spatial = shape.Spatial;
        fixed (float* xb = &x[0])
        fixed (float* rb = &residual[0])
        fixed (float* yb = &y[0])
        {
            for (var work = Work.Ranges(rows, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int row = start; row < end; row++)
                {
                    var k = RowAffine.Load(row, stats, gamma, beta, branchScale, shape);
                    float mean = k.Mean, scale = k.Scale, shift = k.Shift, branch = k.Branch;
                    long offset = (long)row * spatial;
                    float* xr = xb + offset;
                    float* yr = yb + offset;
                    if (shape.VectorAct != VectorActNone)
                        ForwardRow(xr, yr, rb + offset, spatial, mean, scale, shift, branch, shape.VectorAct, addResidual ? 1 : 0);
                    else if (addResidual)
                    {
                        float* rr = rb + offset;
                        for (int i = 0; i < spatial; i++) yr[i] = act.Forward((xr[i] - mean) * scale + shift) * branch + rr[i];
                    }
                    else
                    {
                        for (int i = 0; i < spatial; i++) yr[i] = act.Forward((xr[i] - mean) * scale + shift) * branch;
                    }
                }
            }
        }
    }

    /// <summary>
    /// CPU: backward sums partials, items as in <see cref="StatsCpu"/>: partials = [sum g; sum g * (x - mean)]
    /// with g = act'(z) * branch[n] * dy, z recomputed from x. One read of x and dy; block sums are added
    /// to the item's totals every BlockLength values so long channels keep their precision. With storeG
    /// it also writes g (into dx's buffer) for <see cref="BackwardInputFromGCpu"/>: on the CPU the activation's
    /// derivative (an exp) costs more than the extra write and read, on CUDA it does not (no store there).
    /// </summary>
    [Kernel]
    public static unsafe void BackwardSumsCpu<TAct>(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> stats, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> branchScale, ArrayView<float> partials, ArrayView<float> gOut, ArrayView<float> dgamma,
        ArrayView<float> dbeta, ArrayView<int> arrivals, BatchNormShape shape, BatchNormReduce reduce, int chunk)
        where TAct : struct, IUnaryOp
    {
        var act = default(TAct);
        int splits = reduce.Splits;
        int channels = shape.Channels, spatial = shape.Spatial, items = channels * splits;
        bool scaled = (shape.Flags & BatchNormShape.HasBranchScale) != 0, store = reduce.StoreG != 0;
        bool identityRows = shape.VectorAct == VectorActIdentity && !store;
        fixed (float* xb = &x[0])
        fixed (float* db = &dy[0])
        fixed (float* gb = &gOut[0])
        fixed (float* pb = &partials[0])
        {
            for (var work = Work.Ranges(items, chunk); work.Next();)
            {
                int start = work.Start, stop = work.End;
                for (int g = start; g < stop; g++)
                {
                    int c = g / splits, split = g - c * splits;
                    int begin = SliceBound(spatial, split, splits), end = SliceBound(spatial, split + 1, splits);
                    float mean = stats[c], scale = gamma[c] * stats[channels + c], shift = beta[c];
                    float sumG = 0f, sumGx = 0f;
                    for (int n = 0; n < shape.Batch; n++)
                    {
                        long row = ((long)n * channels + c) * spatial;
                        float* xr = xb + row, dr = db + row, gr = gb + row;
                        float branch = scaled ? branchScale[n] : 1f;
                        for (int b0 = begin, b1; b0 < end; b0 = b1)
                        {
                            b1 = Work.BlockEnd(b0, BlockLength, end);
                            if (identityRows)
                            {
                                var sums = IdentityBackwardBlock(xr, dr, b0, b1, mean, branch);
                                sumG += sums.S1;
                                sumGx += sums.S2;
                                continue;
                            }
                            float s1a = 0f, s1b = 0f, s2a = 0f, s2b = 0f;
                            int i = b0;
                            for (; i < b1 - 1; i += 2)
                            {
                                float u0 = xr[i] - mean, u1 = xr[i + 1] - mean;
                                float g0 = act.Backward(u0 * scale + shift, dr[i] * branch);
                                float g1 = act.Backward(u1 * scale + shift, dr[i + 1] * branch);
                                s1a += g0;
                                s1b += g1;
                                s2a += g0 * u0;
                                s2b += g1 * u1;
                                if (store)
                                {
                                    gr[i] = g0;
                                    gr[i + 1] = g1;
                                }
                            }
                            for (; i < b1; i++)
                            {
                                float u = xr[i] - mean;
                                float gi = act.Backward(u * scale + shift, dr[i] * branch);
                                s1a += gi;
                                s2a += gi * u;
                                if (store) gr[i] = gi;
                            }
                            sumG += s1a + s1b;
                            sumGx += s2a + s2b;
                        }
                    }
                    pb[g] = sumG;
                    pb[items + g] = sumGx;
                }
            }
        }
        FinalizeBackwardIfLast(partials, stats, gamma, dgamma, dbeta, arrivals, Work.ThreadCount, channels, reduce);
    }

    /// <summary>
    /// CPU, SiLU without residual or branch scale: <see cref="BackwardSumsCpu{TAct}"/> with the sigmoid
    /// taken from the forward's output, s = y / z, instead of an exp per value (an exp costs the CPU
    /// accelerator about five times a pass over memory, a division almost nothing). z is recomputed exactly as
    /// the forward computed it; where |z| is too small for y to carry s (y = z s underflows), s = 1/2, its limit.
    /// </summary>
    [Kernel]
    public static unsafe void BackwardSumsSiluFromOutputCpu(ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> stats,
        ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> partials, ArrayView<float> gOut, ArrayView<float> dgamma,
        ArrayView<float> dbeta, ArrayView<int> arrivals, BatchNormShape shape, BatchNormReduce reduce, int chunk)
    {
        int splits = reduce.Splits;
        int channels = shape.Channels, spatial = shape.Spatial, items = channels * splits;
        bool store = reduce.StoreG != 0;
        fixed (float* xb = &x[0])
        fixed (float* yb = &y[0])
        fixed (float* db = &dy[0])
        fixed (float* gb = &gOut[0])
        fixed (float* pb = &partials[0])
        {
            for (var work = Work.Ranges(items, chunk); work.Next();)
            {
                int start = work.Start, stop = work.End;
                for (int g = start; g < stop; g++)
                {
                    int c = g / splits, split = g - c * splits;
                    int begin = SliceBound(spatial, split, splits), end = SliceBound(spatial, split + 1, splits);
                    float mean = stats[c], scale = gamma[c] * stats[channels + c], shift = beta[c];
                    float sumG = 0f, sumGx = 0f;
                    for (int n = 0; n < shape.Batch; n++)
                    {
                        long row = ((long)n * channels + c) * spatial;
                        float* xr = xb + row, yr = yb + row, dr = db + row, gr = gb + row;
                        for (int b0 = begin, b1; b0 < end; b0 = b1)
                        {
                            b1 = Work.BlockEnd(b0, BlockLength, end);
                            var sums = SiluFromOutputBlock(xr, yr, dr, gr, b0, b1, mean, scale, shift, store ? 1 : 0);
                            sumG += sums.S1;
                            sumGx += sums.S2;
                        }
                    }
                    pb[g] = sumG;
                    pb[items + g] = sumGx;
                }
            }
        }
        FinalizeBackwardIfLast(partials, stats, gamma, dgamma, dbeta, arrivals, Work.ThreadCount, channels, reduce);
    }

    /// <summary>
    /// CPU: dx = A * g + B * (x - mean) + C0 with g = act'(z) * branch[n] * dy recomputed from x, as
    /// <see cref="BackwardInputCuda{TAct}"/>. Items: (sample, channel) rows.
    /// </summary>
    [Kernel]
    public static unsafe void BackwardInputCpu<TAct>(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> stats, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> coef, ArrayView<float> branchScale, ArrayView<float> dx, BatchNormShape shape, int chunk)
        where TAct : struct, IUnaryOp
    {
        var act = default(TAct);
        int rows = shape.Rows, spatial = shape.Spatial, channels = shape.Channels;
        fixed (float* xb = &x[0])
        fixed (float* db = &dy[0])
        fixed (float* ob = &dx[0])
        {
            for (var work = Work.Ranges(rows, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int row = start; row < end; row++)
                {
                    var k = RowAffine.Load(row, stats, gamma, beta, branchScale, shape);
                    int c = row % channels;
                    float mean = k.Mean, scale = k.Scale, shift = k.Shift, branch = k.Branch;
                    float a = coef[c], b = coef[channels + c], c0 = coef[2 * channels + c];
                    long offset = (long)row * spatial;
                    float* xr = xb + offset, dr = db + offset, dxr = ob + offset;
                    if (shape.VectorAct == VectorActIdentity)
                    {
                        IdentityInputRow(xr, dr, dxr, spatial, mean, branch, a, b, c0);
                        continue;
                    }
                    for (int i = 0; i < spatial; i++)
                    {
                        float u = xr[i] - mean;
                        dxr[i] = a * act.Backward(u * scale + shift, dr[i] * branch) + b * u + c0;
                    }
                }
            }
        }
    }

    /// <summary>
    /// CPU: dx = A * g + B * (x - mean) + C0 where g (act'(z) * branch * dy) already sits in dx's buffer, written
    /// there by the sums pass (<see cref="BackwardSumsCpu{TAct}"/> with storeG): the CPU path of fused
    /// activations. Items: (sample, channel) rows.
    /// </summary>
    [Kernel]
    public static unsafe void BackwardInputFromGCpu(ArrayView<float> x, ArrayView<float> stats, ArrayView<float> coef, ArrayView<float> dx,
        BatchNormShape shape, int chunk)
    {
        int rows = shape.Rows, spatial = shape.Spatial, channels = shape.Channels;
        fixed (float* xb = &x[0])
        fixed (float* ob = &dx[0])
        {
            for (var work = Work.Ranges(rows, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int row = start; row < end; row++)
                {
                    int c = row % channels;
                    float a = coef[c], b = coef[channels + c];
                    // a g + b (x - mean) + c0 = a g + b x + (c0 - b mean): one multiply-add less per value.
                    float c1 = coef[2 * channels + c] - b * stats[c];
                    long offset = (long)row * spatial;
                    float* xr = xb + offset, dxr = ob + offset;
                    InputFromGRow(xr, dxr, spatial, a, b, c1);
                }
            }
        }
    }

    /// <summary>Start of slice k of splits over [0, spatial).</summary>
    private static int SliceBound(int spatial, int k, int splits) => (int)((long)spatial * k / splits);

    /// <summary>The backward sums' last arrival (of <paramref name="participants"/>) computes coef and dgamma/dbeta for every channel.</summary>
    private static void FinalizeBackwardIfLast(ArrayView<float> work, ArrayView<float> stats, ArrayView<float> gamma, ArrayView<float> dgamma,
        ArrayView<float> dbeta, ArrayView<int> arrivals, int participants, int channels, BatchNormReduce reduce)
    {
        if (!Work.ArrivesLast(arrivals, participants)) return;
        var coef = work.SubView(CoefOffset(channels, reduce.Splits));
        for (int c = 0; c < channels; c++) FinalizeBackward(work, stats, gamma, coef, dgamma, dbeta, c, channels, reduce);
    }
}
