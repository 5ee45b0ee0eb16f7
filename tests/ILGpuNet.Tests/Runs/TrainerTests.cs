using ILGpuNet.Tensors;
using ILGpuNet.Tests.Data;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Synthetic;
using ILGpuNet.Training.Metrics;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Runs;

/// <summary>A tiny synthetic cohort (24 subjects at 24x28x24), shared by the trainer tests.</summary>
public sealed class TinyCohort : IDisposable
{
    public TempDir Dir { get; } = new();

    public string Root { get; }

    public TinyCohort()
    {
        Root = Dir.File("cohort");
        SyntheticCohort.Generate(new SyntheticCohortOptions
        {
            OutputDirectory = Root, Subjects = 24, Seed = 3, Grid = SyntheticGrid.Parse("24x28x24"), MaxScans = 2,
        });
    }

    public void Dispose() => Dir.Dispose();
}

/// <summary>
/// The main job on a tiny configuration: every file of the run folder, bit-identical repeats on the CPU
/// accelerator, resume after an interruption, and the stop on a non-finite loss.
/// </summary>
[Collection("PoolCounters")]
public class TrainerTests(TinyCohort cohort) : IClassFixture<TinyCohort>
{
    private TrainConfig Tiny(TrainTask task, int epochs = 2) => new()
    {
        Task = task,
        Data = cohort.Root,
        Device = DeviceKind.Cpu,
        Epochs = epochs,
        BatchSize = 4,
        Grid = "24x28x24",
        Downsample = 4,
        WidthMult = 0.125,
        LearningRate = 1e-3,
        Patience = 0,
        Seed = 11,
        Workers = 1,
    };

    private static RunSummary Train(TrainConfig config, string dir, bool resume = false, CancellationToken cancel = default, Func<int, int, IEpochProgress>? progress = null)
    {
        using var trainer = new Trainer(config, new RunFolder(dir), Device.Cpu, config.DataRoot, null, TextWriter.Null, resume);
        return trainer.Run(progress, cancel);
    }

    [Fact]
    public void BrainAgeRunWritesEveryReport()
    {
        using var dir = new TempDir();
        var config = Tiny(TrainTask.BrainAge);
        var summary = Train(config, dir.Path);
        var run = new RunFolder(dir.Path);
        foreach (var file in new[] { run.Splits, run.Metrics, run.BestCheckpoint, run.LastCheckpoint, run.Predictions, run.SubjectPredictions, run.Summary, run.DatasetReport })
            Assert.True(File.Exists(file), $"{file} is missing");
        foreach (var plot in new[] { "loss.png", "val_metrics.png", "roc.png", "age_predicted_vs_true.png", "gap_vs_age.png" })
            Assert.True(new FileInfo(run.Plot(plot)).Length > 1000, $"plot {plot} is missing or empty");
        Assert.Equal(3, File.ReadAllLines(run.Metrics).Length); // header + 2 epochs
        Assert.Contains("auc", summary.Subject.Keys);
        Assert.Contains("age_mae", summary.Subject.Keys);
        Assert.NotNull(summary.BrainAgeCorrection);
        Assert.NotNull(summary.BrainAgeGap);
        // The best checkpoint carries what prediction needs, including the bias correction.
        var card = RunCheckpoint.ReadCard(run.BestCheckpoint);
        Assert.Equal(TrainTask.BrainAge, card.Config.Task);
        Assert.NotNull(card.Correction);
        var predictions = Prediction.Run(run.BestCheckpoint, Prediction.FromFiles(Directory.GetFiles(cohort.Root, "*mpr-1*.nii.gz", SearchOption.AllDirectories).Take(3)),
            Device.Cpu, batchSize: 2, workers: 1);
        Assert.Equal(3, predictions.Count);
        Assert.All(predictions, p => Assert.True(p.PredictedAge is float a && float.IsFinite(a)));
        Assert.All(predictions, p => Assert.Equal(1f, p.Probabilities!.Sum(), 5));
    }

    [Fact]
    public void TheBrainAgeCorrectionIsFittedOnTheValidationSubjectsAlone()
    {
        using var dir = new TempDir();
        var summary = Train(Tiny(TrainTask.Age, epochs: 1), dir.Path);
        var run = new RunFolder(dir.Path);
        var split = SubjectSplit.Read(run.Splits);
        var fitted = CsvTable.Read(run.CorrectionSubjects);
        var ids = fitted.Rows.Select(r => r.Fields[fitted.Column("subject")]).ToList();
        Assert.Equal(split.Subjects(Split.Val), ids.Order(StringComparer.Ordinal));
        Assert.Equal(new CorrectionSubjects("val", ids.Count, true, RunFolder.CorrectionSubjectsFile), summary.BrainAgeCorrectionFittedOn);

        // The line through the validation subjects' predictions (2 decimals in the CSV) is the one in the summary and the checkpoint.
        double Column(CsvRow r, string name) => double.Parse(r.Fields[fitted.Column(name)], System.Globalization.CultureInfo.InvariantCulture);
        var line = BrainAgeFit.Fit(fitted.Rows.Select(r => Column(r, "age")).ToList(), fitted.Rows.Select(r => Column(r, "predicted_age")).ToList());
        var fit = summary.BrainAgeCorrection!;
        Assert.Equal(fit.Slope, line.Slope, 1);
        Assert.Equal(fit, RunCheckpoint.ReadCard(run.BestCheckpoint).Correction);
        var gap = summary.BrainAgeGap!;
        Assert.Equal(split.Subjects(Split.Test).Count, summary.TestSubjects);
        Assert.Contains($"corr(gap, age) on the test subjects {gap.GapAgeCorrelationRaw:F2} before, {gap.GapAgeCorrelationCorrected:F2} after " +
                        $"the correction (fitted on {ids.Count} val subjects)", RunReports.SummaryText(summary));
        var json = File.ReadAllText(run.Summary);
        Assert.Contains("\"brain_age_correction_fitted_on\"", json);
        Assert.Contains("\"gap_age_correlation_corrected\"", json);
    }

    [Fact]
    public void SameSeedGivesBitIdenticalMetrics()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var config = Tiny(TrainTask.Sex);
        Train(config, a.Path);
        Train(config, b.Path);
        Assert.Equal(Metrics(a.Path), Metrics(b.Path));
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameResult()
    {
        using var whole = new TempDir();
        using var broken = new TempDir();
        var config = Tiny(TrainTask.Age, epochs: 3);
        Train(config, whole.Path);
        using (var cancel = new CancellationTokenSource())
        {
            // Cancelled as the third epoch begins (the trainer checks before each epoch): two epochs are on disk.
            Assert.ThrowsAny<OperationCanceledException>(() => Train(config, broken.Path, cancel: cancel.Token,
                progress: (epoch, _) => { if (epoch == 3) cancel.Cancel(); return new NoProgress(); }));
        }
        Assert.Equal(3, File.ReadAllLines(new RunFolder(broken.Path).Metrics).Length); // header + epochs 1-2
        Train(config, broken.Path, resume: true);
        Assert.Equal(Metrics(whole.Path), Metrics(broken.Path));
    }

    [Fact]
    public void ANonFiniteLossStopsWithTheLastGoodCheckpoint()
    {
        using var dir = new TempDir();
        var config = Tiny(TrainTask.Cdr, epochs: 3) with { Optimizer = OptimizerKind.Sgd, LearningRate = 1e30, GradClip = 0, WarmupEpochs = 0 };
        var e = Assert.Throws<TrainingDivergedException>(() => Train(config, dir.Path));
        Assert.Contains("became", e.Message);
        Assert.Contains("--lr", e.Message);
    }

    [Fact]
    public void ANonFiniteLossIsReportedAtItsStepHoweverRarelyTheLossIsRead()
    {
        var config = Tiny(TrainTask.Cdr, epochs: 3) with { Optimizer = OptimizerKind.Sgd, LearningRate = 1e30, GradClip = 0, WarmupEpochs = 0 };
        string Message(int syncEvery)
        {
            using var dir = new TempDir();
            var e = Assert.Throws<TrainingDivergedException>(() => Train(config with { SyncEvery = syncEvery }, dir.Path));
            return e.Message.Replace(dir.Path, "RUN");
        }
        string everyStep = Message(1);
        Assert.Equal(everyStep, Message(1000));
        Assert.Matches(@"at epoch 1, step \d+;", everyStep);
    }

    [Fact]
    public void MetricsRecordTheDataWaitOfEachEpoch()
    {
        using var dir = new TempDir();
        Train(Tiny(TrainTask.Cdr, epochs: 1), dir.Path);
        var lines = File.ReadAllLines(new RunFolder(dir.Path).Metrics);
        var header = lines[0].Split(',');
        int column = Array.IndexOf(header, "data_wait_s");
        Assert.Equal(6, column);
        double wait = double.Parse(lines[1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(wait, 0, 600);
    }

    /// <summary>metrics.csv without the wall-time columns (samples/s, seconds, data wait).</summary>
    private static string[] Metrics(string dir) => File.ReadAllLines(new RunFolder(dir).Metrics)
        .Select(line => string.Join(",", line.Split(',').Where((_, i) => i is not (4 or 5 or 6)))).ToArray();

    private sealed class NoProgress : IEpochProgress
    {
        public void Advance(int samples, double loss) { }
        public void Dispose() { }
    }
}
