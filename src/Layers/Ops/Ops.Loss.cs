using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using Device = ILGpuNet.Tensors.Device;

namespace ILGpuNet.Layers;

/// <summary>
/// Losses with PyTorch semantics and mean reduction, each a one-element tensor. Neither forward nor
/// backward waits for the host: the incoming gradient is read on the device. Weight tensors (class
/// weights, pos_weight) are constants: no gradient flows to them.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// PyTorch's cross_entropy: logits [N, K], targets [N] holding class indices as floats, optional
    /// class weights [K]: sum_i w[y_i] nll_i / sum_i w[y_i] (the plain mean without weights). Targets
    /// live on the device, so they are not validated here: an index outside [0, K) makes the loss and its
    /// gradients NaN (a kernel cannot throw). Use the int[] overload, or <see cref="CheckClassTargets"/>,
    /// where the labels are still on the host.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, Tensor? classWeights = null)
    {
        if (logits.Rank != 2) throw new ArgumentException($"CrossEntropy: logits must be [N, K], got {logits.ShapeText}");
        int rows = logits.Dim(0), classes = logits.Dim(1);
        if (targets.Length != rows) throw new ArgumentException($"CrossEntropy: {targets.ShapeText} targets for {rows} rows of logits");
        if (classWeights != null && classWeights.Length != classes)
            throw new ArgumentException($"CrossEntropy: class weights {classWeights.ShapeText} for {classes} classes");
        CheckLossDevices("CrossEntropy", logits, targets, classWeights);

        var device = logits.Device;
        var y = Tensor.Empty(device, 1);
        var stats = Tensor.Empty(device, 4 * rows + 1);  // layout: LossKernels.CrossEntropyRows
        device.Run(LossKernels.CrossEntropyRows, rows, logits.View, targets.View, (classWeights ?? logits).View, stats.View,
            y.View, device.Arrivals, rows, classes, classWeights != null ? 1 : 0);
        var node = Autograd.Record("cross_entropy", y, [logits], dy =>
        {
            var dlogits = Tensor.Empty(device, logits.Shape);
            device.Run(LossKernels.CrossEntropyBackward, logits.Length, logits.View, targets.View, stats.View, dy.View, dlogits.View, rows, classes);
            Autograd.Accumulate(logits, dlogits);
        });
        if (node != null) node.Save(stats);
        else stats.Dispose();  // the stream is in order: kernels queued on it still see the buffer's data
        return y;
    }

    /// <summary>Cross-entropy with labels that are still on the host: validated here, then uploaded.</summary>
    public static Tensor CrossEntropy(Tensor logits, int[] targets, Tensor? classWeights = null)
    {
        if (logits.Rank != 2) throw new ArgumentException($"CrossEntropy: logits must be [N, K], got {logits.ShapeText}");
        var values = targets.Select(t => (float)t).ToArray();
        CheckClassTargets(values, logits.Dim(1));
        var t = Tensor.FromArray(logits.Device, values, values.Length);
        var y = CrossEntropy(logits, t, classWeights);
        if (y.GradFn != null) y.GradFn.Save(t);  // the backward reads the targets
        else t.Dispose();
        return y;
    }

    /// <summary>Throws unless every target is a whole class index in [0, classes).</summary>
    public static void CheckClassTargets(ReadOnlySpan<float> targets, int classes)
    {
        for (int i = 0; i < targets.Length; i++)
        {
            float t = targets[i];
            if (!(t >= 0 && t < classes) || t != MathF.Floor(t))
                throw new ArgumentOutOfRangeException(nameof(targets), $"target {i} is {t}, not a class index in [0, {classes})");
        }
    }

    /// <summary>
    /// PyTorch's binary_cross_entropy_with_logits (mean): targets in [0, 1] of the logits' shape,
    /// optional pos_weight of the logits' last dimension (or one value) weighting the positive term.
    /// Targets that require a gradient get one (d/dt = -x + (p - 1) softplus(-x)).
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Tensor? posWeight = null)
    {
        if (posWeight != null && posWeight.Length != 1 && posWeight.Length != logits.Dim(-1))
            throw new ArgumentException($"BinaryCrossEntropyWithLogits: pos_weight {posWeight.ShapeText} does not match the last axis of {logits.ShapeText}");
        return PointLoss<BceWithLogitsOp>("bce_with_logits", logits, targets, posWeight, 1f);
    }

    /// <summary>Mean of (pred - target)^2; gradients flow to both operands.</summary>
    public static Tensor MseLoss(Tensor pred, Tensor target) => PointLoss<MseLossOp>("mse_loss", pred, target, null, 0f);

    /// <summary>Mean of |pred - target|; the derivative is sign(pred - target), 0 where they are equal (as PyTorch).</summary>
    public static Tensor L1Loss(Tensor pred, Tensor target) => PointLoss<L1LossOp>("l1_loss", pred, target, null, 0f);

    /// <summary>PyTorch's HuberLoss (mean): 0.5 d^2 where |d| &lt; delta, else delta (|d| - 0.5 delta), d = pred - target.</summary>
    public static Tensor HuberLoss(Tensor pred, Tensor target, float delta = 1f)
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), $"HuberLoss: delta must be positive, got {delta}");
        return PointLoss<HuberLossOp>("huber_loss", pred, target, null, delta);
    }

    /// <summary>
    /// mean of TOp.Loss(x, t, p) over same-data operands (shapes equal up to axes of size 1, so [N, 1]
    /// against [N] means what it says instead of PyTorch's silent [N, N] broadcast). One fused pass sums
    /// the terms into partials (no n-sized buffer of terms), a second combines them; backward is one pass.
    /// </summary>
    private static Tensor PointLoss<TOp>(string name, Tensor x, Tensor t, Tensor? weight, float param) where TOp : struct, IPointLoss
    {
        if (x.Length != t.Length || !Broadcast.SameData(x.Shape, t.Shape))
            throw new ArgumentException($"{name}: input {x.ShapeText} and target {t.ShapeText} differ");
        CheckLossDevices(name, x, t, weight);
        var device = x.Device;
        int n = x.Elements, period = weight == null ? 0 : weight.Elements;
        float scale = 1f / n;
        var y = Tensor.Empty(device, 1);
        var w = (weight ?? x).View;
        PointLossVariants.For(device).Forward<TOp>(device, x.View, t.View, w, y.View, n, period, param, scale);
        Autograd.Record(name, y, [x, t], dy =>
        {
            var dx = x.RequiresGrad ? Tensor.Empty(device, x.Shape) : null;
            var dt = t.RequiresGrad ? Tensor.Empty(device, t.Shape) : null;
            int outputs = (dx != null ? 1 : 0) | (dt != null ? 2 : 0);
            device.Run(LossKernels.PointLossBackward<TOp>, n / 4, x.View, t.View, (weight ?? x).View, dy.View,
                (dx ?? dt)!.View, (dt ?? dx)!.View, n, period, param, scale, outputs);
            if (dx != null) Autograd.Accumulate(x, dx);
            if (dt != null) Autograd.Accumulate(t, dt);
        });
        return y;
    }

    /// <summary>One family's forward of a point loss: partial sums of the terms, then their scaled total into y.</summary>
    private interface IPointLossKernels
    {
        void Forward<TOp>(Device device, ArrayView<float> x, ArrayView<float> t, ArrayView<float> w, ArrayView<float> y,
            int n, int period, float param, float scale) where TOp : struct, IPointLoss;
    }

    private static readonly KernelVariants<IPointLossKernels> PointLossVariants = new("point_loss",
        (KernelFamily.Cpu, "PointLossCpu", new CpuPointLoss()),
        (KernelFamily.CudaSimt, "PointLossCuda", new CudaSimtPointLoss()));

    private sealed class CpuPointLoss : IPointLossKernels
    {
        public void Forward<TOp>(Device device, ArrayView<float> x, ArrayView<float> t, ArrayView<float> w, ArrayView<float> y,
            int n, int period, float param, float scale) where TOp : struct, IPointLoss
        {
            var plan = device.Plan(n / 4);
            int threads = plan.Config.GridDim.X * plan.Config.GroupDim.X;
            using var partials = Tensor.Empty(device, threads);
            device.Launch(LossKernels.PointLossCpu<TOp>, plan.Config, x, t, w, partials.View, n, period, param, plan.Chunk);
            Reductions.SumRows(device, partials.View, y, 1, threads, scale);
        }
    }

    private sealed class CudaSimtPointLoss : IPointLossKernels
    {
        public void Forward<TOp>(Device device, ArrayView<float> x, ArrayView<float> t, ArrayView<float> w, ArrayView<float> y,
            int n, int period, float param, float scale) where TOp : struct, IPointLoss
        {
            int groups = (int)Math.Clamp((n / 4 + ReductionKernels.BlockSize - 1L) / ReductionKernels.BlockSize, 1, device.Accelerator.NumMultiprocessors * 4);
            using var partials = Tensor.Empty(device, groups);
            device.Launch(LossKernels.PointLossCuda<TOp>, new KernelConfig(groups, ReductionKernels.BlockSize), x, t, w, partials.View, n, period, param);
            Reductions.SumRows(device, partials.View, y, 1, groups, scale);
        }
    }

    private static void CheckLossDevices(string name, Tensor a, Tensor b, Tensor? c)
    {
        if (!ReferenceEquals(a.Device, b.Device) || (c != null && !ReferenceEquals(a.Device, c.Device)))
            throw new ArgumentException($"{name}: operands live on different devices");
    }
}
