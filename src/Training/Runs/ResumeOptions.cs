using System.Globalization;
using System.Text.Json;

namespace ILGpuNet.Training.Runs;

/// <summary>What <c>train --resume</c> made of the options given with it: the run's configuration with the changes applied, and those changes in words.</summary>
public sealed record ResumedConfig(TrainConfig Config, IReadOnlyList<string> Taken)
{
    public bool Changed => Taken.Count > 0;
}

/// <summary>
/// Which options <c>train --resume DIR</c> takes. A resumed run is the run of its config.json: options that would
/// change its model, its data or the course of its optimisation so far (task, grid, widths, seed, data, split,
/// normalisation, batch size, learning rate and schedule shape, optimizer, ...) are refused, with their names and
/// the run's values, unless they repeat the run's own value. Options that only decide how far and on what the run
/// goes on may change (<see cref="Changeable"/>):
/// <list type="bullet">
/// <item><c>--epochs</c>: more (or fewer) epochs; a cosine or step schedule then spans the new length from the
/// step the run reached, so the learning rate continues from where the longer schedule would be.</item>
/// <item><c>--patience</c>: the early stop is judged again with the new value (a stopped run may go on).</item>
/// <item><c>--grad-clip</c>: the clip of the steps to come (e.g. after a non-finite loss).</item>
/// <item><c>--workers</c>, <c>--sync-every</c>, <c>--device</c>: how the run is executed, not what it computes.</item>
/// </list>
/// </summary>
public static class ResumeOptions
{
    /// <summary>The options a resumed run takes, in the order they are reported.</summary>
    public static readonly IReadOnlyList<string> Changeable = ["--epochs", "--patience", "--grad-clip", "--workers", "--sync-every", "--device"];

    /// <summary>Options that are the run's own and must not change, with the config.json property each sets.</summary>
    private static readonly (string Option, string Property)[] Fixed =
    [
        ("--task", nameof(TrainConfig.Task)),
        ("--brainage-class", nameof(TrainConfig.BrainAgeClass)),
        ("--data", nameof(TrainConfig.Data)),
        ("--csv", nameof(TrainConfig.Csv)),
        ("--subjects", nameof(TrainConfig.SyntheticSubjects)),
        ("--batch-size", nameof(TrainConfig.BatchSize)),
        ("--lr", nameof(TrainConfig.LearningRate)),
        ("--optimizer", nameof(TrainConfig.Optimizer)),
        ("--weight-decay", nameof(TrainConfig.WeightDecay)),
        ("--schedule", nameof(TrainConfig.Schedule)),
        ("--warmup-epochs", nameof(TrainConfig.WarmupEpochs)),
        ("--grid", nameof(TrainConfig.Grid)),
        ("--downsample", nameof(TrainConfig.Downsample)),
        ("--width-mult", nameof(TrainConfig.WidthMult)),
        ("--depth-mult", nameof(TrainConfig.DepthMult)),
        ("--reference-head", nameof(TrainConfig.ReferenceHead)),
        ("--seed", nameof(TrainConfig.Seed)),
        ("--min-healthy-age", nameof(TrainConfig.MinHealthyAge)),
        ("--first-scan", nameof(TrainConfig.AllScans)),
        ("--no-augment", nameof(TrainConfig.Augment)),
        ("--normalization", nameof(TrainConfig.Normalization)),
        ("--class-loss-weight", nameof(TrainConfig.ClassLossWeight)),
        ("--init", nameof(TrainConfig.Init)),
    ];

    private static readonly HashSet<string> Flags = ["--reference-head", "--first-scan", "--no-augment"];

    /// <summary>
    /// The run's configuration <paramref name="saved"/> (its config.json, <paramref name="configFile"/>) with the
    /// changeable options among <paramref name="given"/> taken from <paramref name="requested"/> (the command
    /// line as a new run would read it). <paramref name="refusedElsewhere"/> adds refusals the command line
    /// judges itself (--out, --cache). A fixed option with another value than the run's is a
    /// <see cref="ConfigException"/> naming every such option, the value given and the run's.
    /// </summary>
    public static ResumedConfig Apply(TrainConfig saved, TrainConfig requested, ISet<string> given, string configFile,
        IEnumerable<string>? refusedElsewhere = null)
    {
        var refused = new List<string>();
        foreach (var (option, property) in Fixed)
        {
            if (!given.Contains(option)) continue;
            var info = typeof(TrainConfig).GetProperty(property)!;
            object? old = info.GetValue(saved), asked = info.GetValue(requested);
            if (Equals(old, asked)) continue;
            string field = JsonNamingPolicy.SnakeCaseLower.ConvertName(property);
            refused.Add(Flags.Contains(option)
                ? $"{option} (the run's {field} is {Text(old)})"
                : $"{option} {Text(asked)} (the run's {field} is {Text(old)})");
        }
        refused.AddRange(refusedElsewhere ?? []);
        if (refused.Count > 0)
            throw new ConfigException(
                $"--resume continues the run of {configFile} as it was configured; {string.Join(", ", refused)} would change its model, data or training. " +
                $"On resume only {string.Join(", ", Changeable)} may change; for a new run from its weights use train --init {Path.Combine(Path.GetDirectoryName(configFile) ?? ".", "best.safetensors")} --out NEW");

        bool Given(string option) => given.Contains(option);
        var config = saved with
        {
            Epochs = Given("--epochs") ? requested.Epochs : saved.Epochs,
            Patience = Given("--patience") ? requested.Patience : saved.Patience,
            GradClip = Given("--grad-clip") ? requested.GradClip : saved.GradClip,
            Workers = Given("--workers") ? requested.Workers : saved.Workers,
            SyncEvery = Given("--sync-every") ? requested.SyncEvery : saved.SyncEvery,
            Device = Given("--device") ? requested.Device : saved.Device,
        };
        var taken = new List<string>();
        void Took(string option, object old, object now, string? note = null)
        {
            if (!Equals(old, now)) taken.Add($"{option} {Text(old)} -> {Text(now)}{note}");
        }
        Took("--epochs", saved.Epochs, config.Epochs,
            config.Schedule == ScheduleKind.Constant ? null : $" (the {RunChoices.Schedule.Name(config.Schedule)} schedule now spans {config.Epochs} epochs)");
        Took("--patience", saved.Patience, config.Patience);
        Took("--grad-clip", saved.GradClip, config.GradClip);
        Took("--workers", saved.Workers, config.Workers);
        Took("--sync-every", saved.SyncEvery, config.SyncEvery);
        Took("--device", saved.Device, config.Device);
        return new ResumedConfig(config, taken);
    }

    /// <summary>A value as config.json writes it (choices by their names), unquoted; "none" for null.</summary>
    private static string Text(object? value) => value switch
    {
        null => "none",
        string s => s,
        double d => d.ToString("G", CultureInfo.InvariantCulture),
        float f => f.ToString("G", CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(value, value.GetType(), TrainConfig.Json).Trim('"'),
    };
}
