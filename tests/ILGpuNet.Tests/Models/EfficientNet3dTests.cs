using ILGpuNet.Layers;
using ILGpuNet.Layers.Models;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;
using Xunit.Abstractions;

namespace ILGpuNet.Tests.Models;

/// <summary>The reference model's counts, names and shapes; the modules' behaviour; a tiny model that learns.</summary>
public class EfficientNet3dTests(ITestOutputHelper output)
{
    private static readonly Device Cpu = Device.Cpu;

    /// <summary>A small model on a 16 x 20 x 16 grid: 8..64 channels, 1 x 1 x 1 feature map.</summary>
    internal static EfficientNet3dConfig Tiny(ModelHeads heads = ModelHeads.Classification) =>
        new() { Grid = (16, 20, 16), WidthMultiplier = 0.125, Heads = heads };

    [Fact]
    public void ReferenceSummaryHasThePublishedTotals()
    {
        var config = EfficientNet3dConfig.Reference(classes: 2);
        var summary = ModelSummary.Of(config);
        Assert.Equal(9_187_226, summary.Parameters);
        Assert.Equal(2_741_831_680, summary.MultiplyAdds);
        Assert.Equal((3, 4, 3), config.FeatureGrid);
        Assert.Equal(512 * 3 * 4 * 3, config.HeadInputs);
        Assert.Equal(9, config.Blocks.Count);
        // The stem is 93 % of the work (ENGINEERING.md).
        Assert.InRange(summary.Rows.Single(r => r.Name == "first_layer").MultiplyAdds / (double)summary.MultiplyAdds, 0.93, 0.94);
        Assert.Equal([64, 46, 55, 46], summary.Rows.Single(r => r.Name == "first_layer").Output);
        Assert.Equal([64, 23, 28, 23], summary.Rows.Single(r => r.Name == "max_pool").Output);
    }

    [Fact]
    public void SummaryCountsTheParametersTheModulesHold()
    {
        EfficientNet3dConfig[] configs =
        [
            Tiny(),
            Tiny(ModelHeads.Double) with { Classes = 5 },
            Tiny(ModelHeads.Regression) with { WidthMultiplier = 0.3, DepthMultiplier = 1.4 },
            Tiny() with { Grid = (24, 30, 20), DepthMultiplier = 0.5 },
        ];
        foreach (var config in configs)
        {
            using var model = new EfficientNet3d(Cpu, config, new RandomSource(1));
            Assert.Equal(ModelSummary.Of(config).Parameters, model.ParameterCount);
            Assert.Equal(config.Blocks.Count, model.Features.Count);
        }
    }

    [Fact]
    public void StateDictNamesOfTheReferenceAreThePyTorchKeys()
    {
        using var model = new EfficientNet3d(Cpu, EfficientNet3dConfig.Reference(), new RandomSource(1));
        string[] bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"];
        var expected = new List<string> { "first_layer.cnn.weight" };
        expected.AddRange(bn.Select(b => "first_layer.bn." + b));
        for (int i = 0; i <= 8; i++)
        {
            string[] blocks = i == 8 ? ["expand", "depthwise_conv", "pointwise_conv"] : ["depthwise_conv", "pointwise_conv"];
            foreach (var block in blocks)
            {
                expected.Add($"features.{i}.{block}.cnn.weight");
                expected.AddRange(bn.Select(b => $"features.{i}.{block}.bn.{b}"));
            }
            expected.AddRange(new[] { "1", "3" }.SelectMany(k => new[] { $"features.{i}.se.se.{k}.weight", $"features.{i}.se.se.{k}.bias" }));
        }
        expected.AddRange(new[] { "1", "2", "3" }.SelectMany(k => new[] { $"classifier.{k}.weight", $"classifier.{k}.bias" }));
        var actual = model.NamedParameters().Concat(model.NamedBuffers()).Select(p => p.Name).ToList();
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        // Shapes of a few, as PyTorch holds them.
        var shapes = model.NamedParameters().Concat(model.NamedBuffers()).ToDictionary(p => p.Name, p => p.Tensor.Shape);
        Assert.Equal([64, 1, 7, 7, 7], shapes["first_layer.cnn.weight"]);
        Assert.Equal([96, 1, 5, 5, 5], shapes["features.2.depthwise_conv.cnn.weight"]);
        Assert.Equal([64, 1536, 1, 1, 1], shapes["features.8.se.se.1.weight"]);
        Assert.Equal([400, 18432], shapes["classifier.1.weight"]);
        Assert.Empty(shapes["first_layer.bn.num_batches_tracked"]);
    }

    [Fact]
    public void DoubleHeadedModelNamesItsAgeHead()
    {
        using var model = new EfficientNet3d(Cpu, Tiny(ModelHeads.Double) with { Classes = 3 }, new RandomSource(1));
        var names = model.NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains("age_head.1.weight", names);
        Assert.Contains("age_head.3.bias", names);
        Assert.Equal([3, 64], model.Classifier.Last.Weight.Shape);
        Assert.Equal([1, 64], model.AgeHead!.Last.Weight.Shape);
    }

    [Fact]
    public void ReferenceForwardGivesTheFeatureMapAndLogits()
    {
        var config = EfficientNet3dConfig.Reference();
        using var model = new EfficientNet3d(Cpu, config, new RandomSource(3));
        model.Eval();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using (Autograd.NoGrad())
        using (new TensorScope())
        {
            var x = new RandomSource(9).Normal(Cpu, [1, 1, 91, 109, 91]);
            var map = model.FeatureMap(x);
            Assert.Equal([1, 512, 3, 4, 3], map.Shape);
            var result = model.Predict(map);
            Assert.Null(result.Age);
            Assert.Equal([1, 2], result.Logits!.Shape);
            Assert.All(result.Logits.ToArray(), v => Assert.True(float.IsFinite(v)));
        }
        output.WriteLine($"reference forward, batch 1, CPU accelerator: {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void ChannelRoundingAndRepeatsFollowEfficientNet()
    {
        var half = new EfficientNet3dConfig { WidthMultiplier = 0.125 };
        Assert.Equal(8, half.RoundChannels(64));
        Assert.Equal(16, half.RoundChannels(96));   // 12 rounds to 16 (nearest multiple of 8, ties up)
        var w11 = new EfficientNet3dConfig { WidthMultiplier = 1.1 };
        Assert.Equal(104, w11.RoundChannels(96));   // 105.6 -> 104, within 90 %
        Assert.Equal(72, w11.RoundChannels(64));    // 70.4 -> 72
        var w03 = new EfficientNet3dConfig { WidthMultiplier = 0.3 };
        Assert.Equal(24, w03.RoundChannels(64));    // 19.2 -> 16 loses 17 %: raised to 24
        Assert.Equal(8, new EfficientNet3dConfig { WidthMultiplier = 0.01 }.RoundChannels(64));
        var deep = new EfficientNet3dConfig { DepthMultiplier = 1.2 };
        Assert.Equal(2 + 2 + 3 + 4 + 2 + 1, deep.Blocks.Count);  // ceil(1.2), ceil(1.2), ceil(2.4), ceil(3.6), ceil(1.2) + the last
        Assert.Equal(1 + 1 + 1 + 2 + 1 + 1, new EfficientNet3dConfig { DepthMultiplier = 0.5 }.Blocks.Count);
    }

    [Fact]
    public void DeparturesAreSwitchesAndTheReferenceKeepsItsBehaviour()
    {
        var reference = EfficientNet3dConfig.Reference() with { SurvivalProbability = 0.5f };
        Assert.False(reference.ClassifierActivation);
        Assert.Equal(0.8f, reference.EffectiveSurvival);
        var ours = new EfficientNet3dConfig { SurvivalProbability = 0.5f };
        Assert.True(ours.ClassifierActivation);
        Assert.Equal(0.5f, ours.EffectiveSurvival);
        using var model = new EfficientNet3d(Cpu, Tiny() with { SurvivalProbability = 0.6f, StochasticDepthFollowsArgument = false }, new RandomSource(1));
        Assert.All(model.Features.Where(f => f.Depth != null), f => Assert.Equal(0.8f, f.Depth!.Survival));
        // Residual (and so stochastic depth) where in == out and stride 1: features.0, 3, 5, 6.
        Assert.Equal([0, 3, 5, 6], Enumerable.Range(0, model.Features.Count).Where(i => model.Features[i].Depth != null));
    }
}
