using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Models;

/// <summary>
/// The reference's CNNBlock3d: Conv3d without bias (<c>cnn</c>) -> BatchNorm3d (<c>bn</c>) -> SiLU when
/// <see cref="Activation"/>. The activation, and the MBConv residual with its stochastic-depth scale, run
/// inside the BatchNorm pass (one read and one write of the activation instead of up to three of each).
/// </summary>
public sealed class CNNBlock3d : Module
{
    public CNNBlock3d(Device device, int inputs, int outputs, int kernel, RandomSource rng, int stride = 1, int padding = 0,
        int groups = 1, bool activation = true)
    {
        Activation = activation;
        Conv = Child("cnn", new Conv3d(device, inputs, outputs, kernel, rng, stride, padding, groups, bias: false));
        Norm = Child("bn", new BatchNorm3d(device, outputs));
    }

    public bool Activation { get; }

    public Conv3d Conv { get; }

    public BatchNorm3d Norm { get; }

    /// <summary>branchScale[n] * act(bn(conv(x))) + residual; residual and branch scale are optional.</summary>
    public Tensor Forward(Tensor x, Tensor? residual = null, Tensor? branchScale = null) =>
        Norm.Forward(Conv.Forward(x), Activation, residual, branchScale);
}
