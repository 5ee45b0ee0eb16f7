using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

/// <summary>nn.Linear: y = x W^T + b, W (out, in), PyTorch's initialisation.</summary>
public sealed class Linear : Module
{
    public Linear(Device device, int inputs, int outputs, RandomSource rng, bool bias = true)
    {
        Inputs = inputs;
        Outputs = outputs;
        Weight = Parameter("weight", Tensor.Empty(device, outputs, inputs));
        Init.KaimingUniform(Weight, inputs, rng);
        if (bias)
        {
            Bias = Parameter("bias", Tensor.Empty(device, outputs));
            Init.BiasUniform(Bias, inputs, rng);
        }
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public Tensor Weight { get; }

    public Tensor? Bias { get; }

    public Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);
}

/// <summary>nn.Dropout: active in training mode only.</summary>
public sealed class Dropout(float p, RandomSource rng) : Module
{
    public float P { get; } = p;

    public Tensor Forward(Tensor x) => Ops.Dropout(x, P, Training, rng);
}
