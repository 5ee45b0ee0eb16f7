using ILGPU;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Optim;

/// <summary>Gradient clipping by the global L2 norm, computed and applied on the device without host synchronisation.</summary>
public static class GradClip
{
    /// <summary>
    /// torch.nn.utils.clip_grad_norm_: total = sqrt(sum over all gradients of sum g^2); every gradient is
    /// scaled by min(1, maxNorm / (total + 1e-6)). Parameters without a gradient are skipped. Returns the
    /// total norm before clipping as a new one-element tensor (reading it synchronises; the clipping does not).
    /// When the list is exactly an optimizer's flat parameter set (any order) and every gradient is in its
    /// slot, it takes 3 launches over the flat gradient buffer (sum-of-squares partials, coefficient, scaling);
    /// otherwise 2 per gradient for the norms and 1 per gradient for the scaling.
    /// </summary>
    public static Tensor ClipGlobalNorm(IReadOnlyList<Tensor> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (FlatParameters.Holding(parameters) is { } flat && flat.AllGradsInSlots())
        {
            var (total, scale) = FlatNormAndCoefficient(flat, maxNorm);
            using (scale)
                flat.Device.Run(OptimizerKernels.ScaleByDeviceScalar, flat.Length / 4, flat.Grads.View, scale.View, (int)flat.Length);
            return total;
        }
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0)
        {
            if (parameters.Count == 0) throw new ArgumentException("ClipGlobalNorm needs at least one parameter");
            return Tensor.Zeros(parameters[0].Device, 1);
        }
        var device = grads[0].Device;
        if (grads.Any(g => !ReferenceEquals(g.Device, device))) throw new ArgumentException("ClipGlobalNorm: gradients live on different devices");

        var norm = Tensor.Empty(device, 1);
        using var squaredNorms = Tensor.Empty(device, grads.Count);
        using var coefficient = Tensor.Empty(device, 1);
        for (int i = 0; i < grads.Count; i++)
            Reductions.Sum<SquareOp>(grads[i].View, squaredNorms.View.SubView(i, 1), device);
        device.Run(OptimizerKernels.ClipCoefficient, 1, squaredNorms.View, norm.View, coefficient.View, grads.Count, maxNorm);
        foreach (var g in grads)
            device.Run(OptimizerKernels.ScaleByDeviceScalar, g.Length / 4, g.View, coefficient.View, (int)g.Length);
        return norm;
    }

    /// <summary>
    /// The total norm of a flat gradient buffer and the clipping coefficient, both on the device: one
    /// deterministic sum-of-squares pass into partials (the padding is zero and adds nothing), then one
    /// launch that adds them in order and computes the coefficient. The caller owns both tensors.
    /// </summary>
    internal static (Tensor Norm, Tensor Coefficient) FlatNormAndCoefficient(FlatParameters flat, float maxNorm)
    {
        var device = flat.Device;
        var norm = Tensor.Empty(device, 1);
        var coefficient = Tensor.Empty(device, 1);
        using var partials = SquaredNormPartials.For(device)(flat.Grads, device);
        device.Run(OptimizerKernels.ClipCoefficient, 1, partials.View, norm.View, coefficient.View, (int)partials.Length, maxNorm);
        return (norm, coefficient);
    }

    /// <summary>Partial sums of squares whose total is the squared norm: CUDA's block reduction, or one vector pass per CPU thread.</summary>
    private static readonly KernelVariants<Func<Tensor, Device, Tensor>> SquaredNormPartials = new("clip_grad_norm.squared_norm",
        (KernelFamily.Cpu, "SquaredNormPartialsCpu", (x, device) =>
        {
            var plan = device.Plan(x.Length, OptimizerKernels.CpuVectorWidth);
            var partials = Tensor.Empty(device, plan.Config.GridDim.X * plan.Config.GroupDim.X);
            device.Launch(OptimizerKernels.SquaredNormPartialsCpu, plan.Config, x.View, partials.View, (int)x.Length, plan.Chunk);
            return partials;
        }),
        (KernelFamily.CudaSimt, "SumCuda<SquareOp>", (x, device) => Reductions.SumPartials<SquareOp>(x.View, device)));
}
