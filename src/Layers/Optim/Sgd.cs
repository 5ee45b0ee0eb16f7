using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Optim;

/// <summary>
/// Stochastic gradient descent with torch.optim.SGD's semantics: weight decay added to the gradient,
/// a momentum buffer that starts as the first gradient (no dampening on that step), optional dampening
/// and Nesterov momentum. State: "momentum_buffer" (only when momentum is non-zero).
/// </summary>
public sealed class Sgd : Optimizer
{
    public const string MomentumBuffer = "momentum_buffer";

    public Sgd(IReadOnlyList<Tensor> parameters, double learningRate, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : base(Validated(parameters, momentum, dampening, weightDecay, nesterov), learningRate)
    {
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
    }

    /// <summary>Checks the hyperparameters before the base constructor moves the parameters into flat buffers.</summary>
    private static IReadOnlyList<Tensor> Validated(IReadOnlyList<Tensor> parameters, double momentum, double dampening, double weightDecay, bool nesterov)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be >= 0");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening (as in PyTorch)");
        return parameters;
    }

    public double Momentum { get; }

    public double Dampening { get; }

    public double WeightDecay { get; }

    public bool Nesterov { get; }

    protected override IReadOnlyList<string> StateSlots => Momentum != 0 ? [MomentumBuffer] : [];

    protected override void Update(int index, Tensor parameter, Tensor grad, long step)
    {
        bool first = Momentum != 0 && !HasState(index, MomentumBuffer);
        Launch(parameter, grad, Momentum != 0 ? State(index, MomentumBuffer) : null, first, null);
    }

    protected override void UpdateFlat(FlatParameters flat, long step, Tensor? gradScale)
    {
        // The flat step runs only when the buffers exist for every parameter or for none.
        bool first = Momentum != 0 && !HasState(0, MomentumBuffer);
        Launch(flat.Values, flat.Grads, Momentum != 0 ? FlatState(MomentumBuffer) : null, first, gradScale);
    }

    private void Launch(Tensor p, Tensor g, Tensor? buffer, bool first, Tensor? gradScale)
    {
        var h = new SgdHyper
        {
            LearningRate = (float)LearningRate,
            Momentum = (float)Momentum,
            OneMinusDampening = (float)(1 - Dampening),
            WeightDecay = (float)WeightDecay,
            Nesterov = Nesterov ? 1 : 0,
            First = first ? 1 : 0,
            ScaleGrad = gradScale != null ? 1 : 0,
        };
        // Without momentum the kernel never touches the buffer, without a scale never reads it: the parameter's view stands in.
        p.Device.Run(OptimizerKernels.SgdStep, p.Length / 4, p.View, g.View, (buffer ?? p).View, (gradScale ?? p).View, h, (int)p.Length);
    }
}
