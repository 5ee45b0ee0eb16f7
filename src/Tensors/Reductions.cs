using ILGPU;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tensors;

/// <summary>
/// Deterministic device sums (no autograd): the two-pass schemes of ReductionKernels with the variant
/// that suits the device (block tree on CUDA, per-thread ranges on the CPU accelerator).
/// </summary>
public static class Reductions
{
    /// <summary>y[0] = scale * sum of op(x[i]).</summary>
    public static void Sum<TOp>(ArrayView<float> x, ArrayView<float> y, Device device, float scale = 1f) where TOp : struct, IUnaryOp
    {
        using var partials = SumPartials<TOp>(x, device);
        device.Run(ReductionKernels.SumRows, 1, partials.View, y, 1, (int)partials.Length, scale);
    }

    /// <summary>
    /// The first pass of <see cref="Sum{TOp}"/>: partial sums of op(x[i]) whose total, added in index order, is
    /// the sum (one per thread on the CPU accelerator, one per group on CUDA). For callers that fold the second
    /// pass into a kernel of their own (gradient clipping). The caller owns the result.
    /// </summary>
    public static Tensor SumPartials<TOp>(ArrayView<float> x, Device device) where TOp : struct, IUnaryOp
    {
        int n = checked((int)x.Length);
        if (!device.UseBarrierKernels)
        {
            var plan = device.Plan(n);
            int threads = plan.Config.GridDim.X * plan.Config.GroupDim.X;
            var partials = Tensor.Empty(device, threads);
            device.Kernels.Load<ArrayView<float>, ArrayView<float>, int, int>(ReductionKernels.SumThreads<TOp>)(
                device.Stream, plan.Config, x, partials.View, n, plan.Chunk);
            return partials;
        }
        else
        {
            int groups = (int)Math.Clamp((n + ReductionKernels.BlockSize - 1L) / ReductionKernels.BlockSize, 1, device.Accelerator.NumMultiprocessors * 8);
            var partials = Tensor.Empty(device, groups);
            device.Kernels.Load<ArrayView<float>, ArrayView<float>, int>(ReductionKernels.SumBlocks<TOp>)(
                device.Stream, new KernelConfig(groups, ReductionKernels.BlockSize), x, partials.View, n);
            return partials;
        }
    }

    /// <summary>
    /// x viewed as (outer, channels, inner): y[c] = scale * sum over outer and inner of op(x). For a
    /// per-(n, c) sum pass outer = 1 and channels = N * C.
    /// </summary>
    public static void ChannelSum<TOp>(ArrayView<float> x, ArrayView<float> y, int outer, int channels, int inner, Device device, float scale = 1f)
        where TOp : struct, IUnaryOp
    {
        if ((long)outer * channels * inner != x.Length)
            throw new ArgumentException($"ChannelSum: ({outer}, {channels}, {inner}) does not cover {x.Length} elements");
        if (!device.UseBarrierKernels)
        {
            // Enough items for every thread, each a long contiguous inner range.
            int splits = Math.Max(1, Math.Min(inner, (device.MaxThreads + channels - 1) / channels));
            if (splits == 1 && scale == 1f)
            {
                // One partial per channel is the sum itself: no second pass.
                device.Run(ReductionKernels.ChannelSumThreads<TOp>, channels, x, y, outer, channels, inner, 1);
                return;
            }
            using var partials = Tensor.Empty(device, (long)channels * splits);
            device.Run(ReductionKernels.ChannelSumThreads<TOp>, (long)channels * splits, x, partials.View, outer, channels, inner, splits);
            device.Run(ReductionKernels.SumRows, channels, partials.View, y, channels, splits, scale);
        }
        else
        {
            // About 8 groups per multiprocessor in all, each slice at least one block wide.
            int wanted = Math.Max(1, device.Accelerator.NumMultiprocessors * 8 / channels);
            int splits = Math.Max(1, Math.Min(wanted, inner / ReductionKernels.BlockSize));
            bool direct = splits == 1 && scale == 1f;  // one partial per channel is the sum itself
            using var partials = direct ? null : Tensor.Empty(device, (long)channels * splits);
            device.Kernels.Load<ArrayView<float>, ArrayView<float>, int, int, int, int>(ReductionKernels.ChannelSumBlocks<TOp>)(
                device.Stream, new KernelConfig(channels * splits, ReductionKernels.BlockSize),
                x, partials?.View ?? y, outer, channels, inner, splits);
            if (!direct) device.Run(ReductionKernels.SumRows, channels, partials!.View, y, channels, splits, scale);
        }
    }
}
