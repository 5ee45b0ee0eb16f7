using ILGpuNet.Layers;
using ILGpuNet.Layers.Models;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;
using Xunit.Abstractions;

namespace ILGpuNet.Tests.Models;

/// <summary>Training-mode behaviour: BatchNorm's bookkeeping, the fused stochastic depth, and learning.</summary>
public class EfficientNet3dTrainingTests(ITestOutputHelper output)
{
    private static readonly Device Cpu = Device.Cpu;

    [Fact]
    public void BatchNormCountsTrainingForwardsAndUpdatesRunningStatisticsOnlyInTraining()
    {
        using var bn = new BatchNorm3d(Cpu, 3);
        using var scope = new TensorScope();
        var values = Enumerable.Range(0, 2 * 3 * 8).Select(i => (float)Math.Sin(i * 0.7) * 2 + 1).ToArray();
        var x = Tensor.FromArray(Cpu, values, 2, 3, 2, 2, 2);
        bn.Forward(x);
        bn.Forward(x, silu: true);
        Assert.Equal(2f, bn.NumBatchesTracked.Item());
        var mean = new double[3];
        var variance = Enumerable.Repeat(1.0, 3).ToArray();
        var x64 = values.Select(v => (double)v).ToArray();
        for (int i = 0; i < 2; i++) Reference.BatchNormRunningUpdate(x64, mean, variance, 2, 3, 8, 0.1);
        Assert.True(OpCheck.RelativeError(bn.RunningMean.ToArray(), mean) < 1e-5);
        Assert.True(OpCheck.RelativeError(bn.RunningVar.ToArray(), variance) < 1e-5);
        bn.Eval();
        bn.Forward(x);
        Assert.Equal(2f, bn.NumBatchesTracked.Item());
        Assert.True(OpCheck.RelativeError(bn.RunningMean.ToArray(), mean) < 1e-5);
    }

    [Fact]
    public void ResidualBlockAppliesStochasticDepthInsideBatchNorm()
    {
        const int samples = 8;
        const float survival = 0.5f;
        var rng = new RandomSource(21);
        using var block = new MBConv3d(Cpu, new MBConvSpec(8, 8, 3, 1, 1), survival, rng);
        using var scope = new TensorScope();
        var x = new RandomSource(4).Normal(Cpu, [samples, 8, 3, 4, 3]);
        var (seed, offset) = rng.State;
        var y = block.Forward(x).ToArray();
        // The branch alone, as the unfused reference computes it: pointwise BN of the same input (same batch statistics).
        var branch = block.Pointwise.Forward(block.Squeeze.Forward(block.Depthwise.Forward(x))).ToArray();
        var keep = Reference.StochasticDepthMask(seed, offset, samples, survival);
        Assert.Contains(true, keep);
        Assert.Contains(false, keep);
        var xs = x.ToArray();
        int inner = xs.Length / samples;
        var expected = xs.Select((v, i) => v + (keep[i / inner] ? branch[i] / (double)survival : 0.0)).ToArray();
        Assert.True(OpCheck.RelativeError(y, expected) < 1e-5);
        block.Eval();
        var before = rng.Offset;
        block.Forward(x);
        Assert.Equal(before, rng.Offset);  // evaluation draws nothing
    }

    [Fact]
    [Trait("Tier", "Slow")]
    public void TinyDoubleHeadedModelOverfitsEightVolumes()
    {
        var config = EfficientNet3dTests.Tiny(ModelHeads.Double);
        using var model = new EfficientNet3d(Cpu, config, new RandomSource(2));
        using var optimizer = new Adam(model.Parameters(), 3e-3);
        var g = config.Grid;
        var data = new RandomSource(8);
        using var x = TensorScope.Keep(data.Normal(Cpu, [8, 1, g.D, g.H, g.W]));
        int[] labels = [0, 1, 1, 0, 1, 0, 0, 1];
        using var age = TensorScope.Keep(data.Normal(Cpu, [8]));
        float first = 0, last = 0;
        int steps = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (steps < 150)
        {
            using var scope = new TensorScope();
            optimizer.ZeroGrad();
            var result = model.Forward(x);
            var loss = Ops.Add(Ops.CrossEntropy(result.Logits!, labels), Ops.MseLoss(result.Age!, age));
            Autograd.Backward(loss);
            optimizer.Step();
            last = loss.Item();
            if (steps++ == 0) first = last;
            if (last < 0.05f * first) break;
        }
        output.WriteLine($"loss {first:F4} -> {last:F4} in {steps} steps, {watch.ElapsedMilliseconds} ms");
        Assert.True(last < 0.05f * first, $"loss {first} -> {last} after {steps} steps");
    }
}
