using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Bench;

/// <summary>
/// One op at one shape, as <c>ilgpunet opbench</c> and the BenchmarkDotNet operator benchmarks time it:
/// <see cref="Inputs"/> makes its operands (those with a gradient RequiresGrad), <see cref="Forward"/> applies it;
/// the work (GFLOP or GB) of one forward and one backward, in <see cref="Unit"/> per second; BackwardWork 0: no
/// backward. <see cref="Op"/> names the row: benchmarks/gpu (torch_ops.py, compare.py) match rows by it.
/// </summary>
public sealed record OpCase(string Op, string Shape, Func<BenchOperands, Tensor[]> Inputs, Func<Tensor[], Tensor> Forward,
    double ForwardWork, double BackwardWork, string Unit);

/// <summary>
/// Makes bench operands on one device from one random stream (seed 11), in the order they are asked for: activations
/// normal, weights uniform in +-0.1. Each tensor is kept out of any open <see cref="TensorScope"/>; the caller disposes it.
/// </summary>
public sealed class BenchOperands(Device device, ulong seed = 11)
{
    private readonly RandomSource rng = new(seed);

    public Device Device => device;

    public Tensor Input(params int[] shape) => Input(shape, grad: true);

    public Tensor Input(int b, int c, int d, int h, int w, bool grad = true) => Input([b, c, d, h, w], grad);

    public Tensor Input(int[] shape, bool grad)
    {
        var t = TensorScope.Keep(rng.Normal(device, shape));
        t.RequiresGrad = grad;
        return t;
    }

    public Tensor Weight(params int[] shape)
    {
        var t = TensorScope.Keep(rng.Uniform(device, shape, -0.1f, 0.1f));
        t.RequiresGrad = true;
        return t;
    }

    public Tensor Weight(int n, float init)
    {
        var t = Tensor.Full(device, init, n);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>A tensor without a gradient (BatchNorm's running statistics).</summary>
    public Tensor Buffer(int n, float init) => Tensor.Full(device, init, n);
}
