using ILGpuNet.Layers;
using ILGpuNet.Layers.Models;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Models;

/// <summary>
/// The whole model through the CUDA kernel variants (shared-memory tiles, block reductions, barriers),
/// run on the CPU accelerator with GPU-shaped groups: forward and backward there must give what the CPU
/// variants give (measured: outputs 1e-7, convolution gradients 1e-6, the classifier's small bias
/// gradients 1e-4 relative; barriers make this the slowest test, about 2 minutes on 2 cores). Each op is checked alone elsewhere; this catches what only their composition shows
/// (shapes the op checks never hit, views and strides handed from one op to the next).
/// </summary>
[Trait("Tier", "Slow")]
public class EfficientNet3dCudaVariantTests
{
    // Evaluation mode: BatchNorm with running statistics. In training mode the last blocks' 1x1x1 maps of a
    // tiny input normalise two values per channel, and that ill-conditioned backward amplifies the last-bit
    // differences of any two summation orders (the training-mode BatchNorm kernels are checked alone).
    private static (float[] Logits, float[] Age, float[][] Grads, string[] Names) Step(Device device)
    {
        var config = new EfficientNet3dConfig
        {
            Grid = (12, 14, 12), WidthMultiplier = 0.125, Heads = ModelHeads.Double, DropoutRate = 0f, SurvivalProbability = 1f,
        };
        using var model = new EfficientNet3d(device, config, new RandomSource(8));
        model.Eval();
        using var scope = new TensorScope();
        var x = new RandomSource(9).Normal(device, [2, 1, 12, 14, 12]);
        var output = model.Forward(x);
        var loss = Ops.Add(Ops.CrossEntropy(output.Logits!, [0, 1]), Ops.MseLoss(output.Age!, Tensor.FromArray(device, [0.5f, -0.5f], 2)));
        Autograd.Backward(loss);
        var named = model.NamedParameters().ToList();
        return (output.Logits!.ToArray(), output.Age!.ToArray(), named.Select(p => p.Tensor.Grad!.ToArray()).ToArray(), named.Select(p => p.Name).ToArray());
    }

    [Fact]
    public void ForwardAndBackwardWithTheCudaKernelsMatchTheCpuKernels()
    {
        var cpu = Step(Device.Cpu);
        var cuda = Step(Device.GpuShapedCpu);
        Assert.True(OpCheck.RelativeError(cuda.Logits, cpu.Logits.Select(v => (double)v).ToArray()) < 1e-4);
        Assert.True(OpCheck.RelativeError(cuda.Age, cpu.Age.Select(v => (double)v).ToArray()) < 1e-4);
        var errors = cpu.Names.Select((name, i) => (name, error: OpCheck.RelativeError(cuda.Grads[i], cpu.Grads[i].Select(v => (double)v).ToArray())))
            .OrderByDescending(e => e.error).ToList();
        Assert.True(errors[0].error < 1e-3, $"gradient of {errors[0].name} differs by {errors[0].error:G3}; next: " +
            string.Join(", ", errors.Skip(1).Take(4).Select(e => $"{e.name} {e.error:G3}")));
    }
}
