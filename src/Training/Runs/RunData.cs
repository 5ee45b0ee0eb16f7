using ILGpuNet.Training.Data;

namespace ILGpuNet.Training.Runs;

/// <summary>A scan of a run with every label any task needs (class labels 0/1, age in years).</summary>
public sealed record RunSample(string Path, string SubjectId, string SessionId, int CdrClass, int SexClass, float Age)
{
    /// <summary>Loader labels, in the order of <see cref="RunData.LabelCdr"/>, <see cref="RunData.LabelSex"/>, <see cref="RunData.LabelAge"/>.</summary>
    public float[] Labels => [CdrClass, SexClass, Age];

    public int ClassOf(ClassLabel label) => label == ClassLabel.Cdr ? CdrClass : SexClass;
}

/// <summary>
/// The scans of a run and their subject-level split: the dataset is read for the task (the cdr task's
/// age filter, one or all scans per subject), subjects are split stratified by the task's label (10-year
/// age bins for age and brainage), and the split is written to or read back from splits.csv.
/// </summary>
public sealed class RunData
{
    public const int LabelCdr = 0, LabelSex = 1, LabelAge = 2;

    public IReadOnlyList<RunSample> Samples { get; }
    public SubjectSplit Split { get; }
    public IReadOnlyList<string> Warnings { get; }

    private RunData(IReadOnlyList<RunSample> samples, SubjectSplit split, IReadOnlyList<string> warnings) =>
        (Samples, Split, Warnings) = (samples, split, warnings);

    public IReadOnlyList<RunSample> Part(Split part) =>
        Samples.Where(s => Split.Contains(s.SubjectId) && Split[s.SubjectId] == part).ToList();

    public static IReadOnlyList<VolumeItem> Items(IReadOnlyList<RunSample> samples) =>
        samples.Select(s => new VolumeItem(s.Path, s.Labels)).ToList();

    /// <summary>
    /// Reads the dataset of <paramref name="root"/> for <paramref name="config"/> and splits it, or reuses
    /// the split in <paramref name="splitsCsv"/> when that file exists (resume, evaluate).
    /// </summary>
    public static RunData Load(TrainConfig config, string root, string? csv, string splitsCsv)
    {
        var task = config.TaskKind;
        var oasisTask = task switch
        {
            TrainTask.Cdr => OasisTask.Cdr,
            TrainTask.Sex => OasisTask.Sex,
            _ => OasisTask.Age,
        };
        var dataset = OasisDataset.Load(root, csv, new OasisOptions
        {
            Task = oasisTask,
            ExtraLabels = task == TrainTask.BrainAge ? [config.BrainAgeLabel == ClassLabel.Cdr ? OasisTask.Cdr : OasisTask.Sex] : [],
            Scans = config.AllScans ? ScanSelection.All : ScanSelection.FirstScan,
            MinHealthyAge = task == TrainTask.Cdr ? config.MinHealthyAge : null,
        });
        var warnings = dataset.Warnings.ToList();
        var samples = new List<RunSample>();
        var unusable = new List<string>();
        foreach (var s in dataset.Samples)
        {
            if (s.Age is not float age || s.LabelFor(OasisTask.Sex) is not float sex)
            {
                unusable.Add(s.SessionId);
                continue;
            }
            samples.Add(new RunSample(s.Path, s.SubjectId, s.SessionId, s.CdrClass, (int)sex, age));
        }
        if (unusable.Count > 0)
            warnings.Add($"{unusable.Count} scan(s) without age or sex left out: {string.Join(", ", unusable.Distinct())}");
        if (samples.Count == 0) throw new InvalidDataException($"{root}: no usable scans for task {config.Task}");
        // Stratified by the task's labels together (10-year age bins for age), written to or read from splits.csv.
        var split = dataset.LoadOrCreateSplit(splitsCsv, config.Seed,
            new SplitFractions(config.TrainFraction, config.ValFraction, config.TestFraction), warnings);
        return new RunData(samples, split, warnings);
    }
}
