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
        var samples = UsableSamples(config, dataset, source, warnings);
        // Stratified by the task's labels together (10-year age bins for age), written to or read from splits.csv.
        var split = dataset.LoadOrCreateSplit(splitsCsv, config.Seed,
            new SplitFractions(config.TrainFraction, config.ValFraction, config.TestFraction), warnings);
        return new RunData(samples, split, warnings);
    }

    private static List<RunSample> UsableSamples(TrainConfig config, OasisDataset dataset, string source, List<string> warnings)
    {
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
        return samples;
    }

    /// <summary>
    /// The folds of a cross-validation of <paramref name="config"/> (<see cref="TrainConfig.Folds"/>): read back from
    /// <paramref name="foldsCsv"/> when it exists, otherwise made from the usable scans' labels (<see cref="RunSample"/>,
    /// the same labels training reads), stratified by the task's label (the class for cdr and sex, 10-year age bins
    /// for age, age bins with the class head's label for brainage), and written there atomically.
    /// </summary>
    public static SubjectFolds LoadOrCreateFolds(TrainConfig config, string root, string? csv, string foldsCsv, List<string> warnings) =>
        Folds(config, OasisDataset.Load(root, csv, DatasetOptions(config)), root, foldsCsv, warnings);

    /// <summary>The same from CSV records and volume names already in memory (tests, other layouts).</summary>
    public static SubjectFolds FoldsFromRecords(TrainConfig config, IReadOnlyList<OasisRecord> records, IReadOnlyList<OasisScan> scans,
        string foldsCsv, List<string> warnings) =>
        Folds(config, OasisDataset.FromRecords(records, scans, DatasetOptions(config)), "the records", foldsCsv, warnings);

    private static SubjectFolds Folds(TrainConfig config, OasisDataset dataset, string source, string foldsCsv, List<string> warnings)
    {
        int k = config.Folds ?? throw new ArgumentException("the configuration has no folds", nameof(config));
        warnings.AddRange(dataset.Warnings);
        var samples = UsableSamples(config, dataset, source, warnings);
        var subjects = samples.GroupBy(s => s.SubjectId, StringComparer.Ordinal).Select(g => g.First()).ToList();
        if (File.Exists(foldsCsv))
        {
            var read = SubjectFolds.Read(foldsCsv, k);
            var unassigned = subjects.Where(s => !read.Contains(s.SubjectId)).Select(s => s.SubjectId).ToList();
            if (unassigned.Count > 0)
                warnings.Add($"{unassigned.Count} subject(s) are not in {foldsCsv} and are left out of every fold: {string.Join(", ", unassigned)}");
            return read;
        }
        if (k > subjects.Count)
            throw new ConfigException($"--folds {k}: more folds than the {subjects.Count} subjects with every label");
        var folds = SubjectSplits.Folds(subjects.Select(s => new SubjectLabel(s.SubjectId, TaskLabel(config, s), Stratum(config, s))),
            k, config.Seed, SubjectSplits.Classes);
        folds.Write(foldsCsv);
        return folds;
    }

    /// <summary>The task's own label of a scan: the class for cdr and sex, the age for age and brainage.</summary>
    public static float TaskLabel(TrainConfig config, RunSample s) => config.Task switch
    {
        TrainTask.Cdr => s.CdrClass,
        TrainTask.Sex => s.SexClass,
        _ => s.Age,
    };

    /// <summary>
    /// The stratum of a scan for the task: its class, or its 10-year age bin, or (brainage) the age bin and the
    /// class head's label combined in the mixed-radix code the single split uses.
    /// </summary>
    public static int Stratum(TrainConfig config, RunSample s)
    {
        int AgeBin() => Math.Clamp(SubjectSplits.AgeBins()(s.Age), 0, 15);
        return config.Task switch
        {
            TrainTask.Cdr => s.CdrClass,
            TrainTask.Sex => s.SexClass,
            TrainTask.Age => AgeBin(),
            _ => AgeBin() * 16 + s.ClassOf(config.BrainAgeClass),
        };
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
