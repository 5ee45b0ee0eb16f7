using ILGpuNet.Layers;
using ILGpuNet.Layers.Models;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Models;

/// <summary>
/// A training step of the (tiny) EfficientNet3d with its parameters in an optimizer's flat buffers: the
/// backward pass fills the gradient slots with no extra launch and the same bits, and clipping plus the
/// Adam step take 4 launches (3 fused) whatever the number of parameter tensors. The profiler counts
/// launches device-wide, so no parallel tests.
/// </summary>
[Collection("PoolCounters")]
public class EfficientNet3dFlatStepTests
{
    private static readonly Device Cpu = Device.Cpu;

    private static long Launches(Action work) => KernelProfiler.Run(Cpu, work).Launches;

    [Fact]
    public void TheUpdateOfAllParametersTakesAFewLaunches()
    {
        var config = EfficientNet3dTests.Tiny();
        var rng = new RandomSource(2);
        using var model = new EfficientNet3d(Cpu, config, rng);
        var g = config.Grid;
        using var x = TensorScope.Keep(new RandomSource(8).Normal(Cpu, [2, 1, g.D, g.H, g.W]));
        var start = rng.State;  // the same stochastic-depth and dropout draws in every pass
        var parameters = model.Parameters();

        void Backward()
        {
            rng.State = start;
            using var scope = new TensorScope();
            Autograd.Backward(Ops.CrossEntropy(model.Forward(x).Logits!, [0, 1]));
        }
        int[][] Gradients() => parameters.Select(p => p.Grad!.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray()).ToArray();

        long ownLaunches = Launches(Backward);
        var own = Gradients();
        foreach (var p in parameters)
        {
            p.Grad!.Dispose();
            p.Grad = null;
        }

        using var adam = new Adam(parameters, 1e-3);
        Assert.True(parameters.Count > 30);
        long slotLaunches = Launches(Backward);
        Assert.True(adam.Flat!.AllGradsInSlots());
        Assert.Equal(ownLaunches, slotLaunches);
        var slotted = Gradients();
        for (int i = 0; i < own.Length; i++) Assert.Equal(own[i], slotted[i]);

        adam.Step();  // the first step also creates (fills) the two flat state buffers
        adam.ZeroGrad();
        Backward();
        Assert.Equal(4, Launches(() =>
        {
            using var scope = new TensorScope();
            GradClip.ClipGlobalNorm(adam.Parameters, maxNorm: 1e-3f);
            adam.Step();
        }));
        Assert.True(adam.LastStepWasFlat);

        adam.ZeroGrad();
        Backward();
        Assert.Equal(3, Launches(() =>
        {
            using var scope = new TensorScope();
            adam.ClipGradNormAndStep(maxNorm: 1e-3f);
        }));
        Assert.True(adam.LastStepWasFlat);
        Assert.Equal(Enumerable.Repeat(3L, parameters.Count), adam.ParameterSteps);
        adam.ZeroGrad();
    }
}
