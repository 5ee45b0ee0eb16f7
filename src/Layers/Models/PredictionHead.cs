using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Models;

/// <summary>
/// The reference classifier as nn.Sequential(Dropout, Linear(in, 400), Linear(400, 64), Linear(64, outputs)):
/// Linear layers at indices 1, 2, 3. With <c>activation</c> (our departure) SiLU follows the first two Linear
/// layers; the indices stay 1, 2, 3 so that checkpoints load with or without it.
/// </summary>
public sealed class PredictionHead : Module
{
    public PredictionHead(Device device, int inputs, int outputs, float dropout, bool activation, RandomSource rng)
    {
        Activation = activation;
        Drop = Child("0", new Dropout(dropout, rng));
        First = Child("1", new Linear(device, inputs, EfficientNet3dConfig.HeadHidden1, rng));
        Second = Child("2", new Linear(device, EfficientNet3dConfig.HeadHidden1, EfficientNet3dConfig.HeadHidden2, rng));
        Last = Child("3", new Linear(device, EfficientNet3dConfig.HeadHidden2, outputs, rng));
    }

    public bool Activation { get; }

    public Dropout Drop { get; }

    public Linear First { get; }

    public Linear Second { get; }

    public Linear Last { get; }

    /// <summary>x (N, inputs) -> (N, outputs).</summary>
    public Tensor Forward(Tensor x)
    {
        var h = First.Forward(Drop.Forward(x));
        if (Activation) h = Ops.Silu(h);
        h = Second.Forward(h);
        if (Activation) h = Ops.Silu(h);
        return Last.Forward(h);
    }
}
