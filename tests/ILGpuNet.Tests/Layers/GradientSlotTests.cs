using ILGpuNet.Layers;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>
/// Every op that makes a parameter's gradient writes it into the parameter's slot of a flat buffer: the same
/// bits as into a tensor of its own, every element written (slots poisoned with NaN), on the CPU kernels and
/// on the CUDA variants (GPU-shaped CPU device, tiny sizes). Poisoning is device-wide, so no parallel tests.
/// </summary>
[Collection("PoolCounters")]
public class GradientSlotTests
{
    public static IEnumerable<object[]> Cases() =>
        from op in new[] { "conv3d", "conv3d_pointwise", "depthwise_conv3d", "batchnorm3d_silu", "linear", "squeeze_excitation" }
        from cuda in new[] { false, true }
        select new object[] { op, cuda };

    private static Tensor Param(Device device, RandomSource rng, params int[] shape)
    {
        var t = TensorScope.Keep(rng.Normal(device, shape, 0f, 0.5f));
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>The op under test over x and its parameters, reduced to a scalar with varied weights.</summary>
    private static (Tensor X, Tensor[] Parameters, Func<Tensor, Tensor> Forward) Build(string op, Device device, RandomSource rng)
    {
        switch (op)
        {
            case "conv3d":
            {
                var w = Param(device, rng, 4, 3, 3, 3, 3);
                var b = Param(device, rng, 4);
                return (rng.Normal(device, [2, 3, 5, 6, 5]), [w, b], x => Ops.Conv3d(x, w, b, 2, 1));
            }
            case "conv3d_pointwise":
            {
                var w = Param(device, rng, 6, 3, 1, 1, 1);
                var b = Param(device, rng, 6);
                return (rng.Normal(device, [2, 3, 4, 3, 5]), [w, b], x => Ops.Conv3d(x, w, b, 1));
            }
            case "depthwise_conv3d":
            {
                var w = Param(device, rng, 3, 1, 3, 3, 3);
                var b = Param(device, rng, 3);
                return (rng.Normal(device, [2, 3, 4, 5, 4]), [w, b], x => Ops.Conv3d(x, w, b, 1, 1, groups: 3));
            }
            case "batchnorm3d_silu":
            {
                var gamma = Param(device, rng, 3);
                var beta = Param(device, rng, 3);
                var mean = TensorScope.Keep(Tensor.Zeros(device, 3));
                var variance = TensorScope.Keep(Tensor.Full(device, 1f, 3));
                return (rng.Normal(device, [2, 3, 4, 5, 4]), [gamma, beta],
                    x => Ops.BatchNorm3d(x, gamma, beta, mean, variance, training: true, fuseSilu: true));
            }
            case "linear":
            {
                var w = Param(device, rng, 7, 9);
                var b = Param(device, rng, 7);
                return (rng.Normal(device, [3, 9]), [w, b], x => Ops.Linear(x, w, b));
            }
            case "squeeze_excitation":
            {
                var w1 = Param(device, rng, 2, 6, 1, 1, 1);
                var b1 = Param(device, rng, 2);
                var w2 = Param(device, rng, 6, 2, 1, 1, 1);
                var b2 = Param(device, rng, 6);
                return (rng.Normal(device, [2, 6, 3, 4, 3]), [w1, b1, w2, b2], x => Ops.SqueezeExcitation(x, w1, b1, w2, b2));
            }
            default:
                throw new ArgumentException(op);
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParameterGradientsGoStraightIntoTheirSlots(string op, bool cudaVariants)
    {
        var device = cudaVariants ? Device.GpuShapedCpu : Device.Cpu;
        var rng = new RandomSource(17);
        var (x, parameters, forward) = Build(op, device, rng);
        using var xKept = TensorScope.Keep(x);
        int outputs;
        using (new TensorScope())
        using (Autograd.NoGrad())
            outputs = checked((int)forward(x).Length);
        using var weights = TensorScope.Keep(rng.Normal(device, [outputs]));

        float[][] Gradients()
        {
            using (var scope = new TensorScope())
            {
                var y = forward(x);
                Autograd.Backward(Ops.Sum(Ops.Mul(Ops.Reshape(y, -1), weights)));
            }
            var grads = parameters.Select(p => p.Grad!.ToArray()).ToArray();
            foreach (var p in parameters)
            {
                p.Grad!.Dispose();
                p.Grad = null;
            }
            return grads;
        }

        var own = Gradients();
        using var flat = FlatParameters.Create(parameters);
        var poison = TensorPoison.Scope();
        try
        {
            float[][] slotted;
            using (var scope = new TensorScope())
            {
                var y = forward(x);
                Autograd.Backward(Ops.Sum(Ops.Mul(Ops.Reshape(y, -1), weights)));
                Assert.True(flat.AllGradsInSlots(), $"{op}: a gradient did not land in its slot");
                slotted = parameters.Select(p => p.Grad!.ToArray()).ToArray();
            }
            for (int i = 0; i < parameters.Length; i++) Assert.Equal(Bits(own[i]), Bits(slotted[i]));
        }
        finally
        {
            poison.Dispose();
            foreach (var p in parameters)
            {
                p.Grad?.Dispose();
                p.Grad = null;
            }
            flat.Dispose();
            foreach (var p in parameters) p.Dispose();
        }
    }
}
