using System.Text.Json;
using System.Text.Json.Serialization;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// Everything that defines a run, written to config.json so that a run can be resumed, evaluated and
/// repeated. Defaults follow the reference where it is sound (batch 32, 70/20/10, Adam 1e-3) and depart
/// where it is not: the split is by subject, classes are weighted, and the classifier has an activation
/// unless <see cref="ReferenceHead"/> asks for the reference's three collapsed Linear layers.
/// </summary>
public sealed record TrainConfig
{
    public string Task { get; init; } = "cdr";

    /// <summary>brainage only: what the classification head predicts (cdr or sex).</summary>
    public string BrainAgeClass { get; init; } = "cdr";

    /// <summary>OASIS layout folder; null trains on the synthetic cohort.</summary>
    public string? Data { get; init; }
    public string? Csv { get; init; }

    /// <summary>Where the synthetic cohort of a run without <see cref="Data"/> lives (set when the run starts).</summary>
    public string? SyntheticData { get; init; }

    /// <summary>Subjects of the synthetic cohort when <see cref="Data"/> is null.</summary>
    public int SyntheticSubjects { get; init; } = 240;

    public string Device { get; init; } = "auto";

    /// <summary>
    /// --precision as asked (fp32, tf32, 3xtf32): how convolutions and matrix products multiply on CUDA; the CPU
    /// accelerator computes in FP32 whatever is asked. A run recorded before it existed reads as fp32 (what it computed in).
    /// </summary>
    public string Precision { get; init; } = "tf32";
    public int Epochs { get; init; } = 30;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public string Optimizer { get; init; } = "adam";
    public double WeightDecay { get; init; }
    public string Schedule { get; init; } = "cosine";
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
    public string Normalization { get; init; } = "zscore";

    /// <summary>cdr task: drop healthy subjects younger than this (OASIS's usual 62); null keeps all.</summary>
    public float? MinHealthyAge { get; init; }

    /// <summary>Use every scan and session (true) or one scan per subject.</summary>
    public bool AllScans { get; init; } = true;

    public bool Augment { get; init; } = true;
    public double TrainFraction { get; init; } = 0.7;
    public double ValFraction { get; init; } = 0.2;
    public double TestFraction { get; init; } = 0.1;

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
    [JsonIgnore] public string DataRoot => Data ?? SyntheticData ?? throw new InvalidOperationException("the run has neither --data nor a synthetic cohort");

    [JsonIgnore] public TrainTask TaskKind => TrainTasks.Parse(Task);
    [JsonIgnore] public ClassLabel BrainAgeLabel => TrainTasks.ParseClassLabel(BrainAgeClass);

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainConfig FromJson(string path, string text)
    {
        var config = RunJson.Read<TrainConfig>(path, text, Json, "not a run configuration");
        // A run recorded before --precision existed computed in FP32, and resumes so.
        return text.Contains("\"precision\"", StringComparison.Ordinal) ? config : config with { Precision = "fp32" };
    }

    /// <summary>Checks values a user can get wrong; the message names the option.</summary>
    public void Validate()
    {
        _ = TaskKind;
        _ = BrainAgeLabel;
        if (Precision is not ("fp32" or "tf32" or "3xtf32")) throw new ArgumentException($"--precision must be fp32, tf32 or 3xtf32, got '{Precision}'");
        if (Epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {Epochs}");
        if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}");
        if (!(LearningRate > 0)) throw new ArgumentException($"--lr must be positive, got {LearningRate}");
        if (WeightDecay < 0) throw new ArgumentException($"--weight-decay must not be negative, got {WeightDecay}");
        if (Optimizer is not ("adam" or "adamw" or "sgd")) throw new ArgumentException($"--optimizer must be adam, adamw or sgd, got '{Optimizer}'");
        if (Schedule is not ("cosine" or "step" or "constant")) throw new ArgumentException($"--schedule must be cosine, step or constant, got '{Schedule}'");
        if (WarmupEpochs < 0) throw new ArgumentException($"--warmup-epochs must not be negative, got {WarmupEpochs}");
        if (Patience < 0) throw new ArgumentException($"--patience must not be negative, got {Patience}");
        if (!(WidthMult > 0) || !(DepthMult > 0)) throw new ArgumentException("--width-mult and --depth-mult must be positive");
        if (Downsample < 1) throw new ArgumentException($"--downsample must be at least 1, got {Downsample}");
        if (TrainFraction <= 0 || ValFraction <= 0 || TestFraction < 0 || Math.Abs(TrainFraction + ValFraction + TestFraction - 1) > 1e-9)
            throw new ArgumentException("split fractions must be positive and add up to 1");
        if (Workers < 1) throw new ArgumentException($"--workers must be at least 1, got {Workers}");
        if (SyncEvery < 1) throw new ArgumentException($"--sync-every must be at least 1, got {SyncEvery}");
        if (SyntheticSubjects < 20) throw new ArgumentException($"--subjects must be at least 20, got {SyntheticSubjects}");
        if (Data is not null && !Directory.Exists(Data)) throw new ArgumentException($"--data {Data}: no such directory");
        if (Csv is not null && !File.Exists(Csv)) throw new ArgumentException($"--csv {Csv}: no such file");
        try
        {
            RunModels.ModelConfig(this).Validate();
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"--grid: {e.Message}");
        }
    }
}
