using ILGpuNet.Training.Metrics;

namespace ILGpuNet.Training.Runs;

/// <summary>summary.json: the final metrics of the best weights, and how the run went.</summary>
public sealed record RunSummary
{
    public required string Task { get; init; }
    public string? ClassLabel { get; init; }
    public required string Device { get; init; }
    public required string Data { get; init; }
    public int EpochsRun { get; init; }
    public int BestEpoch { get; init; }
    public string? StopReason { get; init; }
    public double WallSeconds { get; init; }
    public double TrainSamplesPerSecond { get; init; }
    public int TrainScans { get; init; }
    public int ValScans { get; init; }
    public int TestScans { get; init; }
    public int TestSubjects { get; init; }

    /// <summary>The split the final metrics are of: test, or val when the test split is empty.</summary>
    public required string EvaluatedSplit { get; init; }
    public double Loss { get; init; }

    /// <summary>Per subject (scans averaged): the headline figures.</summary>
    public required Dictionary<string, double> Subject { get; init; }

    /// <summary>Per scan, for comparison with file-level work.</summary>
    public required Dictionary<string, double> Scan { get; init; }

    /// <summary>What guessing gives: balanced accuracy and AUC 0.5; the MAE of always predicting the training mean age.</summary>
    public required Dictionary<string, double> Chance { get; init; }

    public BrainAgeFit? BrainAgeCorrection { get; init; }

    /// <summary>Whose predictions the correction was fitted on (age head only); their ids are in <see cref="CorrectionSubjects.File"/>.</summary>
    public CorrectionSubjects? BrainAgeCorrectionFittedOn { get; init; }
    public BrainAgeGapReport? BrainAgeGap { get; init; }
}

/// <summary>
/// The subjects the brain-age bias correction was fitted on: a split the network did not train on (validation),
/// <paramref name="Subjects"/> of them, listed in <paramref name="File"/> of the run folder. <paramref name="Fitted"/>
/// is false when their ages do not define a line (fewer than two distinct ages): no correction then.
/// </summary>
public sealed record CorrectionSubjects(string Split, int Subjects, bool Fitted, string File);
