using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;
using Xunit.Abstractions;

namespace ILGpuNet.Tests.Layers;

/// <summary>Stochastic depth: per-sample Philox masks, the reference model's keep rule, identity in evaluation.</summary>
public class StochasticDepthTests(ITestOutputHelper output)
{
    private static readonly Device Cpu = Device.Cpu;

    /// <summary>The CPU accelerator, its CUDA-shaped sibling, and a CUDA GPU where there is one.</summary>
    private static IEnumerable<Device> DevicesUnderTest()
    {
        yield return Cpu;
        yield return Device.GpuShapedCpu;
        if (Device.List().Any(d => d.Kind == "cuda")) yield return Device.Open(DeviceKind.Cuda);
    }

    [Fact]
    public void EvaluationIsTheIdentityAndDrawsNothing()
    {
        using var scope = new TensorScope();
        var x = Tensor.Full(Cpu, 2f, 4, 3, 2, 2, 2);
        x.RequiresGrad = true;
        var rng = new RandomSource(1);
        Assert.Same(x, Ops.StochasticDepth(x, 0.8f, training: false, rng));
        Assert.Equal(0UL, rng.Offset);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.StochasticDepth(x, 0f, training: true, rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.StochasticDepth(x, 1.5f, training: true, rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.StochasticDepth(x, float.NaN, training: true, rng));
    }

    [Fact]
    public void MasksArePerSampleFollowPhiloxAndAreTheSameOnEveryDevice()
    {
        const int samples = 11;
        const float p = 0.8f;
        int[] shape = [samples, 3, 2, 3, 2];
        int inner = 36;
        float scale = Ops.StochasticDepthScale(p);
        foreach (ulong seed in new ulong[] { 0, 42, 0xDEADBEEF })
        {
            var keep = Reference.StochasticDepthMask(seed, 7, samples, p);
            foreach (var device in DevicesUnderTest())
            {
                using var scope = new TensorScope();
                var rng = new RandomSource(seed, 7);
                var x = Tensor.Full(device, 1f, shape);
                x.RequiresGrad = true;
                var y = Ops.StochasticDepth(x, p, training: true, rng);
                Assert.Equal(7UL + 3, rng.Offset);  // 11 values take ceil(11 / 4) = 3 blocks
                var yv = y.ToArray();
                for (int i = 0; i < yv.Length; i++) Assert.Equal(keep[i / inner] ? scale : 0f, yv[i]);
                rng.Uniform(Tensor.Empty(device, 9));  // the source moves on before backward runs
                Autograd.Backward(y, Tensor.Full(device, 3f, shape));
                var g = x.Grad!.ToArray();
                for (int i = 0; i < g.Length; i++) Assert.Equal(keep[i / inner] ? 3f * scale : 0f, g[i]);
                x.Grad.Dispose();
            }
        }
    }

    [Fact]
    public void TheCheckSeedExercisesBothBranches()
    {
        // OpChecks.StochasticDepths relies on its (seed, offset) keeping some samples and dropping others.
        const ulong seed = 0x5D0_0000_0042UL, offset = 0xFFFF_FFFFUL;
        var half = Reference.StochasticDepthMask(seed, offset, 6, 0.5f);
        var model = Reference.StochasticDepthMask(seed, offset, 6, 0.8f);
        output.WriteLine($"p 0.5: {string.Join(" ", half)}; p 0.8: {string.Join(" ", model)}");
        Assert.Contains(true, half);
        Assert.Contains(false, half);
        Assert.Contains(true, model);
    }

    [Fact]
    public void SamplesSurviveWithProbabilityP()
    {
        const int samples = 200_000;
        const float p = 0.8f;
        using var scope = new TensorScope();
        var y = Ops.StochasticDepth(Tensor.Full(Cpu, 1f, samples, 1), p, training: true, new RandomSource(99)).ToArray();
        double kept = y.Count(v => v != 0f) / (double)samples, sigma = Math.Sqrt(p * (1 - p) / samples);
        output.WriteLine($"kept {kept:F5}, expected {p} +- {5 * sigma:E1}");
        Assert.InRange(kept, p - 5 * sigma, p + 5 * sigma);
    }

    [Fact]
    public void StochasticDepthKernelsCompileForSm90()
    {
        var results = PtxCompiler.CompileAll("sm_90", "StochasticDepthKernels").ToList();
        Assert.Single(results);
        Assert.True(results[0].Ok, results[0].Error);
    }
}
