using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Models;

/// <summary>What the model returns: logits (N, classes) and/or age (N); null where the configuration has no such head.</summary>
public readonly record struct ModelOutput(Tensor? Logits, Tensor? Age);

/// <summary>
/// The 3D EfficientNet of ENGINEERING.md: <c>first_layer</c> (CNNBlock3d(1, 64, 7, stride 2, padding 3)) ->
/// MaxPool3d(kernel 1, stride 2) -> <c>features.0..8</c> (MBConv3d) -> flatten -> heads. Parameter and buffer
/// names are the reference's PyTorch state_dict keys. Heads (<see cref="ModelHeads"/>): <c>classifier.*</c> gives
/// the logits, or the age for a regression model; the double-headed model adds <c>age_head.*</c> (the same
/// Dropout -> Linear x 3 stack) for the age, both reading the shared flattened features.
/// </summary>
public sealed class EfficientNet3d : Module
{
    private readonly List<MBConv3d> features = new();

    /// <summary>Builds the model on <paramref name="device"/>, initialised as PyTorch does from <paramref name="rng"/>, which dropout and stochastic depth keep drawing from.</summary>
    public EfficientNet3d(Device device, EfficientNet3dConfig config, RandomSource rng)
    {
        config.Validate();
        Config = config;
        FirstLayer = Child("first_layer", new CNNBlock3d(device, 1, config.Stem, EfficientNet3dConfig.StemKernel, rng,
            EfficientNet3dConfig.StemStride, EfficientNet3dConfig.StemPadding));
        var blocks = config.Blocks;
        for (int i = 0; i < blocks.Count; i++)
            features.Add(Child($"features.{i}", new MBConv3d(device, blocks[i], config.EffectiveSurvival, rng)));
        Classifier = Child("classifier", new PredictionHead(device, config.HeadInputs, config.ClassifierOutputs, config.DropoutRate, config.ClassifierActivation, rng));
        if (config.Heads == ModelHeads.Double)
            AgeHead = Child("age_head", new PredictionHead(device, config.HeadInputs, 1, config.DropoutRate, config.ClassifierActivation, rng));
    }

    public EfficientNet3dConfig Config { get; }

    /// <summary>Per-layer shapes, parameters and multiply-adds of this configuration.</summary>
    public ModelSummary Summary() => ModelSummary.Of(Config);

    public CNNBlock3d FirstLayer { get; }

    public IReadOnlyList<MBConv3d> Features => features;

    /// <summary>Logits (k outputs), or the age for <see cref="ModelHeads.Regression"/>.</summary>
    public PredictionHead Classifier { get; }

    /// <summary>The age head of the double-headed model.</summary>
    public PredictionHead? AgeHead { get; }

    /// <summary>x (N, 1, D, H, W) on the configured grid.</summary>
    public ModelOutput Forward(Tensor x) => Predict(FeatureMap(x));

    /// <summary>The trunk: x (N, 1, D, H, W) to the feature map (N, channels, feature grid), 512 x 3 x 4 x 3 for the reference.</summary>
    public Tensor FeatureMap(Tensor x)
    {
        var g = Config.Grid;
        if (x.Rank != 5 || x.Dim(1) != 1 || x.Dim(2) != g.D || x.Dim(3) != g.H || x.Dim(4) != g.W)
            throw new ArgumentException($"EfficientNet3d: input {x.ShapeText} does not match the configured (N, 1, {g.D}, {g.H}, {g.W})");
        var h = FirstLayer.Forward(x);
        int pk = EfficientNet3dConfig.PoolKernel, ps = EfficientNet3dConfig.PoolStride;
        h = Ops.MaxPool3d(h, (pk, pk, pk), (ps, ps, ps), (0, 0, 0));
        foreach (var block in features) h = block.Forward(h);
        return h;
    }

    /// <summary>The heads on a feature map from <see cref="FeatureMap"/>, flattened as PyTorch's view(N, -1).</summary>
    public ModelOutput Predict(Tensor featureMap)
    {
        int n = featureMap.Dim(0);
        var flat = Ops.Reshape(featureMap, n, -1);
        var head = Classifier.Forward(flat);
        return Config.Heads switch
        {
            ModelHeads.Classification => new ModelOutput(head, null),
            ModelHeads.Regression => new ModelOutput(null, Ops.Reshape(head, n)),
            _ => new ModelOutput(head, Ops.Reshape(AgeHead!.Forward(flat), n)),
        };
    }
}
