using System.Globalization;
using ILGpuNet.Tensors;
using ILGpuNet.Tests.Cli;
using ILGpuNet.Tests.Data;
using ILGpuNet.Training;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Runs;

/// <summary>
/// Subject-level k-fold cross-validation: the folds (a partition of the subjects, stratified, from RunData's labels),
/// each fold's split, the reports over the folds (per fold, mean +- sd by hand, pooled predictions of every subject
/// once) and resuming a stopped cross-validation without retraining finished folds.
/// </summary>
[Collection("PoolCounters")]
public class CrossValidationTests(TinyCohort cohort) : IClassFixture<TinyCohort>
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    [Theory]
    [InlineData(TrainTask.Cdr, 5)]
    [InlineData(TrainTask.Sex, 4)]
    [InlineData(TrainTask.Age, 5)]
    [InlineData(TrainTask.BrainAge, 3)]
    public void FoldsPartitionTheSubjectsStratifiedByTheTaskLabelAndEachFoldSplitsTheRestBySubject(TrainTask task, int k)
    {
        var (records, scans) = FakeOasis.Cohort(90, 2, s => s % 4 == 0 ? 2 : 1, seed: 7);
        using var dir = new TempDir();
        var config = new TrainConfig { Task = task, Seed = 5, Folds = k };
        var folds = RunData.FoldsFromRecords(config, records, scans, dir.File("folds.csv"), []);
        var data = RunData.FromRecords(config, records, scans, dir.File("splits.csv"));
        var subjects = data.Samples.GroupBy(s => s.SubjectId).ToDictionary(g => g.Key, g => g.First());

        // A partition: every subject in exactly one fold, fold sizes within one subject of each other.
        Assert.Equal(subjects.Keys.Order(StringComparer.Ordinal), Enumerable.Range(1, k).SelectMany(folds.Subjects).Order(StringComparer.Ordinal));
        var sizes = Enumerable.Range(1, k).Select(i => folds.Subjects(i).Count).ToList();
        Assert.InRange(sizes.Max() - sizes.Min(), 0, 1);
        // Stratified: each stratum (class, age bin, or both for brainage: RunData's labels) spread within one subject over the folds.
        foreach (var stratum in subjects.Values.GroupBy(s => RunData.Stratum(config, s)))
        {
            var counts = Enumerable.Range(1, k).Select(i => stratum.Count(s => folds[s.SubjectId] == i)).ToList();
            Assert.True(counts.Max() - counts.Min() <= 1, $"stratum {stratum.Key}: {string.Join("/", counts)} over the folds");
        }
        foreach (var row in folds.Entries)
        {
            Assert.Equal(RunData.TaskLabel(config, subjects[row.Subject]), row.Label);
            Assert.Equal(RunData.Stratum(config, subjects[row.Subject]), row.Stratum);
        }

        for (int i = 1; i <= k; i++)
        {
            var split = folds.SplitFor(i, config.Seed, config.FoldValShare);
            Assert.Equal(subjects.Count, split.Count);  // one part per subject: no subject in two of train, val, test
            Assert.Equal(folds.Subjects(i), split.Subjects(Split.Test));
            int rest = subjects.Count - folds.Subjects(i).Count;
            Assert.InRange(split.Subjects(Split.Val).Count, (int)(config.FoldValShare * rest) - 1, (int)(config.FoldValShare * rest) + 1);
            Assert.InRange(split.Subjects(Split.Train).Count, 1, rest - 1);
            if (task == TrainTask.Cdr)
            {
                var demented = subjects.Values.Where(s => s.CdrClass == 1 && folds[s.SubjectId] != i).Select(s => s.SubjectId).ToHashSet();
                double expected = config.FoldValShare * demented.Count;
                Assert.InRange(split.Subjects(Split.Val).Count(demented.Contains), expected - 2, expected + 2);
            }
        }

        // Written once: read back whatever the seed says now.
        var again = RunData.FoldsFromRecords(config with { Seed = 6 }, records, scans, dir.File("folds.csv"), []);
        Assert.Equal(folds.Entries, again.Entries);
        var other = RunData.FoldsFromRecords(config with { Seed = 6 }, records, scans, dir.File("other.csv"), []);
        Assert.NotEqual(folds.Entries, other.Entries);
    }

    [Fact]
    public void MoreFoldsThanSubjectsIsAUserError()
    {
        var (records, scans) = FakeOasis.Cohort(6, 1, _ => 1);
        using var dir = new TempDir();
        var e = Assert.Throws<ConfigException>(() => RunData.FoldsFromRecords(new TrainConfig { Folds = 7 }, records, scans, dir.File("folds.csv"), []));
        Assert.Equal("--folds 7: more folds than the 6 subjects with every label", e.Message);
    }

    [Fact]
    public void MeanAndSdAreTheFoldsMeanAndSampleStandardDeviation()
    {
        var spread = MetricSpread.Of([0.5, 0.75, 1.0, double.NaN]);
        Assert.Equal(3, spread.Folds);
        Assert.Equal(0.75, spread.Mean, 15);
        Assert.Equal(0.25, spread.Sd, 15);  // sqrt((0.0625 + 0 + 0.0625) / 2)
        Assert.True(double.IsNaN(MetricSpread.Of([0.3]).Sd));
    }

    private TrainConfig Tiny(TrainTask task, int folds, int epochs = 1) => new()
    {
        Task = task,
        Data = cohort.Root,
        Device = DeviceKind.Cpu,
        Epochs = epochs,
        BatchSize = 4,
        Grid = "24x28x24",
        Downsample = 4,
        WidthMult = 0.125,
        Patience = 0,
        Seed = 11,
        Workers = 1,
        Folds = folds,
    };

    private static CrossValidationSummary Run(TrainConfig config, string dir, int? onlyFold = null, CancellationToken cancel = default,
        Func<int, int, IEpochProgress>? progress = null) =>
        CrossValidation.Run(config, new CrossValidationFolder(dir), Device.Cpu, TextWriter.Null, onlyFold, progress, cancel);

    [Fact]
    public void EveryFoldIsARunFolderAndTheSummaryPoolsEachSubjectOnce()
    {
        using var dir = new TempDir();
        var config = Tiny(TrainTask.BrainAge, folds: 3);
        var summary = Run(config, dir.Path);
        var cv = new CrossValidationFolder(dir.Path);
        var folds = SubjectFolds.Read(cv.Folds, 3);
        Assert.Equal(24, folds.SubjectCount);
        Assert.True(summary.Complete);
        Assert.Equal([1, 2, 3], summary.CompletedFolds);

        var perFold = new List<RunSummary>();
        for (int i = 1; i <= 3; i++)
        {
            var run = cv.Fold(i);
            foreach (var file in new[] { run.Config, run.Splits, run.Metrics, run.BestCheckpoint, run.Predictions, run.SubjectPredictions, run.Summary, run.CorrectionSubjects })
                Assert.True(File.Exists(file), $"{file} is missing");
            Assert.Equal(i, TrainConfig.Read(run.Config).Fold);
            // Test is fold i; train, val and test never share a subject; the correction saw validation subjects only.
            var split = SubjectSplit.Read(run.Splits);
            Assert.Equal(folds.Subjects(i), split.Subjects(Split.Test));
            Assert.Equal(24, split.Subjects(Split.Train).Count + split.Subjects(Split.Val).Count + split.Subjects(Split.Test).Count);
            var fitted = Ids(run.CorrectionSubjects);
            Assert.Equal(split.Subjects(Split.Val), fitted.Order(StringComparer.Ordinal));
            Assert.Empty(fitted.Intersect(split.Subjects(Split.Test)));
            Assert.Equal(split.Subjects(Split.Test), Ids(run.SubjectPredictions).Order(StringComparer.Ordinal));
            var fold = summary.PerFold[i - 1];
            Assert.Equal((i, split.Subjects(Split.Val).Count), (fold.Fold, fold.BrainAgeCorrectionFittedOn!.Subjects));
            perFold.Add(System.Text.Json.JsonSerializer.Deserialize<RunSummary>(File.ReadAllText(run.Summary), ModelCard.Json)!);
        }

        // Mean and sample sd over the folds, by hand from the folds' own summary.json (a fold without both classes has no AUC).
        var keys = perFold[0].Subject.Keys.Where(k => perFold.All(s => double.IsFinite(s.Subject[k]))).ToList();
        Assert.Contains("age_mae", keys);
        Assert.Contains("accuracy", keys);
        foreach (var key in keys)
        {
            double a = perFold[0].Subject[key], b = perFold[1].Subject[key], c = perFold[2].Subject[key];
            double mean = (a + b + c) / 3;
            double sd = Math.Sqrt(((a - mean) * (a - mean) + (b - mean) * (b - mean) + (c - mean) * (c - mean)) / 2);
            Assert.Equal(mean, summary.MeanSd[key].Mean, 12);
            Assert.Equal(sd, summary.MeanSd[key].Sd, 12);
            Assert.Equal([a, b, c], summary.PerFold.Select(f => f.Metrics[key]));
            var row = File.ReadLines(cv.SummaryCsv).Single(l => l.StartsWith(key + ",", StringComparison.Ordinal)).Split(',');
            Assert.Equal(mean, double.Parse(row[4], Inv), 12);
            Assert.Equal(sd, double.Parse(row[5], Inv), 12);
        }
        double gapRaw = perFold.Average(s => s.BrainAgeGap!.GapAgeCorrelationRaw);
        Assert.Equal(gapRaw, summary.MeanSd["gap_age_r_raw"].Mean, 12);

        // Pooled: every subject exactly once, in its own test fold, the gap corrected by its fold's fit.
        var pooled = CsvTable.Read(cv.Predictions);
        var rows = pooled.Rows.Select(r => (Subject: r.Fields[pooled.Column("subject")], Fold: int.Parse(r.Fields[pooled.Column("fold")], Inv),
            Age: double.Parse(r.Fields[pooled.Column("age")], Inv), Predicted: double.Parse(r.Fields[pooled.Column("predicted_age")], Inv))).ToList();
        Assert.Equal(folds.Entries.Select(e => (e.Subject, e.Fold)), rows.Select(r => (r.Subject, r.Fold)));
        Assert.Equal(24, summary.Pooled!.Subjects);
        Assert.Equal(rows.Average(r => Math.Abs(r.Predicted - r.Age)), summary.Pooled.Metrics["age_mae"], 2);
        Assert.NotNull(summary.Pooled.BrainAgeGap);
        Assert.Contains("pooled out-of-fold, 24 subjects", CrossValidationSummary.SummaryText(summary));
    }

    [Fact]
    public void AStoppedCrossValidationResumesWhereItStoppedWithoutRetrainingFinishedFolds()
    {
        using var whole = new TempDir();
        using var stopped = new TempDir();
        var config = Tiny(TrainTask.Age, folds: 3, epochs: 2);
        Run(config, whole.Path);

        // Fold 1 alone (--fold 1), then a kill as fold 2's second epoch begins: its first epoch is on disk.
        var partial = Run(config, stopped.Path, onlyFold: 1);
        Assert.False(partial.Complete);
        Assert.Equal([1], partial.CompletedFolds);
        var cv = new CrossValidationFolder(stopped.Path);
        var firstFold = Snapshot(cv.Fold(1).Root);
        using (var cancel = new CancellationTokenSource())
        {
            int epochs = 0;
            Assert.ThrowsAny<OperationCanceledException>(() => Run(config, stopped.Path, cancel: cancel.Token,
                progress: (_, _) => { if (++epochs == 2) cancel.Cancel(); return new NoProgress(); }));
        }
        Assert.Equal(2, File.ReadAllLines(cv.Fold(2).Metrics).Length);  // header + epoch 1
        Assert.False(File.Exists(cv.Fold(2).Summary));

        // Resumed: fold 1 untouched, fold 2 from its checkpoint (one epoch left), fold 3 from scratch; the same figures.
        var trained = new List<int>();
        var resumed = Run(config, stopped.Path, progress: (epoch, _) => { trained.Add(epoch); return new NoProgress(); });
        Assert.Equal([2, 1, 2], trained);
        Assert.Equal(firstFold, Snapshot(cv.Fold(1).Root));
        Assert.True(resumed.Complete);
        Assert.Equal(Figures(whole.Path), Figures(stopped.Path));
        Assert.Equal(File.ReadAllText(new CrossValidationFolder(whole.Path).Predictions), File.ReadAllText(cv.Predictions));

        // A lost fold (its folder and the summary deleted) is trained again, alone.
        Directory.Delete(cv.Fold(3).Root, recursive: true);
        File.Delete(cv.Summary);
        var done = Snapshot(cv.Fold(1).Root).Concat(Snapshot(cv.Fold(2).Root)).ToList();
        trained.Clear();
        Run(config, stopped.Path, progress: (epoch, _) => { trained.Add(epoch); return new NoProgress(); });
        Assert.Equal([1, 2], trained);
        Assert.Equal(done, Snapshot(cv.Fold(1).Root).Concat(Snapshot(cv.Fold(2).Root)));
        Assert.Equal(Figures(whole.Path), Figures(stopped.Path));
    }

    [Theory]
    [InlineData("--fold 2", "--fold needs --folds K")]
    [InlineData("--folds 1", "--folds must be at least 2, got 1")]
    [InlineData("--folds 3 --fold 4", "--fold must be between 1 and --folds (3), got 4")]
    public void BadFoldOptionsAreOneLineErrors(string options, string message)
    {
        using var dir = new TempDir();
        var (code, _, error) = CliRunner.Run(["train", .. options.Split(' '), "--device", "cpu", "--out", dir.File("cv")]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir.File("cv")));
    }

    [Fact]
    public void ANewRunIsRefusedInACrossValidationFolder()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("folds.csv"), "subject,fold,label,stratum\n");
        foreach (var options in new[] { "", "--folds 3" })
        {
            var (code, _, error) = CliRunner.Run(["train", .. options.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--device", "cpu", "--out", dir.Path]);
            Assert.Equal(2, code);
            Assert.Contains($"holds a cross-validation; continue it with --resume {dir.Path}", error);
        }
        Assert.Equal([dir.File("folds.csv")], Directory.GetFileSystemEntries(dir.Path));
    }

    private static List<string> Ids(string csv)
    {
        var table = CsvTable.Read(csv);
        return table.Rows.Select(r => r.Fields[table.Column("subject")]).ToList();
    }

    /// <summary>Every file of a folder with its bytes' hash and write time: what retraining would change.</summary>
    private static List<string> Snapshot(string root) => Directory.GetFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
        .Select(f => $"{f} {File.GetLastWriteTimeUtc(f).Ticks} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}").ToList();

    /// <summary>cv-summary.csv without wall-time figures (it has none): the metrics per fold, mean, sd and pooled.</summary>
    private static string Figures(string dir) => File.ReadAllText(new CrossValidationFolder(dir).SummaryCsv);

    private sealed class NoProgress : IEpochProgress
    {
        public void Advance(int samples, double loss) { }
        public void Dispose() { }
    }
}
