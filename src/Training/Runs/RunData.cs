using ILGpuNet.Training.Data;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// A scan of a run with every label any task needs: class labels 0/1 (-1 where unknown), age in years (NaN
/// where unknown). Training uses only scans with every label; prediction takes what the CSV gives.
/// </summary>
public sealed record RunSample(string Path, string SubjectId, string SessionId, int CdrClass, int SexClass, float Age)
{
    /// <summary>Loader labels, in the order of <see cref="RunData.LabelCdr"/>, <see cref="RunData.LabelSex"/>, <see cref="RunData.LabelAge"/>.</summary>
    public float[] Labels => [CdrClass, SexClass, Age];

    public int ClassOf(ClassLabel label) => label == ClassLabel.Cdr ? CdrClass : SexClass;

    /// <summary>Whether sex and age are known (CDR always is: blank counts as 0).</summary>
    public bool HasAllLabels => SexClass >= 0 && !float.IsNaN(Age);

    /// <summary>The labels of a dataset scan, the one place they are read from the CSV's fields.</summary>
    public static RunSample Of(OasisSample s) => new(s.Path, s.SubjectId, s.SessionId, s.CdrClass,
        s.LabelFor(OasisTask.Sex) is float sex ? (int)sex : -1, s.Age ?? float.NaN);
}

/// <summary>
/// The scans of a run and their subject-level split: the one path from an OASIS folder to the loaders that
/// training, evaluation and prediction read. The dataset is read for the task (the cdr task's age filter,
/// one or all scans per subject), subjects are split stratified by the task's label (10-year age bins for
/// age and brainage, combined with the class for brainage), the split is written to or read back from
/// splits.csv, and every scan carries the same label vector (<see cref="RunSample.Labels"/>) whatever the task.
/// <code>
/// var data = RunData.Load(config, config.DataRoot, csv, run.Splits);   // warnings in data.Warnings
/// using var train = RunData.TrainingLoader(config, data.Part(Split.Train), source, preprocessing);  // shuffled, augmented
/// using var val = RunData.EvaluationLoader(data.Part(Split.Val), source, preprocessing, batch, workers); // in order
/// foreach (var batch in train.Epoch(epoch)) using (batch) { /* batch.Data: N x 1 x D x H x W, batch.Labels: N x 3 */ }
/// </code>
/// </summary>
public sealed class RunData
{
    public const int LabelCdr = 0, LabelSex = 1, LabelAge = 2;

    public IReadOnlyList<RunSample> Samples { get; }
    public SubjectSplit Split { get; }
    public IReadOnlyList<string> Warnings { get; }

    private RunData(IReadOnlyList<RunSample> samples, SubjectSplit split, IReadOnlyList<string> warnings) =>
        (Samples, Split, Warnings) = (samples, split, warnings);

    /// <summary>The scans of one part of the split, in dataset order (a batch's Samples[i] indexes this list).</summary>
    public IReadOnlyList<RunSample> Part(Split part) =>
        Samples.Where(s => Split.Contains(s.SubjectId) && Split[s.SubjectId] == part).ToList();

    /// <summary>
    /// Reads the dataset of <paramref name="root"/> for <paramref name="config"/> and splits it, or reuses
    /// the split in <paramref name="splitsCsv"/> when that file exists (resume, evaluate).
    /// </summary>
    public static RunData Load(TrainConfig config, string root, string? csv, string splitsCsv) =>
        From(config, OasisDataset.Load(root, csv, DatasetOptions(config)), root, splitsCsv);

    /// <summary>The same from CSV records and volume names already in memory (tests, other layouts).</summary>
    public static RunData FromRecords(TrainConfig config, IReadOnlyList<OasisRecord> records, IReadOnlyList<OasisScan> scans, string splitsCsv) =>
        From(config, OasisDataset.FromRecords(records, scans, DatasetOptions(config)), "the records", splitsCsv);

    /// <summary>
    /// The dataset a run reads: the task's own label decides which subjects are usable and stratifies the
    /// split (brainage: age with the class head's label), the cdr task's minimum healthy age, one or all scans.
    /// </summary>
    private static OasisOptions DatasetOptions(TrainConfig config)
    {
        var task = config.Task;
        return new OasisOptions
        {
            Task = task switch
            {
                TrainTask.Cdr => OasisTask.Cdr,
                TrainTask.Sex => OasisTask.Sex,
                _ => OasisTask.Age,
            },
            ExtraLabels = task == TrainTask.BrainAge ? [config.BrainAgeClass == ClassLabel.Cdr ? OasisTask.Cdr : OasisTask.Sex] : [],
            Scans = config.AllScans ? ScanSelection.All : ScanSelection.FirstScan,
            MinHealthyAge = task == TrainTask.Cdr ? config.MinHealthyAge : null,
        };
    }

    private static RunData From(TrainConfig config, OasisDataset dataset, string source, string splitsCsv)
    {
        var warnings = dataset.Warnings.ToList();
        var samples = new List<RunSample>();
        var unusable = new List<string>();
        foreach (var sample in dataset.Samples.Select(RunSample.Of))
        {
            if (sample.HasAllLabels) samples.Add(sample);
            else unusable.Add(sample.SessionId);
        }
        if (unusable.Count > 0)
            warnings.Add($"{unusable.Count} scan(s) without age or sex left out: {string.Join(", ", unusable.Distinct())}");
        if (samples.Count == 0) throw new DataFormatException(source, 0, null, $"no usable scans for task {config.Task.Name()}");
        // Stratified by the task's labels together (10-year age bins for age), written to or read from splits.csv.
        var split = dataset.LoadOrCreateSplit(splitsCsv, config.Seed,
            new SplitFractions(config.TrainFraction, config.ValFraction, config.TestFraction), warnings);
        return new RunData(samples, split, warnings);
    }

    /// <summary>
    /// The training split's loader: shuffled and augmented (unless the run turns augmentation off) by the
    /// run's seed, a last batch smaller than the others dropped (BatchNorm), volumes cached after their first read.
    /// </summary>
    public static VolumeLoader TrainingLoader(TrainConfig config, IReadOnlyList<RunSample> samples, IVolumeSource source, VolumePreprocessing preprocessing) =>
        new(Items(samples), source, new LoaderOptions
        {
            Mode = LoaderMode.Training,
            BatchSize = config.BatchSize,
            Workers = config.Workers,
            Seed = config.Seed,
            DropLast = samples.Count > config.BatchSize,
            Augmentation = config.Augment ? Augmentation.Default : null,
            Preprocessing = preprocessing,
            Cache = true,
            CacheLimitBytes = 4L << 30,
        });

    /// <summary>
    /// A loader for validation, evaluation and prediction: the samples in their order, never augmented;
    /// volumes are kept after their first read up to <paramref name="cacheBytes"/> (0: not at all).
    /// </summary>
    public static VolumeLoader EvaluationLoader(IReadOnlyList<RunSample> samples, IVolumeSource source, VolumePreprocessing preprocessing,
        int batchSize, int workers, long cacheBytes = 0) =>
        new(Items(samples), source, new LoaderOptions
        {
            Mode = LoaderMode.Evaluation,
            BatchSize = batchSize,
            Workers = workers,
            Preprocessing = preprocessing,
            Cache = cacheBytes > 0,
            CacheLimitBytes = cacheBytes > 0 ? cacheBytes : long.MaxValue,
        });

    private static IReadOnlyList<VolumeItem> Items(IReadOnlyList<RunSample> samples) =>
        samples.Select(s => new VolumeItem(s.Path, s.Labels)).ToList();
}
