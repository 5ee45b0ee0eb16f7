using TorchSharp;
using static TorchSharp.torch;

namespace TorchPeer;

// The reference 3D EfficientNet (ILGpuNet's --config reference) in TorchSharp, module for module as
// benchmarks/gpu/torch_model.py writes it in PyTorch, so that the state_dict names are PyTorch's:
// first_layer.cnn.weight, features.{i}.depthwise_conv.bn.*, features.{i}.se.se.1.weight, classifier.1.weight, ...
// Submodules are registered by name (register_module) rather than by field reflection, so the names are spelled
// here once, as PyTorch spells them.

/// <summary>Conv3d, then BatchNorm3d (eps 1e-5, momentum 0.1) and SiLU unless switched off; bias-free like the reference.</summary>
internal sealed class CNNBlock3d : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> cnn, bn;
    private readonly bool act;

    public CNNBlock3d(long inputs, long outputs, long kernel, long stride = 1, long padding = 0, long groups = 1, bool act = true)
        : base(nameof(CNNBlock3d))
    {
        cnn = nn.Conv3d(inputs, outputs, kernel, stride, padding, groups: groups, bias: false);
        bn = nn.BatchNorm3d(outputs);
        this.act = act;
        register_module("cnn", cnn);
        register_module("bn", bn);
    }

    public override Tensor forward(Tensor x)
    {
        var y = bn.forward(cnn.forward(x));
        return act ? nn.functional.silu(y) : y;
    }
}

/// <summary>x * Sequential(AdaptiveAvgPool3d(1), Conv3d(c, r, 1), SiLU, Conv3d(r, c, 1), Sigmoid)(x), the Sequential named <c>se</c>.</summary>
internal sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> se;

    public SqueezeExcitation(long channels, long reduced) : base(nameof(SqueezeExcitation))
    {
        se = nn.Sequential(nn.AdaptiveAvgPool3d(1), nn.Conv3d(channels, reduced, 1), nn.SiLU(), nn.Conv3d(reduced, channels, 1), nn.Sigmoid());
        register_module("se", se);
    }

    public override Tensor forward(Tensor x) => x * se.forward(x);
}

/// <summary>Each sample's residual branch survives with probability p, scaled by 1/p, in training; the identity in eval.</summary>
internal sealed class StochasticDepth(double survival) : nn.Module<Tensor, Tensor>(nameof(StochasticDepth))
{
    public override Tensor forward(Tensor x)
    {
        if (!training) return x;
        var keep = rand(new long[] { x.shape[0], 1, 1, 1, 1 }).lt(survival);
        return x.div(survival) * keep;
    }
}

internal sealed class MBConv3d : nn.Module<Tensor, Tensor>
{
    private readonly CNNBlock3d? expand;
    private readonly CNNBlock3d depthwise, pointwise;
    private readonly SqueezeExcitation se;
    private readonly StochasticDepth? depth;

    public MBConv3d(long inputs, long outputs, long kernel, long stride, long padding, long expandRatio = 6, long reduction = 4)
        : base(nameof(MBConv3d))
    {
        long hidden = inputs * expandRatio;
        // int(in_channels / reduction) in the reference: truncation.
        long reduced = (long)((double)inputs / reduction);
        if (expandRatio != 1)
        {
            expand = new CNNBlock3d(inputs, hidden, 1);
            register_module("expand", expand);
        }
        depthwise = new CNNBlock3d(hidden, hidden, kernel, stride, padding, groups: hidden);
        se = new SqueezeExcitation(hidden, reduced);
        pointwise = new CNNBlock3d(hidden, outputs, 1, act: false);
        register_module("depthwise_conv", depthwise);
        register_module("se", se);
        register_module("pointwise_conv", pointwise);
        if (inputs == outputs && stride == 1)
        {
            depth = new StochasticDepth(0.8);
            register_module("stochastic_depth", depth);
        }
    }

    public override Tensor forward(Tensor inputs)
    {
        var x = expand != null ? expand.forward(inputs) : inputs;
        x = pointwise.forward(se.forward(depthwise.forward(x)));
        return depth != null ? depth.forward(x) + inputs : x;
    }
}

internal sealed class EfficientNet3d : nn.Module<Tensor, Tensor>
{
    /// <summary>At 2 classes (ENGINEERING.md; `ilgpunet model --grid G` prints ours).</summary>
    public static readonly Dictionary<string, long> ReferenceParameters = new()
    {
        ["91x109x91"] = 9_187_226,
        ["48x56x48"] = 3_452_826,
    };

    /// <summary>(kernel, stride, in, out, repeats) of the expand_ratio-1 stages; then MBConv3d(256, 512, k 1, expand_ratio 6).</summary>
    private static readonly (int Kernel, int Stride, int In, int Out, int Repeats)[] Stages =
        [(3, 1, 64, 64, 1), (5, 2, 64, 96, 1), (5, 2, 96, 128, 2), (5, 2, 128, 192, 3), (3, 1, 192, 256, 1)];

    private readonly CNNBlock3d firstLayer;
    private readonly nn.Module<Tensor, Tensor> pool, features, classifier;

    public EfficientNet3d(int classes, int[] grid) : base(nameof(EfficientNet3d))
    {
        firstLayer = new CNNBlock3d(1, 64, 7, stride: 2, padding: 3);
        pool = nn.MaxPool3d(1, 2);
        var blocks = new List<nn.Module<Tensor, Tensor>>();
        foreach (var (kernel, stride, inputs, outputs, repeats) in Stages)
            for (int r = 0; r < repeats; r++)
                blocks.Add(new MBConv3d(r == 0 ? inputs : outputs, outputs, kernel, r == 0 ? stride : 1, kernel / 2, expandRatio: 1));
        blocks.Add(new MBConv3d(256, 512, 1, 1, 0));
        features = nn.Sequential(blocks);
        // No activation between the Linear layers: the reference as it is (ENGINEERING.md).
        classifier = nn.Sequential(nn.Dropout(0.1), nn.Linear(512 * FeatureGrid(grid).Aggregate(1L, (a, n) => a * n), 400),
            nn.Linear(400, 64), nn.Linear(64, classes));
        register_module("first_layer", firstLayer);
        register_module("pool", pool);
        register_module("features", features);
        register_module("classifier", classifier);
    }

    public override Tensor forward(Tensor x) =>
        classifier.forward(features.forward(pool.forward(firstLayer.forward(x))).flatten(1));

    public long ParameterCount => parameters().Sum(p => p.numel());

    private static long ConvOut(long n, long kernel, long stride, long padding) => (n + 2 * padding - kernel) / stride + 1;

    /// <summary>The last feature map's spatial size: 3x4x3 at 91x109x91.</summary>
    public static long[] FeatureGrid(int[] grid)
    {
        var dims = grid.Select(n => ConvOut(ConvOut(n, 7, 2, 3), 1, 2, 0)).ToArray();
        foreach (var s in Stages) dims = dims.Select(n => ConvOut(n, s.Kernel, s.Stride, s.Kernel / 2)).ToArray();
        return dims;
    }

    /// <summary>The state_dict names ENGINEERING.md lists (as torch_model.py's expected_state_dict_names).</summary>
    public static List<string> ExpectedStateDictNames()
    {
        string[] bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"];
        var names = new List<string> { "first_layer.cnn.weight" };
        names.AddRange(bn.Select(b => $"first_layer.bn.{b}"));
        for (int i = 0; i < 9; i++)
        {
            string p = $"features.{i}";
            if (i == 8)
            {
                names.Add($"{p}.expand.cnn.weight");
                names.AddRange(bn.Select(b => $"{p}.expand.bn.{b}"));
            }
            names.Add($"{p}.depthwise_conv.cnn.weight");
            names.AddRange(bn.Select(b => $"{p}.depthwise_conv.bn.{b}"));
            foreach (int j in new[] { 1, 3 }) names.AddRange(new[] { "weight", "bias" }.Select(w => $"{p}.se.se.{j}.{w}"));
            names.Add($"{p}.pointwise_conv.cnn.weight");
            names.AddRange(bn.Select(b => $"{p}.pointwise_conv.bn.{b}"));
        }
        foreach (int j in new[] { 1, 2, 3 }) names.AddRange(new[] { "weight", "bias" }.Select(w => $"classifier.{j}.{w}"));
        return names;
    }

    /// <summary>A model whose state_dict names are the expected ones and, at a known grid, whose parameter count is ours.</summary>
    public static EfficientNet3d Build(int classes, int[] grid)
    {
        var model = new EfficientNet3d(classes, grid);
        var names = model.state_dict().Keys.Order(StringComparer.Ordinal).ToList();
        var expected = ExpectedStateDictNames().Order(StringComparer.Ordinal).ToList();
        if (!names.SequenceEqual(expected))
            throw new InvalidOperationException("state_dict names differ from ENGINEERING.md's: extra "
                + string.Join(", ", names.Except(expected)) + "; missing " + string.Join(", ", expected.Except(names)));
        if (classes == 2 && ReferenceParameters.TryGetValue(string.Join("x", grid), out long reference) && model.ParameterCount != reference)
            throw new InvalidOperationException($"{model.ParameterCount:N0} parameters at {string.Join("x", grid)}, ILGpuNet has {reference:N0}");
        return model;
    }
}
