using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

/// <summary>
/// The reference model's SqueezeExcitation(c, r): nn.Sequential(AdaptiveAvgPool3d(1), Conv3d(c, r, 1),
/// SiLU, Conv3d(r, c, 1), Sigmoid) named <c>se</c>, so its convolutions are <c>se.1</c> and <c>se.3</c>;
/// out = x * gate. The forward is the fused <see cref="Ops.SqueezeExcitation"/>.
/// </summary>
public sealed class SqueezeExcitation : Module
{
    public SqueezeExcitation(Device device, int channels, int reduced, RandomSource rng)
    {
        if (reduced <= 0) throw new ArgumentException($"SqueezeExcitation: {channels} channels reduce to {reduced}; it must be at least 1");
        Channels = channels;
        Reduced = reduced;
        Reduce = Child("se.1", new Conv3d(device, channels, reduced, 1, rng));
        Expand = Child("se.3", new Conv3d(device, reduced, channels, 1, rng));
    }

    public int Channels { get; }

    public int Reduced { get; }

    public Conv3d Reduce { get; }

    public Conv3d Expand { get; }

    public Tensor Forward(Tensor x) => Ops.SqueezeExcitation(x, Reduce.Weight, Reduce.Bias!, Expand.Weight, Expand.Bias!);
}
