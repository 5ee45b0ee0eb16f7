using ILGPU;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Optim;

/// <summary>
/// Adam with torch.optim.Adam's semantics: bias-corrected first and second moments, eps added to the
/// corrected root of the second moment, and weight decay as an L2 term added to the gradient.
/// State: "exp_avg" and "exp_avg_sq"; the bias corrections use each parameter's own step count.
/// </summary>
public class Adam : Optimizer
{
    public const string ExpAvg = "exp_avg";
    public const string ExpAvgSq = "exp_avg_sq";

    public Adam(IReadOnlyList<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0)
        : this(parameters, learningRate, beta1, beta2, eps, weightDecay, decoupled: false)
    {
    }

    protected Adam(IReadOnlyList<Tensor> parameters, double learningRate, double beta1, double beta2, double eps,
        double weightDecay, bool decoupled)
        : base(Validated(parameters, beta1, beta2, eps, weightDecay), learningRate)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupled;
    }

    /// <summary>Checks the hyperparameters before the base constructor moves the parameters into flat buffers.</summary>
    private static IReadOnlyList<Tensor> Validated(IReadOnlyList<Tensor> parameters, double beta1, double beta2, double eps, double weightDecay)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be >= 0");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0");
        return parameters;
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Eps { get; }

    public double WeightDecay { get; }

    /// <summary>AdamW: weight decay shrinks the parameter (p *= 1 - lr * wd) instead of entering the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    protected override IReadOnlyList<string> StateSlots => [ExpAvg, ExpAvgSq];

    protected override void Update(int index, Tensor parameter, Tensor grad, long step) =>
        Launch(parameter, grad, State(index, ExpAvg), State(index, ExpAvgSq), step, null);

    protected override void UpdateFlat(FlatParameters flat, long step, Tensor? gradScale) =>
        Launch(flat.Values, flat.Grads, FlatState(ExpAvg), FlatState(ExpAvgSq), step, gradScale);

    private void Launch(Tensor p, Tensor g, Tensor m, Tensor v, long step, Tensor? gradScale)
    {
        double lr = LearningRate;
        var h = new AdamHyper
        {
            OneMinusBeta1 = (float)(1 - Beta1),
            OneMinusBeta2 = (float)(1 - Beta2),
            Eps = (float)Eps,
            StepSize = (float)(lr / (1 - Math.Pow(Beta1, step))),
            Bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(Beta2, step)),
            L2 = (float)(DecoupledWeightDecay ? 0 : WeightDecay),
            Decay = (float)(DecoupledWeightDecay ? 1 - lr * WeightDecay : 1),
            ScaleGrad = gradScale != null ? 1 : 0,
        };
        // Without a scale the kernel never reads it; the parameter's view stands in.
        Variants.For(p.Device)(p, g, m, v, (gradScale ?? p).View, h);
    }

    /// <summary>The update kernel: Float4 groups on CUDA, vectors of 16 on the CPU's vector units (scalar without them).</summary>
    private static readonly KernelVariants<Action<Tensor, Tensor, Tensor, Tensor, ArrayView<float>, AdamHyper>> Variants = new("adam",
        (KernelFamily.Cpu, "AdamStepCpu (AVX-512, scalar twin)", (p, g, m, v, scale, h) =>
        {
            var plan = p.Device.Plan(p.Length, OptimizerKernels.CpuVectorWidth);
            p.Device.Launch(OptimizerKernels.AdamStepCpu, plan.Config, p.View, g.View, m.View, v.View, scale, h, (int)p.Length, plan.Chunk);
        }),
        (KernelFamily.CudaSimt, "AdamStep", (p, g, m, v, scale, h) =>
            p.Device.Run(OptimizerKernels.AdamStep, p.Length / 4, p.View, g.View, m.View, v.View, scale, h, (int)p.Length)));
}

/// <summary>
/// AdamW (torch.optim.AdamW): Adam with decoupled weight decay, p *= 1 - lr * wd before the Adam
/// update; PyTorch's default weight decay 0.01.
/// </summary>
public sealed class AdamW : Adam
{
    public AdamW(IReadOnlyList<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2)
        : base(parameters, learningRate, beta1, beta2, eps, weightDecay, decoupled: true)
    {
    }
}
