namespace ILGpuNet.Layers.Models;

/// <summary>What the network predicts: see <see cref="EfficientNet3d"/> for the head modules and their names.</summary>
public enum ModelHeads
{
    /// <summary><c>classifier.*</c> with k outputs: logits.</summary>
    Classification,

    /// <summary><c>classifier.*</c> with one output: age (the reference's regression model).</summary>
    Regression,

    /// <summary>A shared trunk with <c>classifier.*</c> (k logits) and <c>age_head.*</c> (age), for the brain-age gap.</summary>
    Double,
}

/// <summary>One MBConv3d block: channels, cubic kernel, stride, expansion; padding is kernel / 2 throughout.</summary>
public readonly record struct MBConvSpec(int Inputs, int Outputs, int Kernel, int Stride, int ExpandRatio)
{
    public int Padding => Kernel / 2;

    public int Hidden => Inputs * ExpandRatio;

    /// <summary>The reference's squeeze width: int(in / reduction) with reduction 4, from the block input, not the hidden width.</summary>
    public int Reduced => Inputs / EfficientNet3dConfig.SqueezeReduction;

    public bool HasExpand => ExpandRatio != 1;

    public bool HasResidual => Inputs == Outputs && Stride == 1;
}

/// <summary>
/// The 3D EfficientNet of ENGINEERING.md and its variants. <see cref="Reference"/> is the blog model exactly;
/// a plain <c>new EfficientNet3dConfig()</c> has the same architecture with our two departures switched on
/// (they change no parameter or multiply-add count):
/// <list type="bullet">
/// <item><see cref="ClassifierActivation"/>: SiLU between the head's Linear layers (the reference has none, so its
/// three Linear layers collapse to one linear map).</item>
/// <item><see cref="StochasticDepthFollowsArgument"/>: MBConv's stochastic depth uses <see cref="SurvivalProbability"/>
/// (the reference's MBConv ignores its constructor argument and always builds StochasticDepth(p = 0.8)).</item>
/// </list>
/// </summary>
public sealed record EfficientNet3dConfig
{
    /// <summary>The survival probability the reference hard-codes in MBConv3d.</summary>
    public const float ReferenceSurvival = 0.8f;

    public const int SqueezeReduction = 4;

    /// <summary>Widths of the head's hidden Linear layers (input -> 400 -> 64 -> outputs).</summary>
    public const int HeadHidden1 = 400, HeadHidden2 = 64;

    /// <summary>Stem output channels and the (kernel, stride, in, out, repeats) stages at width and depth 1.</summary>
    private const int StemChannels = 64;
    public const int StemKernel = 7, StemStride = 2, StemPadding = 3, PoolKernel = 1, PoolStride = 2;
    private static readonly (int Kernel, int Stride, int In, int Out, int Repeats)[] Stages =
        [(3, 1, 64, 64, 1), (5, 2, 64, 96, 1), (5, 2, 96, 128, 2), (5, 2, 128, 192, 3), (3, 1, 192, 256, 1)];
    private const int LastChannels = 512, LastExpandRatio = 6;

    /// <summary>Input volume (D, H, W); one channel. The MNI152 2 mm grid by default.</summary>
    public (int D, int H, int W) Grid { get; init; } = (91, 109, 91);

    /// <summary>Channel multiplier, rounded as <see cref="RoundChannels"/> does.</summary>
    public double WidthMultiplier { get; init; } = 1.0;

    /// <summary>Repeat multiplier of the five stages: ceil(repeats x multiplier); the final 256 -> 512 block stays single.</summary>
    public double DepthMultiplier { get; init; } = 1.0;

    /// <summary>Dropout before each head's first Linear layer.</summary>
    public float DropoutRate { get; init; } = 0.1f;

    /// <summary>Stochastic depth's survival probability p (used only with <see cref="StochasticDepthFollowsArgument"/>).</summary>
    public float SurvivalProbability { get; init; } = ReferenceSurvival;

    /// <summary>Departure: SiLU between the head's Linear layers. Reference: none.</summary>
    public bool ClassifierActivation { get; init; } = true;

    /// <summary>Departure: honour <see cref="SurvivalProbability"/>. Reference: always 0.8.</summary>
    public bool StochasticDepthFollowsArgument { get; init; } = true;

    public ModelHeads Heads { get; init; } = ModelHeads.Classification;

    /// <summary>Classes k of the classification head (two logits for a binary task, as the reference uses).</summary>
    public int Classes { get; init; } = 2;

    /// <summary>The blog's model exactly: no classifier activation, survival fixed at 0.8, MNI152 2 mm input.</summary>
    public static EfficientNet3dConfig Reference(int classes = 2) =>
        new() { Classes = classes, ClassifierActivation = false, StochasticDepthFollowsArgument = false };

    /// <summary>The survival probability MBConv blocks use.</summary>
    public float EffectiveSurvival => StochasticDepthFollowsArgument ? SurvivalProbability : ReferenceSurvival;

    public bool HasClassifier => Heads != ModelHeads.Regression;

    /// <summary>Outputs of the module named <c>classifier</c>: k logits, or the age for the regression model.</summary>
    public int ClassifierOutputs => Heads == ModelHeads.Regression ? 1 : Classes;

    public int Stem => RoundChannels(StemChannels);

    /// <summary>The MBConv3d blocks <c>features.0..</c> in order (9 at depth 1).</summary>
    public IReadOnlyList<MBConvSpec> Blocks
    {
        get
        {
            var blocks = new List<MBConvSpec>();
            foreach (var (k, s, cin, cout, repeats) in Stages)
            {
                int n = (int)Math.Ceiling(repeats * DepthMultiplier);
                for (int i = 0; i < n; i++)
                    blocks.Add(new MBConvSpec(RoundChannels(i == 0 ? cin : cout), RoundChannels(cout), k, i == 0 ? s : 1, 1));
            }
            blocks.Add(new MBConvSpec(RoundChannels(Stages[^1].Out), RoundChannels(LastChannels), 1, 1, LastExpandRatio));
            return blocks;
        }
    }

    /// <summary>Channels of the last feature map.</summary>
    public int FeatureChannels => RoundChannels(LastChannels);

    /// <summary>The feature map's grid before the classifier (3 x 4 x 3 at 91 x 109 x 91), by the layers' output-size formulas.</summary>
    public (int D, int H, int W) FeatureGrid
    {
        get
        {
            Validate();
            var g = Grid;
            foreach (var (_, k, s, p) in GridSteps()) g = ConvOutput(g, k, s, p);
            return g;
        }
    }

    /// <summary>Inputs of the heads' first Linear layer: channels x feature grid.</summary>
    public int HeadInputs
    {
        get
        {
            var g = FeatureGrid;
            return checked(FeatureChannels * g.D * g.H * g.W);
        }
    }

    /// <summary>
    /// EfficientNet's channel rounding (the paper's reference code, round_filters): c x multiplier rounded to the
    /// nearest multiple of 8 (at least 8), raised by 8 where that rounding lost more than 10 %. At width 1 every
    /// width of the reference (multiples of 8) stays as it is.
    /// </summary>
    public int RoundChannels(int channels)
    {
        const int divisor = 8;
        double scaled = channels * WidthMultiplier;
        int rounded = Math.Max(divisor, (int)(scaled + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * scaled) rounded += divisor;
        return rounded;
    }

    /// <summary>PyTorch's convolution/pooling output size per axis: (I + 2p - k) / s + 1.</summary>
    public static (int D, int H, int W) ConvOutput((int D, int H, int W) g, int kernel, int stride, int padding) =>
        ((g.D + 2 * padding - kernel) / stride + 1, (g.H + 2 * padding - kernel) / stride + 1, (g.W + 2 * padding - kernel) / stride + 1);

    /// <summary>Throws ArgumentException with a one-line reason when the configuration cannot be built.</summary>
    public void Validate()
    {
        if (Grid.D < 1 || Grid.H < 1 || Grid.W < 1 || Grid.D > MaxGridSize || Grid.H > MaxGridSize || Grid.W > MaxGridSize)
            throw new ArgumentException($"grid {GridText}: every size must be between 1 and {MaxGridSize}");
        if (!(WidthMultiplier > 0 && WidthMultiplier <= 16))
            throw new ArgumentException($"width multiplier {WidthMultiplier} must lie in (0, 16]");
        if (!(DepthMultiplier > 0 && DepthMultiplier <= 16))
            throw new ArgumentException($"depth multiplier {DepthMultiplier} must lie in (0, 16]");
        if (!(DropoutRate >= 0 && DropoutRate < 1))
            throw new ArgumentException($"dropout rate {DropoutRate} must lie in [0, 1)");
        if (!(SurvivalProbability > 0 && SurvivalProbability <= 1))
            throw new ArgumentException($"stochastic-depth survival probability {SurvivalProbability} must lie in (0, 1]");
        if (HasClassifier && Classes < 2)
            throw new ArgumentException($"{Classes} classes: a classification head needs at least 2");
        // Every layer pads by kernel / 2 or more than half its window, so any size >= 1 keeps every output >= 1;
        // the walk checks it anyway, so that a changed stage table cannot slip an empty layer through.
        var g = Grid;
        foreach (var (name, k, s, p) in GridSteps())
        {
            g = ConvOutput(g, k, s, p);
            if (g.D < 1 || g.H < 1 || g.W < 1)
                throw new ArgumentException($"grid {GridText} is too small for the network: {name} (kernel {k}, stride {s}, padding {p}) would have no output voxels");
        }
    }

    private IEnumerable<(string Name, int Kernel, int Stride, int Padding)> GridSteps()
    {
        yield return ("first_layer", StemKernel, StemStride, StemPadding);
        yield return ("max_pool", PoolKernel, PoolStride, 0);
        var blocks = Blocks;
        for (int i = 0; i < blocks.Count; i++) yield return ($"features.{i}", blocks[i].Kernel, blocks[i].Stride, blocks[i].Padding);
    }

    /// <summary>Largest size per axis: keeps every count of the summary and every per-sample buffer in range.</summary>
    public const int MaxGridSize = 1024;

    public string GridText => $"{Grid.D}x{Grid.H}x{Grid.W}";

    /// <summary>Parses "DxHxW", e.g. 91x109x91.</summary>
    public static (int D, int H, int W) ParseGrid(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)))
            throw new ArgumentException($"grid '{text}' is not of the form DxHxW (for example 91x109x91)");
        var n = parts.Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (n[0], n[1], n[2]);
    }
}
