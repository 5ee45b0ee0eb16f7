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
        : base(parameters, learningRate)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be >= 0");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupled;
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Eps { get; }

    public double WeightDecay { get; }

    /// <summary>AdamW: weight decay shrinks the parameter (p *= 1 - lr * wd) instead of entering the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    protected override IReadOnlyList<string> StateSlots => [ExpAvg, ExpAvgSq];

    protected override void Update(int index, Tensor parameter, Tensor grad, long step)
    {
        double lr = LearningRate;
        double stepSize = lr / (1 - Math.Pow(Beta1, step));
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, step));
        double l2 = DecoupledWeightDecay ? 0 : WeightDecay;
        double decay = DecoupledWeightDecay ? 1 - lr * WeightDecay : 1;
        var m = State(index, ExpAvg);
        var v = State(index, ExpAvgSq);
        parameter.Device.Run(OptimizerKernels.AdamStep, parameter.Length / 4, parameter.View, grad.View, m.View, v.View,
            (float)(1 - Beta1), (float)(1 - Beta2), (float)Eps, (float)stepSize, (float)bc2Sqrt, (float)l2, (float)decay, (int)parameter.Length);
    }
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
