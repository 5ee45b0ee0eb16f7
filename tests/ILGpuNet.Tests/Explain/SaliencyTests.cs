using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Explain;

namespace ILGpuNet.Tests.Explain;

/// <summary>
/// The saliency maps against what they must be: the gradient map is |d logit / d input| (central finite differences
/// of the model's own forward), samples of a batch do not mix, Grad-CAM's channel weights are the mean gradient of the
/// heads (finite differences of the heads over the feature map), and the model is left as it was found.
/// </summary>
public class SaliencyTests
{
    private static readonly Device Cpu = Device.Cpu;

    private static EfficientNet3dConfig Tiny(ModelHeads heads = ModelHeads.Classification) =>
        new() { Grid = (16, 20, 16), WidthMultiplier = 0.125, Heads = heads, DropoutRate = 0.5f };

    private static float[] Input(EfficientNet3dConfig config, int seed)
    {
        var g = config.Grid;
        var random = new Random(seed);
        return Enumerable.Range(0, g.D * g.H * g.W).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>The model's output for one input (evaluation mode, no tape): a class logit or the age.</summary>
    private static double Output(EfficientNet3d model, float[] input, SaliencyTarget target, int cls)
    {
        var g = model.Config.Grid;
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var output = model.Forward(Tensor.FromArray(Cpu, input, 1, 1, g.D, g.H, g.W));
        return target == SaliencyTarget.Age ? output.Age!.ToArray()[0] : output.Logits!.ToArray()[cls];
    }

    [Theory]
    [InlineData(ModelHeads.Classification, SaliencyTarget.Class, 1)]
    [InlineData(ModelHeads.Classification, SaliencyTarget.Class, 0)]
    [InlineData(ModelHeads.Double, SaliencyTarget.Age, 0)]
    public void GradientMapIsTheAbsoluteGradientOfTheChosenOutput(ModelHeads heads, SaliencyTarget target, int cls)
    {
        var config = Tiny(heads);
        using var model = new EfficientNet3d(Cpu, config, new RandomSource(5));
        var input = Input(config, 1);
        var map = Saliency.Compute(model, [input], new SaliencyOptions { Target = target, Class = cls }, Cpu)[0];
        Assert.True(model.Training);  // the mode is restored
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));  // no parameter gradient was made

        model.Eval();
        // The voxels with the largest gradients and a few others, against central differences in the model's own float32.
        var voxels = map.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(6).Select(p => p.i)
            .Concat(new[] { 0, 777, 2345, map.Length - 1 }).ToList();
        const float h = 1e-2f;
        double largest = map.Max();
        foreach (int i in voxels)
        {
            var plus = (float[])input.Clone();
            var minus = (float[])input.Clone();
            plus[i] += h;
            minus[i] -= h;
            double fd = (Output(model, plus, target, cls) - Output(model, minus, target, cls)) / (2 * h);
            Assert.True(Math.Abs(Math.Abs(fd) - map[i]) <= 0.02 * largest + 1e-4,
                $"voxel {i}: map {map[i]:G5}, |finite difference| {Math.Abs(fd):G5} (largest gradient {largest:G5})");
        }
    }

    [Fact]
    public void SamplesOfABatchDoNotMix()
    {
        var config = Tiny();
        using var model = new EfficientNet3d(Cpu, config, new RandomSource(6));
        float[] a = Input(config, 2), b = Input(config, 3);
        var together = Saliency.Compute(model, [a, b], new SaliencyOptions { BatchSize = 2 }, Cpu);
        var alone = Saliency.Compute(model, [b], new SaliencyOptions(), Cpu)[0];
        Assert.Equal(2, together.Length);
        for (int i = 0; i < alone.Length; i++) Assert.Equal(alone[i], together[1][i], 1e-5f * (1 + alone[i]));
    }

    [Fact]
    public void SmoothGradWithoutNoiseIsTheGradientAndWithNoiseIsRepeatable()
    {
        var config = Tiny();
        using var model = new EfficientNet3d(Cpu, config, new RandomSource(7));
        var input = Input(config, 4);
        var gradient = Saliency.Compute(model, [input], new SaliencyOptions(), Cpu)[0];
        var quiet = Saliency.Compute(model, [input], new SaliencyOptions { Method = SaliencyMethod.SmoothGrad, Samples = 3, Noise = 0 }, Cpu)[0];
        for (int i = 0; i < gradient.Length; i++) Assert.Equal(gradient[i], quiet[i], 1e-5f * (1 + gradient[i]));
        var noisy = new SaliencyOptions { Method = SaliencyMethod.SmoothGrad, Samples = 3, Noise = 0.2, BatchSize = 2 };
        var first = Saliency.Compute(model, [input], noisy, Cpu)[0];
        Assert.Equal(first, Saliency.Compute(model, [input], noisy, Cpu)[0]);
        Assert.NotEqual(gradient, first);
    }

    [Fact]
    public void GradCamWeighsTheLastFeaturesByTheHeadsMeanGradient()
    {
        var config = Tiny() with { Grid = (32, 40, 32) };
        Assert.Equal((1, 2, 1), config.FeatureGrid);
        using var model = new EfficientNet3d(Cpu, config, new RandomSource(8));
        var input = Input(config, 5);
        var map = Saliency.Compute(model, [input], new SaliencyOptions { Method = SaliencyMethod.GradCam, Class = 1 }, Cpu)[0];

        // Reference: the feature map, the heads' gradient by central differences, the weighted sum, ReLU, upsampling.
        model.Eval();
        var g = config.Grid;
        float[] features;
        using (new TensorScope())
        using (Autograd.NoGrad())
            features = model.FeatureMap(Tensor.FromArray(Cpu, input, 1, 1, g.D, g.H, g.W)).ToArray();
        double Logit(float[] f)
        {
            using var scope = new TensorScope();
            using var noGrad = Autograd.NoGrad();
            var fg = config.FeatureGrid;
            return model.Predict(Tensor.FromArray(Cpu, f, 1, config.FeatureChannels, fg.D, fg.H, fg.W)).Logits!.ToArray()[1];
        }
        int cells = 2, channels = config.FeatureChannels;
        var cam = new double[cells];
        const float h = 1e-2f;
        for (int c = 0; c < channels; c++)
        {
            double weight = 0;
            for (int s = 0; s < cells; s++)
            {
                var plus = (float[])features.Clone();
                var minus = (float[])features.Clone();
                plus[c * cells + s] += h;
                minus[c * cells + s] -= h;
                weight += (Logit(plus) - Logit(minus)) / (2 * h) / cells;
            }
            for (int s = 0; s < cells; s++) cam[s] += weight * features[c * cells + s];
        }
        var expected = Trilinear.Resize(cam.Select(v => (float)Math.Max(0, v)).ToArray(), new(1, 2, 1), new(g.D, g.H, g.W));
        double scale = Math.Max(1e-3, expected.Max());
        for (int i = 0; i < map.Length; i++) Assert.True(Math.Abs(map[i] - expected[i]) <= 1e-3 * scale, $"voxel {i}: {map[i]} vs {expected[i]}");
        Assert.All(map, v => Assert.True(v >= 0));
    }

    [Fact]
    public void AMissingHeadIsAUserError()
    {
        Assert.NotNull(Saliency.TargetProblem(Tiny(), new SaliencyOptions { Target = SaliencyTarget.Age }));
        Assert.NotNull(Saliency.TargetProblem(Tiny(ModelHeads.Regression), new SaliencyOptions()));
        Assert.NotNull(Saliency.TargetProblem(Tiny(), new SaliencyOptions { Class = 2 }));
        Assert.Null(Saliency.TargetProblem(Tiny(ModelHeads.Double), new SaliencyOptions { Target = SaliencyTarget.Age }));
        using var model = new EfficientNet3d(Cpu, Tiny(), new RandomSource(1));
        Assert.Throws<UserErrorException>(() => Saliency.Compute(model, [Input(Tiny(), 1)], new SaliencyOptions { Target = SaliencyTarget.Age }, Cpu));
    }
}
