using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Deterministic sums: every partial result has a fixed owner and fixed summation order for a given
/// launch shape, so repeated runs give identical bits. CUDA variants reduce a block in shared memory
/// (tree with barriers); their CPU siblings give each thread a contiguous range and no barrier.
/// Both write partials that a second, serial pass combines in index order.
/// </summary>
[OpKind("elementwise")]
public static class ReductionKernels
{
    /// <summary>Threads per group of the block-reduction variants.</summary>
    public const int BlockSize = 256;

    /// <summary>Elements summed into one partial before it joins a thread's running total (CPU variants).</summary>
    public const int SerialBlock = 512;

    /// <summary>CUDA: partials[group] = sum of op(x[i]) over the group's grid-stride share of [0, n).</summary>
    [Kernel(UsesBarriers = true)]
    public static void SumCuda<TOp>(ArrayView<float> x, ArrayView<float> partials, int n) where TOp : struct, IUnaryOp
    {
        var op = default(TOp);
        // Four independent loads in flight per thread: a single dependent chain leaves HBM idle.
        float acc0 = 0f, acc1 = 0f, acc2 = 0f, acc3 = 0f;
        // 64-bit position: i + 4 * stride passes int.MaxValue for n near it.
        long stride = Grid.DimX * Group.DimX;
        long i = Grid.GlobalIndex.X;
        for (; i + 3 * stride < n; i += 4 * stride)
        {
            acc0 += op.Forward(x[i]);
            acc1 += op.Forward(x[i + stride]);
            acc2 += op.Forward(x[i + 2 * stride]);
            acc3 += op.Forward(x[i + 3 * stride]);
        }
        for (; i < n; i += stride) acc0 += op.Forward(x[i]);
        float total = BlockSum((acc0 + acc1) + (acc2 + acc3));
        if (Group.IdxX == 0) partials[Grid.IdxX] = total;
    }

    /// <summary>CPU: partials[thread] = sum of op(x[i]) over the thread's contiguous chunk.</summary>
    [Kernel]
    public static void SumCpu<TOp>(ArrayView<float> x, ArrayView<float> partials, int n, int chunk) where TOp : struct, IUnaryOp
    {
        var op = default(TOp);
        float acc = 0f;
        for (var work = Work.Ranges(n, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            // Two-level summation: a long serial float sum loses digits (n * eps); blocks of
            // SerialBlock keep the error near (SerialBlock + n / SerialBlock) * eps.
            for (int block = start, stop; block < end; block = stop)
            {
                stop = Work.BlockEnd(block, SerialBlock, end);
                float part = 0f;
                for (int i = block; i < stop; i++) part += op.Forward(x[i]);
                acc += part;
            }
        }
        partials[Work.ThreadIndex] = acc;
    }

    /// <summary>
    /// y[r] = scale * sum over j &lt; count of partials[r * rowStride + j * termStride], j ascending, for r in [0, rows):
    /// the serial second pass of every split reduction (one thread per row, fixed order: deterministic). Partials
    /// laid out row by row (rowStride = count, termStride = 1) or split by split (rowStride = 1, termStride = rows).
    /// </summary>
    [Kernel]
    public static void SumRows(ArrayView<float> partials, ArrayView<float> y, int rows, int count, int rowStride, int termStride, float scale, int chunk)
    {
        for (var work = Work.Ranges(rows, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int r = start; r < end; r++)
            {
                float acc = 0f;
                long at = (long)r * rowStride;
                for (int j = 0; j < count; j++, at += termStride) acc += partials[at];
                y[r] = scale * acc;
            }
        }
    }

    /// <summary>
    /// CUDA: x viewed as (outer, channels, inner). Group g handles channel g / splits and the g % splits-th
    /// slice of the inner axis over all outer rows; partials[g] = its sum of op(x).
    /// </summary>
    [Kernel(UsesBarriers = true)]
    public static void ChannelSumCuda<TOp>(ArrayView<float> x, ArrayView<float> partials, int outer, int channels, int inner, int splits)
        where TOp : struct, IUnaryOp
    {
        var op = default(TOp);
        int c = Grid.IdxX / splits, split = Grid.IdxX - c * splits;
        int begin = (int)((long)inner * split / splits), end = (int)((long)inner * (split + 1) / splits);
        float acc0 = 0f, acc1 = 0f;
        int stride = Group.DimX;
        for (int n = 0; n < outer; n++)
        {
            long row = ((long)n * channels + c) * inner;
            long s = begin + Group.IdxX;
            for (; s + stride < end; s += 2 * stride)
            {
                acc0 += op.Forward(x[row + s]);
                acc1 += op.Forward(x[row + s + stride]);
            }
            if (s < end) acc0 += op.Forward(x[row + s]);
        }
        float total = BlockSum(acc0 + acc1);
        if (Group.IdxX == 0) partials[Grid.IdxX] = total;
    }

    /// <summary>CPU sibling of ChannelSumCuda: item g (same numbering) summed serially by one thread.</summary>
    [Kernel]
    public static unsafe void ChannelSumCpu<TOp>(ArrayView<float> x, ArrayView<float> partials, int outer, int channels, int inner, int splits,
        int identity, int chunk)
        where TOp : struct, IUnaryOp
    {
        var op = default(TOp);
        int items = channels * splits;
        if (identity != 0)
        {
            // TOp is the identity (the host says so): plain sums on the vector units.
            fixed (float* xq = &x[0])
                for (var work = Work.Ranges(items, chunk); work.Next();)
                    for (int g = work.Start; g < work.End; g++)
                    {
                        int c = g / splits, split = g - c * splits;
                        int begin = (int)((long)inner * split / splits), end = (int)((long)inner * (split + 1) / splits);
                        float acc = 0f;
                        for (int n = 0; n < outer; n++) acc += CpuRows.Sum(xq + ((long)n * channels + c) * inner + begin, end - begin);
                        partials[g] = acc;
                    }
            return;
        }
        for (var work = Work.Ranges(items, chunk); work.Next();)
        {
            int start = work.Start, stop = work.End;
            for (int g = start; g < stop; g++)
            {
                int c = g / splits, split = g - c * splits;
                int begin = (int)((long)inner * split / splits), end = (int)((long)inner * (split + 1) / splits);
                float acc = 0f;
                for (int n = 0; n < outer; n++)
                {
                    long row = ((long)n * channels + c) * inner;
                    for (int block = begin, blockEnd; block < end; block = blockEnd)
                    {
                        blockEnd = Work.BlockEnd(block, SerialBlock, end);
                        float part = 0f;
                        for (int s = block; s < blockEnd; s++) part += op.Forward(x[row + s]);
                        acc += part;
                    }
                }
                partials[g] = acc;
            }
        }
    }

    /// <summary>Sum of <paramref name="value"/> over the group (BlockSize threads), valid in thread 0.</summary>
    private static float BlockSum(float value)
    {
        var shared = SharedMemory.Allocate<float>(BlockSize);
        int t = Group.IdxX;
        shared[t] = value;
        Group.Barrier();
        for (int width = BlockSize / 2; width > 0; width >>= 1)
        {
            if (t < width) shared[t] += shared[t + width];
            Group.Barrier();
        }
        return shared[0];
    }
}
