using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

/// <summary>
/// nn.Conv3d (dilation 1): weight (Cout, Cin / groups, KD, KH, KW), optional bias (Cout), per-axis stride and
/// zero padding, PyTorch's initialisation with fan_in = Cin / groups x KD x KH x KW. The op picks the dense,
/// grouped, depthwise or 1x1x1 (GEMM) path from the geometry.
/// </summary>
public sealed class Conv3d : Module
{
    public Conv3d(Device device, int inputs, int outputs, (int D, int H, int W) kernel, RandomSource rng,
        (int D, int H, int W)? stride = null, (int D, int H, int W)? padding = null, int groups = 1, bool bias = true)
    {
        if (inputs <= 0 || outputs <= 0 || groups <= 0 || inputs % groups != 0 || outputs % groups != 0)
            throw new ArgumentException($"Conv3d: groups {groups} must divide {inputs} input and {outputs} output channels");
        if (kernel.D <= 0 || kernel.H <= 0 || kernel.W <= 0)
            throw new ArgumentException($"Conv3d: kernel {kernel} must be positive");
        Inputs = inputs;
        Outputs = outputs;
        Kernel = kernel;
        Stride = stride ?? (1, 1, 1);
        Padding = padding ?? (0, 0, 0);
        Groups = groups;
        int fanIn = inputs / groups * kernel.D * kernel.H * kernel.W;
        Weight = Parameter("weight", Tensor.Empty(device, outputs, inputs / groups, kernel.D, kernel.H, kernel.W));
        Init.KaimingUniform(Weight, fanIn, rng);
        if (bias)
        {
            Bias = Parameter("bias", Tensor.Empty(device, outputs));
            Init.BiasUniform(Bias, fanIn, rng);
        }
    }

    /// <summary>A cubic kernel with the same stride and padding on every axis.</summary>
    public Conv3d(Device device, int inputs, int outputs, int kernel, RandomSource rng, int stride = 1, int padding = 0,
        int groups = 1, bool bias = true)
        : this(device, inputs, outputs, (kernel, kernel, kernel), rng, (stride, stride, stride), (padding, padding, padding), groups, bias)
    {
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public (int D, int H, int W) Kernel { get; }

    public (int D, int H, int W) Stride { get; }

    public (int D, int H, int W) Padding { get; }

    public int Groups { get; }

    public Tensor Weight { get; }

    public Tensor? Bias { get; }

    public Tensor Forward(Tensor x) => Ops.Conv3d(x, Weight, Bias, Stride, Padding, Groups);
}
