using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using Device = ILGpuNet.Tensors.Device;

namespace ILGpuNet.Layers;

public static partial class Ops
{
    /// <summary>
    /// PyTorch's BatchNorm3d (any (N, C, ...) input, e.g. BatchNorm1d/2d data too) with optional fusions:
    /// <code>y = branchScale[n] * act(bn(x)) + residual,  bn(x) = (x - mean) / sqrt(var + eps) * weight + bias</code>
    /// act is SiLU with <paramref name="fuseSilu"/>, else the identity; <paramref name="residual"/> (x's shape)
    /// is added in the same pass (the MBConv tail: pointwise conv -> BN -> + input) and
    /// <paramref name="branchScale"/> (N values, a constant: no gradient) scales each sample's branch first
    /// (stochastic depth's mask / p). Each fusion saves a full read and write of the activation, forward and backward.
    /// <para>Training: batch statistics over N and the spatial axes (biased variance normalises);
    /// <paramref name="runningMean"/> and <paramref name="runningVar"/> are updated in place on the device,
    /// running = (1 - momentum) * running + momentum * batch value, with the unbiased variance (M / (M - 1)) for
    /// running_var. Evaluation: the running statistics normalise and stay untouched. PyTorch's
    /// num_batches_tracked belongs to the module: it counts training forwards (checkpoints carry it), and a
    /// module with momentum None (cumulative average) passes momentum = 1 / num_batches_tracked here.</para>
    /// <para>Backward (two reductions, one elementwise pass): per channel sum g and sum g (x - mean) with
    /// g = act'(z) * branchScale * dy and z recomputed from x (only mean and invstd are saved), then
    /// dx = gamma * invstd * (g - sum g / M - (x - mean) invstd^2 sum g (x - mean) / M); dweight = invstd * sum g (x - mean),
    /// dbias = sum g. In evaluation dx = gamma * invstd_running * g. The residual receives dy unchanged.
    /// The backward reads x, weight and bias again: they must live until it has run (the step's TensorScope keeps
    /// them); the op itself keeps the per-channel mean and invstd and a reference to branchScale.</para>
    /// <para>A training forward adds 1 to <paramref name="numBatchesTracked"/> when given (the module's counter,
    /// counted by the statistics pass instead of a launch of its own).</para>
    /// </summary>
    public static Tensor BatchNorm3d(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, bool training,
        float momentum = 0.1f, float eps = 1e-5f, bool fuseSilu = false, Tensor? residual = null, Tensor? branchScale = null,
        Tensor? numBatchesTracked = null)
    {
        string name = "batchnorm3d" + (fuseSilu ? "_silu" : "") + (residual != null ? "_add" : "");
        return fuseSilu
            ? BatchNorm<SiluOp>(name, x, weight, bias, runningMean, runningVar, training, momentum, eps, residual, branchScale, numBatchesTracked)
            : BatchNorm<IdentityOp>(name, x, weight, bias, runningMean, runningVar, training, momentum, eps, residual, branchScale, numBatchesTracked);
    }

    private static Tensor BatchNorm<TAct>(string name, Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
        bool training, float momentum, float eps, Tensor? residual, Tensor? branchScale, Tensor? numBatchesTracked) where TAct : struct, IUnaryOp
    {
        if (numBatchesTracked != null && (numBatchesTracked.Length != 1 || numBatchesTracked.Device != x.Device))
            throw new ArgumentException($"BatchNorm3d: num_batches_tracked {numBatchesTracked.ShapeText} must be one value on the input's device");
        var shape = CheckBatchNorm(x, weight, bias, runningMean, runningVar, training, residual, branchScale);
        var device = x.Device;
        int channels = shape.Channels;
        long count = (long)shape.Batch * shape.Spatial;

        var stats = Tensor.Empty(device, 2, channels);  // [mean; invstd] (BatchNormKernels)
        if (training) BatchNormStatistics(x, stats, runningMean, runningVar, numBatchesTracked, shape, momentum, eps);
        else device.Run(BatchNormKernels.RunningStats, channels, runningMean.View, runningVar.View, stats.View, channels, eps);

        var y = Tensor.Empty(device, x.Shape);
        var kernels = BatchNormVariants.For(device);
        kernels.Forward<TAct>(x, stats, weight, bias, (residual ?? x).View, (branchScale ?? x).View, y, shape);

        Tensor[] inputs = residual != null ? [x, weight, bias, residual] : [x, weight, bias];
        Tensor? keptScale = null;  // the node's own reference to branchScale (see below)
        Tensor? output = null;  // a view of y, whose s = y / z replaces an exp per value in the backward (CPU SiLU)
        var node = Autograd.Record(name, y, inputs, dy =>
        {
            // The residual's gradient is dy itself: shared as a view (no copy), dy is not written after this node.
            if (residual != null && residual.RequiresGrad) Autograd.Accumulate(residual, dy.Reshape(dy.Shape));
            bool needParams = weight.RequiresGrad || bias.RequiresGrad;
            if (!x.RequiresGrad && !needParams) return;

            // Evaluation without parameter gradients needs no sums: dx = gamma * invstd * g.
            bool sums = training || needParams;
            var dx = x.RequiresGrad ? Tensor.Empty(device, x.Shape) : null;
            bool storeG = sums && dx != null && kernels.StoresG<TAct>();
            var dweight = Autograd.NewGradFor(weight);
            var dbias = Autograd.NewGradFor(bias);
            // The sums pass's last arrival also computes coef = [A; B; C0] and dweight, dbias (one launch); evaluation
            // without parameter gradients takes no sums and computes coef alone.
            var reduce = new BatchNormReduce { InvCount = (float)(1.0 / count), Training = training ? 1 : 0, StoreG = storeG ? 1 : 0 };
            using var work = !sums ? BatchNormCoefficientsOnly(stats, weight, dweight, dbias, channels, reduce)
                : kernels.BackwardSums<TAct>(x, output, dy, stats, weight, bias, (keptScale ?? x).View, shape, storeG ? dx : null, dweight, dbias, reduce);
            var coef = work.View.SubView(work.Length - 3 * channels);

            if (dx != null)
            {
                if (storeG)
                    device.Run(BatchNormKernels.BackwardInputFromGCpu, shape.Rows, x.View, stats.View, coef, dx.View, shape);
                else
                    kernels.BackwardInput<TAct>(x, dy, stats, weight, bias, coef, (keptScale ?? x).View, dx, shape);
                Autograd.Accumulate(x, dx);
            }
            Autograd.Accumulate(weight, dweight);  // disposed there when no gradient is wanted
            Autograd.Accumulate(bias, dbias);
        });
        if (node != null)
        {
            node.Save(stats);
            // The branch scale is the caller's (stochastic depth's factors, often dropped right after the call): the
            // node keeps a reference of its own for the backward, which reads it again.
            if (branchScale != null) keptScale = node.Save(branchScale.Reshape(branchScale.Shape));
            if (kernels.ReadsSiluFromOutput<TAct>(shape)) output = node.Save(y.Reshape(y.Shape));
        }
        else stats.Dispose();  // the stream is in order: the queued kernels still read its data
        return y;
    }

    private static BatchNormShape CheckBatchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
        bool training, Tensor? residual, Tensor? branchScale)
    {
        if (x.Rank < 2) throw new ArgumentException($"BatchNorm3d: input must be (N, C, ...), got {x.ShapeText}");
        int batch = x.Dim(0), channels = x.Dim(1);
        long spatial = x.Length / ((long)batch * channels);
        foreach (var (t, what) in new[] { (weight, "weight"), (bias, "bias"), (runningMean, "running_mean"), (runningVar, "running_var") })
        {
            if (t.Length != channels) throw new ArgumentException($"BatchNorm3d: {what} {t.ShapeText} does not match {channels} channels of input {x.ShapeText}");
            if (t.Device != x.Device) throw new ArgumentException($"BatchNorm3d: {what} lives on {t.Device}, the input on {x.Device}");
        }
        if (residual != null && (!residual.SameShape(x) || residual.Device != x.Device))
            throw new ArgumentException($"BatchNorm3d: residual {residual.ShapeText} must have the input's shape {x.ShapeText} and device");
        if (branchScale != null)
        {
            if (branchScale.Length != batch || branchScale.Device != x.Device)
                throw new ArgumentException($"BatchNorm3d: branch scale {branchScale.ShapeText} must hold one value per sample ({batch})");
            if (branchScale.RequiresGrad) throw new ArgumentException("BatchNorm3d: the branch scale is a constant (stochastic depth's mask) and cannot require a gradient");
        }
        // PyTorch refuses the same: a variance needs two values, the unbiased running variance divides by M - 1.
        if (training && batch * spatial < 2)
            throw new ArgumentException($"BatchNorm3d: expected more than 1 value per channel when training, got input {x.ShapeText}");
        int flags = (residual != null ? BatchNormShape.HasResidual : 0) | (branchScale != null ? BatchNormShape.HasBranchScale : 0);
        return new BatchNormShape(batch, channels, (int)spatial, flags);
    }

    /// <summary>
    /// Batch statistics into stats = [mean; invstd] and the running-statistics update, all on the device in one
    /// launch: the reduction's last thread (CPU) or group (CUDA) to finish merges the partials per channel.
    /// </summary>
    private static void BatchNormStatistics(Tensor x, Tensor stats, Tensor runningMean, Tensor runningVar, Tensor? numBatchesTracked,
        BatchNormShape shape, float momentum, float eps)
    {
        var device = x.Device;
        var kernels = BatchNormVariants.For(device);
        int channels = shape.Channels, splits = kernels.Splits(device, shape);
        long count = (long)shape.Batch * shape.Spatial;
        var reduce = new BatchNormReduce
        {
            Splits = splits, InvCount = (float)(1.0 / count), InvCountUnbiased = (float)(1.0 / (count - 1)), Eps = eps, Momentum = momentum,
            UpdateRunning = numBatchesTracked != null ? 2 : 1,
        };
        using var partials = Tensor.Empty(device, 3, channels * splits);
        kernels.Statistics(x, partials, stats, runningMean, runningVar, (numBatchesTracked ?? stats).View, shape, reduce);
    }

    /// <summary>Evaluation without parameter gradients: coef = [gamma * invstd; 0; 0] alone (no sums), in a work buffer of its own.</summary>
    private static Tensor BatchNormCoefficientsOnly(Tensor stats, Tensor weight, Tensor dweight, Tensor dbias, int channels, BatchNormReduce reduce)
    {
        var device = stats.Device;
        var work = Tensor.Empty(device, 3 * channels);
        device.Run(BatchNormKernels.BackwardFinalize, channels, work.View, stats.View, weight.View, work.View,
            dweight.View, dbias.View, channels, 0, reduce.InvCount, reduce.Training);
        return work;
    }

    /// <summary>A backward work buffer: the sums partials [2][channels * splits], then coef [3][channels].</summary>
    private static Tensor BatchNormBackwardWork(Device device, int channels, int splits) =>
        Tensor.Empty(device, checked((int)(BatchNormKernels.CoefOffset(channels, splits) + 3L * channels)));

    /// <summary>
    /// One family's BatchNorm passes: statistics, the forward, the backward sums [sum g; sum g (x - mean)] whose last
    /// arrival computes coef = [A; B; C0] and dweight, dbias, and the dx pass. <paramref name="scale"/> is the branch
    /// scale's view (x's when there is none, unread).
    /// </summary>
    private interface IBatchNormKernels
    {
        /// <summary>Items per channel of the reduction passes.</summary>
        int Splits(Device device, BatchNormShape shape);

        void Statistics(Tensor x, Tensor partials, Tensor stats, Tensor runningMean, Tensor runningVar, ArrayView<float> counted,
            BatchNormShape shape, BatchNormReduce reduce);

        void Forward<TAct>(Tensor x, Tensor stats, Tensor weight, Tensor bias, ArrayView<float> residual, ArrayView<float> scale, Tensor y,
            BatchNormShape shape) where TAct : struct, IUnaryOp;

        /// <summary>Whether the sums pass stores g in dx's buffer for the dx pass (instead of that pass recomputing it).</summary>
        bool StoresG<TAct>() where TAct : struct, IUnaryOp;

        /// <summary>Whether the backward reads SiLU's sigmoid from the forward's output (which must then be kept).</summary>
        bool ReadsSiluFromOutput<TAct>(BatchNormShape shape) where TAct : struct, IUnaryOp;

        /// <summary>The backward sums (and g into <paramref name="storeG"/> when given); returns the work buffer holding coef at its end.</summary>
        Tensor BackwardSums<TAct>(Tensor x, Tensor? output, Tensor dy, Tensor stats, Tensor weight, Tensor bias, ArrayView<float> scale,
            BatchNormShape shape, Tensor? storeG, Tensor dweight, Tensor dbias, BatchNormReduce reduce) where TAct : struct, IUnaryOp;

        void BackwardInput<TAct>(Tensor x, Tensor dy, Tensor stats, Tensor weight, Tensor bias, ArrayView<float> coef, ArrayView<float> scale,
            Tensor dx, BatchNormShape shape) where TAct : struct, IUnaryOp;
    }

    private static readonly KernelVariants<IBatchNormKernels> BatchNormVariants = new("batchnorm3d",
        (KernelFamily.Cpu, "StatsCpu, ForwardCpu, BackwardSumsCpu | BackwardSumsSiluFromOutputCpu, BackwardInputCpu | BackwardInputFromGCpu (AVX-512 rows for identity and SiLU)",
            new CpuBatchNorm()),
        (KernelFamily.CudaSimt, "StatsCuda, ForwardCuda, BackwardSumsCuda, BackwardInputCuda", new CudaSimtBatchNorm()));

    /// <summary>Rows per thread and per-thread partial sums (CPU accelerator).</summary>
    private sealed class CpuBatchNorm : IBatchNormKernels
    {
        /// <summary>The shape with the activation the kernels' vector rows compute (identity or SiLU; else their scalar loop).</summary>
        private static BatchNormShape WithVectorAct<TAct>(BatchNormShape shape) where TAct : struct, IUnaryOp
        {
            shape.VectorAct = typeof(TAct) == typeof(IdentityOp) ? BatchNormKernels.VectorActIdentity
                : typeof(TAct) == typeof(SiluOp) ? BatchNormKernels.VectorActSilu
                : BatchNormKernels.VectorActNone;
            return shape;
        }

        // Enough items for every thread.
        public int Splits(Device device, BatchNormShape shape) =>
            Math.Clamp((device.MaxThreads + shape.Channels - 1) / shape.Channels, 1, Math.Max(1, shape.Spatial));

        public void Statistics(Tensor x, Tensor partials, Tensor stats, Tensor runningMean, Tensor runningVar, ArrayView<float> counted,
            BatchNormShape shape, BatchNormReduce reduce)
        {
            var device = x.Device;
            device.Run(BatchNormKernels.StatsCpu, (long)shape.Channels * reduce.Splits, x.View, partials.View, stats.View, runningMean.View,
                runningVar.View, counted, device.Arrivals, shape, reduce);
        }

        public void Forward<TAct>(Tensor x, Tensor stats, Tensor weight, Tensor bias, ArrayView<float> residual, ArrayView<float> scale, Tensor y,
            BatchNormShape shape) where TAct : struct, IUnaryOp =>
            x.Device.Run(BatchNormKernels.ForwardCpu<TAct>, shape.Rows, x.View, stats.View, weight.View, bias.View, residual, scale, y.View,
                WithVectorAct<TAct>(shape));

        // The activation's derivative costs more than a pass over memory here: store g rather than recompute it.
        public bool StoresG<TAct>() where TAct : struct, IUnaryOp => typeof(TAct) != typeof(IdentityOp);

        public bool ReadsSiluFromOutput<TAct>(BatchNormShape shape) where TAct : struct, IUnaryOp =>
            typeof(TAct) == typeof(SiluOp) && shape.Flags == 0;

        public Tensor BackwardSums<TAct>(Tensor x, Tensor? output, Tensor dy, Tensor stats, Tensor weight, Tensor bias, ArrayView<float> scale,
            BatchNormShape shape, Tensor? storeG, Tensor dweight, Tensor dbias, BatchNormReduce reduce) where TAct : struct, IUnaryOp
        {
            var device = x.Device;
            reduce.Splits = Splits(device, shape);
            var work = BatchNormBackwardWork(device, shape.Channels, reduce.Splits);
            long items = (long)shape.Channels * reduce.Splits;
            if (output != null)
                device.Run(BatchNormKernels.BackwardSumsSiluFromOutputCpu, items, x.View, output.View, dy.View, stats.View, weight.View, bias.View,
                    work.View, (storeG ?? work).View, dweight.View, dbias.View, device.Arrivals, shape, reduce);
            else
                device.Run(BatchNormKernels.BackwardSumsCpu<TAct>, items, x.View, dy.View, stats.View, weight.View, bias.View,
                    scale, work.View, (storeG ?? work).View, dweight.View, dbias.View, device.Arrivals, WithVectorAct<TAct>(shape), reduce);
            return work;
        }

        public void BackwardInput<TAct>(Tensor x, Tensor dy, Tensor stats, Tensor weight, Tensor bias, ArrayView<float> coef, ArrayView<float> scale,
            Tensor dx, BatchNormShape shape) where TAct : struct, IUnaryOp =>
            x.Device.Run(BatchNormKernels.BackwardInputCpu<TAct>, shape.Rows, x.View, dy.View, stats.View, weight.View, bias.View, coef,
                scale, dx.View, WithVectorAct<TAct>(shape));
    }

    /// <summary>Block reductions (about 8 groups per multiprocessor) and one Float4 per thread (CUDA cores): 5 passes, g recomputed.</summary>
    private sealed class CudaSimtBatchNorm : IBatchNormKernels
    {
        public int Splits(Device device, BatchNormShape shape)
        {
            int wanted = Math.Max(1, device.Accelerator.NumMultiprocessors * 8 / shape.Channels);
            return Math.Max(1, Math.Min(wanted, shape.Spatial / BatchNormKernels.GroupSize));
        }

        public void Statistics(Tensor x, Tensor partials, Tensor stats, Tensor runningMean, Tensor runningVar, ArrayView<float> counted,
            BatchNormShape shape, BatchNormReduce reduce)
        {
            var device = x.Device;
            device.Launch(BatchNormKernels.StatsCuda, new KernelConfig(shape.Channels * reduce.Splits, BatchNormKernels.GroupSize),
                x.View, partials.View, stats.View, runningMean.View, runningVar.View, counted, device.Arrivals, shape, reduce);
        }

        public void Forward<TAct>(Tensor x, Tensor stats, Tensor weight, Tensor bias, ArrayView<float> residual, ArrayView<float> scale, Tensor y,
            BatchNormShape shape) where TAct : struct, IUnaryOp =>
            x.Device.Run(BatchNormKernels.ForwardCuda<TAct>, Items(x, shape), x.View, stats.View, weight.View, bias.View, residual, scale, y.View, shape);

        public bool StoresG<TAct>() where TAct : struct, IUnaryOp => false;

        public bool ReadsSiluFromOutput<TAct>(BatchNormShape shape) where TAct : struct, IUnaryOp => false;

        public Tensor BackwardSums<TAct>(Tensor x, Tensor? output, Tensor dy, Tensor stats, Tensor weight, Tensor bias, ArrayView<float> scale,
            BatchNormShape shape, Tensor? storeG, Tensor dweight, Tensor dbias, BatchNormReduce reduce) where TAct : struct, IUnaryOp
        {
            var device = x.Device;
            reduce.Splits = Splits(device, shape);
            var work = BatchNormBackwardWork(device, shape.Channels, reduce.Splits);
            device.Launch(BatchNormKernels.BackwardSumsCuda<TAct>, new KernelConfig(shape.Channels * reduce.Splits, BatchNormKernels.GroupSize),
                x.View, dy.View, stats.View, weight.View, bias.View, scale, work.View, dweight.View, dbias.View, device.Arrivals, shape, reduce);
            return work;
        }

        public void BackwardInput<TAct>(Tensor x, Tensor dy, Tensor stats, Tensor weight, Tensor bias, ArrayView<float> coef, ArrayView<float> scale,
            Tensor dx, BatchNormShape shape) where TAct : struct, IUnaryOp =>
            x.Device.Run(BatchNormKernels.BackwardInputCuda<TAct>, Items(x, shape), x.View, dy.View, stats.View, weight.View, bias.View, coef,
                scale, dx.View, shape);

        /// <summary>One item per Float4 when rows are a multiple of 4 long, else per value.</summary>
        private static long Items(Tensor x, BatchNormShape shape) => shape.Spatial % 4 == 0 ? x.Length / 4 : x.Length;
    }
}
