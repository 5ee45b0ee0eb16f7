namespace ILGpuNet.Training.Runs;

/// <summary>The files of a run folder, in one place.</summary>
public sealed class RunFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string Config => Path.Combine(Root, "config.json");
    public string Splits => Path.Combine(Root, "splits.csv");
    public string Metrics => Path.Combine(Root, "metrics.csv");
    public string BestCheckpoint => Path.Combine(Root, "best.safetensors");
    public string LastCheckpoint => Path.Combine(Root, "last.safetensors");
    public string Predictions => Path.Combine(Root, "predictions.csv");
    public string SubjectPredictions => Path.Combine(Root, "predictions_subjects.csv");
    public string Summary => Path.Combine(Root, "summary.json");
    public string DatasetReport => Path.Combine(Root, "dataset-report.json");

    /// <summary>The subjects the brain-age correction was fitted on, with their predictions (age-head runs).</summary>
    public string CorrectionSubjects => Path.Combine(Root, CorrectionSubjectsFile);
    public const string CorrectionSubjectsFile = "correction_subjects.csv";
    public string Plots => Path.Combine(Root, "plots");

    public string Plot(string name) => Path.Combine(Plots, name);

    public void Create()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Plots);
    }
}
