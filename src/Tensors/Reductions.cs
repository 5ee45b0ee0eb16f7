using ILGPU;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tensors;

/// <summary>
/// Deterministic device sums (no autograd): the two-pass schemes of ReductionKernels, per kernel family (per-thread
/// ranges on the CPU accelerator, a block tree on CUDA cores).
/// </summary>
public static class Reductions
{
    /// <summary>One family's first passes; the second pass (<see cref="SumRows"/>) is shared.</summary>
    private interface ISumKernels
    {
        Tensor SumPartials<TOp>(ArrayView<float> x, Device device) where TOp : struct, IUnaryOp;

        void ChannelSum<TOp>(ArrayView<float> x, ArrayView<float> y, int outer, int channels, int inner, Device device, float scale)
            where TOp : struct, IUnaryOp;
    }

    private static readonly KernelVariants<ISumKernels> Variants = new("sum",
        (KernelFamily.Cpu, "SumCpu, ChannelSumCpu", new CpuSums()),
        (KernelFamily.CudaSimt, "SumCuda, ChannelSumCuda", new CudaSimtSums()));

    /// <summary>y[r] = scale * sum over j &lt; count of partials[r * count + j] (row-major partials), in j order.</summary>
    public static void SumRows(Device device, ArrayView<float> partials, ArrayView<float> y, int rows, int count, float scale = 1f) =>
        device.Run(ReductionKernels.SumRows, rows, partials, y, rows, count, count, 1, scale);

    /// <summary>y[i] = sum over s &lt; splits of partials[s * length + i] (split-major partials), in s order.</summary>
    public static void SumSplits(Device device, ArrayView<float> partials, ArrayView<float> y, int length, int splits) =>
        device.Run(ReductionKernels.SumRows, length, partials, y, length, splits, 1, length, 1f);

    /// <summary>y[0] = scale * sum of op(x[i]).</summary>
    public static void Sum<TOp>(ArrayView<float> x, ArrayView<float> y, Device device, float scale = 1f) where TOp : struct, IUnaryOp
    {
        using var partials = SumPartials<TOp>(x, device);
        SumRows(device, partials.View, y, 1, (int)partials.Length, scale);
    }

    /// <summary>
    /// The first pass of <see cref="Sum{TOp}"/>: partial sums of op(x[i]) whose total, added in index order, is
    /// the sum (one per thread on the CPU accelerator, one per group on CUDA). For callers that fold the second
    /// pass into a kernel of their own (gradient clipping). The caller owns the result.
    /// </summary>
    public static Tensor SumPartials<TOp>(ArrayView<float> x, Device device) where TOp : struct, IUnaryOp =>
        Variants.For(device).SumPartials<TOp>(x, device);

    /// <summary>
    /// x viewed as (outer, channels, inner): y[c] = scale * sum over outer and inner of op(x). For a
    /// per-(n, c) sum pass outer = 1 and channels = N * C.
    /// </summary>
    public static void ChannelSum<TOp>(ArrayView<float> x, ArrayView<float> y, int outer, int channels, int inner, Device device, float scale = 1f)
        where TOp : struct, IUnaryOp
    {
        if ((long)outer * channels * inner != x.Length)
            throw new ArgumentException($"ChannelSum: ({outer}, {channels}, {inner}) does not cover {x.Length} elements");
        Variants.For(device).ChannelSum<TOp>(x, y, outer, channels, inner, device, scale);
    }

    private sealed class CpuSums : ISumKernels
    {
        /// <summary>1 when TOp is the identity: ChannelSumCpu then sums on the vector units.</summary>
        private static int IsIdentity<TOp>() where TOp : struct, IUnaryOp => typeof(TOp) == typeof(IdentityOp) ? 1 : 0;

        public Tensor SumPartials<TOp>(ArrayView<float> x, Device device) where TOp : struct, IUnaryOp
        {
            int n = checked((int)x.Length);
            var plan = device.Plan(n);
            var partials = Tensor.Empty(device, plan.Config.GridDim.X * plan.Config.GroupDim.X);
            device.Launch(ReductionKernels.SumCpu<TOp>, plan.Config, x, partials.View, n, plan.Chunk);
            return partials;
        }

        public void ChannelSum<TOp>(ArrayView<float> x, ArrayView<float> y, int outer, int channels, int inner, Device device, float scale)
            where TOp : struct, IUnaryOp
        {
            // Enough items for every thread, each a long contiguous inner range.
            int splits = Math.Max(1, Math.Min(inner, (device.MaxThreads + channels - 1) / channels));
            if (splits == 1 && scale == 1f)
            {
                // One partial per channel is the sum itself: no second pass.
                device.Run(ReductionKernels.ChannelSumCpu<TOp>, channels, x, y, outer, channels, inner, 1, IsIdentity<TOp>());
                return;
            }
            using var partials = Tensor.Empty(device, (long)channels * splits);
            device.Run(ReductionKernels.ChannelSumCpu<TOp>, (long)channels * splits, x, partials.View, outer, channels, inner, splits, IsIdentity<TOp>());
            SumRows(device, partials.View, y, channels, splits, scale);
        }
    }

    private sealed class CudaSimtSums : ISumKernels
    {
        public Tensor SumPartials<TOp>(ArrayView<float> x, Device device) where TOp : struct, IUnaryOp
        {
            int n = checked((int)x.Length);
            int groups = (int)Math.Clamp((n + ReductionKernels.BlockSize - 1L) / ReductionKernels.BlockSize, 1, device.Accelerator.NumMultiprocessors * 8);
            var partials = Tensor.Empty(device, groups);
            device.Launch(ReductionKernels.SumCuda<TOp>, new KernelConfig(groups, ReductionKernels.BlockSize), x, partials.View, n);
            return partials;
        }

        public void ChannelSum<TOp>(ArrayView<float> x, ArrayView<float> y, int outer, int channels, int inner, Device device, float scale)
            where TOp : struct, IUnaryOp
        {
            // About 8 groups per multiprocessor in all, each slice at least one block wide.
            int wanted = Math.Max(1, device.Accelerator.NumMultiprocessors * 8 / channels);
            int splits = Math.Max(1, Math.Min(wanted, inner / ReductionKernels.BlockSize));
            bool direct = splits == 1 && scale == 1f;  // one partial per channel is the sum itself
            using var partials = direct ? null : Tensor.Empty(device, (long)channels * splits);
            device.Launch(ReductionKernels.ChannelSumCuda<TOp>, new KernelConfig(channels * splits, ReductionKernels.BlockSize),
                x, partials?.View ?? y, outer, channels, inner, splits);
            if (!direct) SumRows(device, partials!.View, y, channels, splits, scale);
        }
    }
}
