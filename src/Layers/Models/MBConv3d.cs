using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Models;

/// <summary>
/// The reference's MBConv3d: <c>expand</c> (1x1x1 CNNBlock3d to in x expand_ratio channels, only when the ratio
/// is not 1) -> <c>depthwise_conv</c> (CNNBlock3d with groups = hidden) -> <c>se</c> (SqueezeExcitation to
/// int(in / 4)) -> <c>pointwise_conv</c> (1x1x1 CNNBlock3d, no activation); when in == out and stride 1,
/// out = StochasticDepth(branch) + x. The residual add and the stochastic-depth factors are applied by the
/// pointwise BatchNorm in its own pass.
/// </summary>
public sealed class MBConv3d : Module
{
    public MBConv3d(Device device, MBConvSpec spec, float survival, RandomSource rng)
    {
        Spec = spec;
        if (spec.HasExpand) Expand = Child("expand", new CNNBlock3d(device, spec.Inputs, spec.Hidden, 1, rng));
        Depthwise = Child("depthwise_conv", new CNNBlock3d(device, spec.Hidden, spec.Hidden, spec.Kernel, rng, spec.Stride, spec.Padding, groups: spec.Hidden));
        Squeeze = Child("se", new SqueezeExcitation(device, spec.Hidden, spec.Reduced, rng));
        Pointwise = Child("pointwise_conv", new CNNBlock3d(device, spec.Hidden, spec.Outputs, 1, rng, activation: false));
        // Holds no state (so no state_dict name), registered for its training flag.
        if (spec.HasResidual) Depth = Child("stochastic_depth", new StochasticDepth(survival, rng));
    }

    public MBConvSpec Spec { get; }

    public CNNBlock3d? Expand { get; }

    public CNNBlock3d Depthwise { get; }

    public SqueezeExcitation Squeeze { get; }

    public CNNBlock3d Pointwise { get; }

    public StochasticDepth? Depth { get; }

    public Tensor Forward(Tensor x)
    {
        var h = Expand != null ? Expand.Forward(x) : x;
        h = Squeeze.Forward(Depthwise.Forward(h));
        if (Depth == null) return Pointwise.Forward(h);
        var factors = Depth.Factors(x.Device, x.Dim(0));
        var y = Pointwise.Forward(h, residual: x, branchScale: factors);
        // BatchNorm keeps its own reference for its backward; the in-order stream still hands them to the queued kernel.
        factors?.Dispose();
        return y;
    }
}
