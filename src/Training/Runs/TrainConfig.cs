using System.Text.Json;
using System.Text.Json.Serialization;
using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// Everything that defines a run, written to config.json so that a run can be resumed, evaluated and
/// repeated. Defaults follow the reference where it is sound (batch 32, 70/20/10, Adam 1e-3) and depart
/// where it is not: the split is by subject, classes are weighted, and the classifier has an activation
/// unless <see cref="ReferenceHead"/> asks for the reference's three collapsed Linear layers. The choices
/// are enums, written to config.json by their option names (<see cref="RunChoices"/>); a config.json read
/// back (<see cref="Read"/>) is checked exactly as the options of a new run are (<see cref="Validate"/>).
/// </summary>
public sealed record TrainConfig
{
    public TrainTask Task { get; init; } = TrainTask.Cdr;

    /// <summary>brainage only: what the classification head predicts (cdr or sex).</summary>
    public ClassLabel BrainAgeClass { get; init; } = ClassLabel.Cdr;

    /// <summary>OASIS layout folder; null trains on the synthetic cohort.</summary>
    public string? Data { get; init; }
    public string? Csv { get; init; }

    /// <summary>Where the synthetic cohort of a run without <see cref="Data"/> lives (set when the run starts).</summary>
    public string? SyntheticData { get; init; }

    /// <summary>Subjects of the synthetic cohort when <see cref="Data"/> is null.</summary>
    public int SyntheticSubjects { get; init; } = 240;

    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>
    /// --precision as asked (fp32, tf32, 3xtf32): how convolutions and matrix products multiply on CUDA; the CPU
    /// accelerator computes in FP32 whatever is asked. A run recorded before it existed reads as fp32 (what it computed in).
    /// </summary>
    public Precision Precision { get; init; } = Precision.Tf32;
    public int Epochs { get; init; } = 30;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    public double WeightDecay { get; init; }
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;
    public double WarmupEpochs { get; init; } = 1;

    /// <summary>Epochs without a better validation loss before stopping; 0 never stops early.</summary>
    public int Patience { get; init; } = 10;

    /// <summary>The model's input grid (volumes are conformed, downsampled or cropped to it).</summary>
    public string Grid { get; init; } = "91x109x91";

    /// <summary>Block-average factor applied before fitting volumes to <see cref="Grid"/> (1: none, 2: 4 mm).</summary>
    public int Downsample { get; init; } = 1;

    public double WidthMult { get; init; } = 1.0;
    public double DepthMult { get; init; } = 1.0;
    public double Dropout { get; init; } = 0.1;
    public double SurvivalProbability { get; init; } = 0.8;
    public bool ReferenceHead { get; init; }
    public ulong Seed { get; init; } = 42;

    /// <summary>
    /// Weights the run starts from (<c>train --init</c>: a checkpoint of train or import, or a PyTorch state_dict
    /// of the same model); only the weights: the optimizer starts fresh. Null: PyTorch's initialisation from <see cref="Seed"/>.
    /// </summary>
    public string? Init { get; init; }
    public VolumeNormalization Normalization { get; init; } = VolumeNormalization.ZScore;

    /// <summary>cdr task: drop healthy subjects younger than this (OASIS's usual 62); null keeps all.</summary>
    public float? MinHealthyAge { get; init; }

    /// <summary>Use every scan and session (true) or one scan per subject.</summary>
    public bool AllScans { get; init; } = true;

    public bool Augment { get; init; } = true;
    public double TrainFraction { get; init; } = 0.7;
    public double ValFraction { get; init; } = 0.2;
    public double TestFraction { get; init; } = 0.1;

    /// <summary>
    /// Subject-level k-fold cross-validation (<c>--folds</c>): k runs, each testing on one fold, validating on part of
    /// the others (train:val as <see cref="TrainFraction"/>:<see cref="ValFraction"/>; <see cref="TestFraction"/> unused).
    /// Null: one run with one train/val/test split.
    /// </summary>
    public int? Folds { get; init; }

    /// <summary>In a fold's own run folder: which fold (1-based) of the <see cref="Folds"/> this run is.</summary>
    public int? Fold { get; init; }

    /// <summary>The share of a fold's non-test subjects that validates: the single split's train:val ratio.</summary>
    [JsonIgnore] public double FoldValShare => ValFraction / (TrainFraction + ValFraction);

    /// <summary>brainage: weight of the classification loss against the age loss (standardised years).</summary>
    public double ClassLossWeight { get; init; } = 1.0;

    /// <summary>Global gradient-norm clip; 0 disables.</summary>
    public double GradClip { get; init; } = 5.0;

    /// <summary>Loader threads; the default is one per core left over by the host thread that drives the device.</summary>
    public int Workers { get; init; } = DefaultWorkers;

    /// <summary>About one loader worker per spare core (at least 1, at most 8: beyond that the cache serves the epochs).</summary>
    public static int DefaultWorkers => Math.Clamp(Environment.ProcessorCount - 1, 1, 8);

    /// <summary>
    /// Training steps between reads of the loss from the device (and progress updates). The host does not
    /// wait for the device in between; a non-finite loss is still reported at the step where it happened.
    /// </summary>
    public int SyncEvery { get; init; } = 20;

    /// <summary>Why the run picked a smaller configuration than asked (the CPU default), for the log.</summary>
    public string? SizingNote { get; init; }

    /// <summary>The folder the run reads: --data, or the synthetic cohort.</summary>
    [JsonIgnore] public string DataRoot => Data ?? SyntheticData ?? throw new ConfigException("the run has neither --data nor a synthetic cohort");

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { RunChoices.Task.Json, RunChoices.ClassLabel.Json, RunChoices.Optimizer.Json, RunChoices.Schedule.Json,
                       RunChoices.Normalization.Json, RunChoices.Device.Json, RunChoices.Precision.Json },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// Reads a run's config.json and validates it like the options of a new run; every problem is a
    /// <see cref="ConfigException"/> naming the file and the field.
    /// </summary>
    public static TrainConfig Read(string path)
    {
        TrainConfig config;
        string text = File.ReadAllText(path);
        try
        {
            config = JsonSerializer.Deserialize<TrainConfig>(text, Json) ?? throw new JsonException("the document is null");
        }
        catch (JsonException e)
        {
            // System.Text.Json appends its own "Path: $.x | LineNumber: ..." to messages it writes; the field is named here instead.
            string problem = e.Message.Split(" Path: ")[0];
            throw new ConfigException(e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal)
                ? $"{path}: {p[2..]}: {problem}"
                : $"{path}: not a run configuration ({problem}, line {e.LineNumber + 1})");
        }
        config.Validate(path);
        // A run recorded before --precision existed computed in FP32, and resumes so.
        return text.Contains("\"precision\"", StringComparison.Ordinal) ? config : config with { Precision = Precision.Fp32 };
    }

    /// <summary>
    /// Checks the values a user can get wrong. The message names the option, or with <paramref name="configFile"/>
    /// (a config.json read back) the file and the field.
    /// </summary>
    public void Validate(string? configFile = null)
    {
        string Name(string property) => configFile is null
            ? "--" + property switch { nameof(LearningRate) => "lr", nameof(SyntheticSubjects) => "subjects", _ => JsonNamingPolicy.KebabCaseLower.ConvertName(property) }
            : $"{configFile}: {JsonNamingPolicy.SnakeCaseLower.ConvertName(property)}";
        void Check(bool valid, string property, string problem)
        {
            if (!valid) throw new ConfigException($"{Name(property)} {problem}");
        }

        Check(Epochs >= 1, nameof(Epochs), $"must be at least 1, got {Epochs}");
        Check(BatchSize >= 1, nameof(BatchSize), $"must be at least 1, got {BatchSize}");
        Check(LearningRate > 0, nameof(LearningRate), $"must be positive, got {LearningRate}");
        Check(WeightDecay >= 0, nameof(WeightDecay), $"must not be negative, got {WeightDecay}");
        Check(WarmupEpochs >= 0, nameof(WarmupEpochs), $"must not be negative, got {WarmupEpochs}");
        Check(Patience >= 0, nameof(Patience), $"must not be negative, got {Patience}");
        Check(WidthMult > 0, nameof(WidthMult), $"must be positive, got {WidthMult}");
        Check(DepthMult > 0, nameof(DepthMult), $"must be positive, got {DepthMult}");
        Check(Downsample >= 1, nameof(Downsample), $"must be at least 1, got {Downsample}");
        Check(ClassLossWeight >= 0, nameof(ClassLossWeight), $"must not be negative, got {ClassLossWeight}");
        if (TrainFraction <= 0 || ValFraction <= 0 || TestFraction < 0 || Math.Abs(TrainFraction + ValFraction + TestFraction - 1) > 1e-9)
            throw new ConfigException((configFile is null ? "split fractions" : $"{configFile}: train_fraction, val_fraction and test_fraction") +
                                      $" must be positive (test may be 0) and add up to 1, got {TrainFraction}/{ValFraction}/{TestFraction}");
        Check(Folds is null or >= 2, nameof(Folds), $"must be at least 2, got {Folds}");
        Check(Fold is null || (Folds is int k && Fold >= 1 && Fold <= k), nameof(Fold), $"must be between 1 and the folds ({Folds}), got {Fold}");
        Check(Workers >= 1, nameof(Workers), $"must be at least 1, got {Workers}");
        Check(SyncEvery >= 1, nameof(SyncEvery), $"must be at least 1, got {SyncEvery}");
        Check(SyntheticSubjects >= 20, nameof(SyntheticSubjects), $"must be at least 20, got {SyntheticSubjects}");
        Check(Data is null || Directory.Exists(Data), nameof(Data), $"{Data}: no such directory");
        Check(Csv is null || File.Exists(Csv), nameof(Csv), $"{Csv}: no such file");
        Check(Init is null || File.Exists(Init), nameof(Init), $"{Init}: no such checkpoint");
        ValidateModel(configFile);
    }

    /// <summary>The model the configuration asks for, validated (grid, widths, dropout, survival probability).</summary>
    private void ValidateModel(string? configFile)
    {
        EfficientNet3dConfig model;
        try
        {
            model = RunModels.ModelConfig(this);
        }
        catch (FormatException e)
        {
            throw new ConfigException($"{(configFile is null ? "--grid" : $"{configFile}: grid")}: {e.Message}");
        }
        try
        {
            model.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ConfigException((configFile is null ? "" : $"{configFile}: ") + e.Message);
        }
    }
}
