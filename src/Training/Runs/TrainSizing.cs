namespace ILGpuNet.Training.Runs;

/// <summary>
/// The configuration the main command picks when the user leaves the sizes open. On a GPU that is the
/// reference model at 91x109x91. The CPU accelerator cannot train that within minutes, so there the run
/// takes a quarter-resolution grid (4 mm, 48x56x48), a narrower model and a smaller cohort, sized so the
/// README's main command (generation, training, evaluation) finishes within 10 minutes on 2 cores.
/// Options the user gave are never overridden.
/// </summary>
public static class TrainSizing
{
    /// <summary>The CPU accelerator's defaults, applied to every option the user did not set.</summary>
    public static readonly TrainConfig CpuDefaults = new()
    {
        Grid = "48x56x48",
        Downsample = 2,
        WidthMult = 0.25,
        DepthMult = 1.0,
        BatchSize = 8,
        Epochs = 12,
        SyntheticSubjects = 160,
        LearningRate = 1e-3,  // 2e-3 oscillated for the first epochs and stalled at chance for some seeds (issue 14 notes)
        WarmupEpochs = 1,
        Patience = 0,
    };

    /// <summary>Fills the unset sizes for the device and says what it chose.</summary>
    public static TrainConfig Apply(TrainConfig config, bool cpu, ISet<string> userSet)
    {
        if (!cpu) return config;
        var d = CpuDefaults;
        var chosen = new List<string>();
        T Pick<T>(string option, T given, T small)
        {
            if (userSet.Contains(option) || EqualityComparer<T>.Default.Equals(given, small)) return given;
            chosen.Add($"{option} {small}");
            return small;
        }
        var sized = config with
        {
            Grid = Pick("--grid", config.Grid, d.Grid),
            Downsample = Pick("--downsample", config.Downsample, userSet.Contains("--grid") ? config.Downsample : d.Downsample),
            WidthMult = Pick("--width-mult", config.WidthMult, d.WidthMult),
            BatchSize = Pick("--batch-size", config.BatchSize, d.BatchSize),
            Epochs = Pick("--epochs", config.Epochs, d.Epochs),
            SyntheticSubjects = config.Data is null ? Pick("--subjects", config.SyntheticSubjects, d.SyntheticSubjects) : config.SyntheticSubjects,
            LearningRate = Pick("--lr", config.LearningRate, d.LearningRate),
            Patience = Pick("--patience", config.Patience, d.Patience),
        };
        return chosen.Count == 0 ? sized : sized with
        {
            SizingNote = "CPU accelerator: a small configuration that trains within minutes on 2 cores (" + string.Join(", ", chosen) +
                         "); give the options explicitly, or use a GPU, for the reference model at 91x109x91",
        };
    }
}
