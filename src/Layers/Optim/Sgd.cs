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
        : base(parameters, learningRate)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be >= 0");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening (as in PyTorch)");
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
    }

    public double Momentum { get; }

    public double Dampening { get; }

    public double WeightDecay { get; }

    public bool Nesterov { get; }

    protected override IReadOnlyList<string> StateSlots => Momentum != 0 ? [MomentumBuffer] : [];

    protected override void Update(int index, Tensor parameter, Tensor grad, long step)
    {
        var device = parameter.Device;
        bool first = Momentum != 0 && !HasState(index, MomentumBuffer);
        // Without momentum the kernel never touches the buffer; the parameter's view stands in for it.
        var buffer = Momentum != 0 ? State(index, MomentumBuffer).View : parameter.View;
        device.Run(OptimizerKernels.SgdStep, parameter.Length / 4, parameter.View, grad.View, buffer,
            (float)LearningRate, (float)Momentum, (float)(1 - Dampening), (float)WeightDecay, Nesterov ? 1 : 0, first ? 1 : 0, (int)parameter.Length);
    }
}
