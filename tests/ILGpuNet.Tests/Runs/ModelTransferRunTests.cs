using System.Globalization;
using System.Text.Json.Nodes;
using ILGpuNet.Tests.Cli;
using ILGpuNet.Tests.Data;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Nifti;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Runs;

/// <summary>One tiny run (the tiny cohort, grid 16x20x16, width 0.25, one epoch), trained once through the command line for the tests below.</summary>
public sealed class TinyRun : IDisposable
{
    public TinyCohort Cohort { get; } = new();

    public TempDir Dir { get; } = new();

    public string Root { get; }

    public string Output { get; }

    /// <summary>The options of the run's model, as import needs them to rebuild it.</summary>
    public static readonly string[] ModelOptions = ["--grid", "16x20x16", "--downsample", "4", "--width-mult", "0.25"];

    public TinyRun()
    {
        Root = Dir.File("run");
        var (code, output, error) = CliRunner.Run(["train", "--data", Cohort.Root, .. ModelOptions, "--epochs", "1", "--batch-size", "4",
            "--device", "cpu", "--workers", "1", "--patience", "0", "--lr", "0.002", "--out", Root]);
        if (code != 0) throw new InvalidOperationException($"the tiny run failed: {error}");
        Output = output;
    }

    public string Best => Path.Combine(Root, "best.safetensors");

    /// <summary>The first scan of the first few subjects.</summary>
    public string[] Volumes(int n) => Directory.GetFiles(Cohort.Root, "*mpr-1*.nii.gz", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(n).ToArray();

    public void Dispose()
    {
        Dir.Dispose();
        Cohort.Dispose();
    }
}

/// <summary>
/// Models out of and back into ilgpunet on a trained run: export -> import gives bit-identical predictions,
/// predict's logits and --preprocessed, the model card's content, and which options resume takes.
/// </summary>
[Collection("PoolCounters")]
public class ModelTransferRunTests(TinyRun run) : IClassFixture<TinyRun>
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static string Predict(string checkpoint, string outFile, IEnumerable<string> volumes, params string[] options)
    {
        var (code, _, error) = CliRunner.Run(["predict", "--checkpoint", checkpoint, "--device", "cpu", "--batch-size", "2", "--out", outFile, .. options, .. volumes]);
        Assert.True(code == 0, error);
        return File.ReadAllText(outFile);
    }

    [Fact]
    public void ExportThenImportGivesBitIdenticalPredictions()
    {
        using var dir = new TempDir();
        var (code, _, error) = CliRunner.Run("export", "--checkpoint", run.Best, "--out", dir.File("torch.safetensors"));
        Assert.True(code == 0, error);
        (code, _, error) = CliRunner.Run(["import", "--state-dict", dir.File("torch.safetensors"), "--config", "default", .. TinyRun.ModelOptions,
            "--out", dir.File("imported.safetensors")]);
        Assert.True(code == 0, error);
        var volumes = run.Volumes(3);
        string trained = Predict(run.Best, dir.File("trained.csv"), volumes);
        string imported = Predict(dir.File("imported.safetensors"), dir.File("imported.csv"), volumes);
        Assert.Equal(trained, imported);
        Assert.Contains(",logit0,logit1,", trained);

        // evaluate takes the imported checkpoint on the run's own split, with the same figures as the run's best.
        string Evaluate(string checkpoint)
        {
            var (c, output, e) = CliRunner.Run("evaluate", "--run", run.Root, "--split", "val", "--checkpoint", checkpoint, "--device", "cpu");
            Assert.True(c == 0, e);
            // The first line names the epochs, which an imported checkpoint does not know.
            return string.Join("\n", output.Split('\n').Skip(1)) + File.ReadAllText(Path.Combine(run.Root, "predictions_val.csv"));
        }
        Assert.Equal(Evaluate("best"), Evaluate(dir.File("imported.safetensors")));
        (code, _, error) = CliRunner.Run("evaluate", "--run", run.Root, "--checkpoint", dir.File("nothing.safetensors"), "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Contains("no such checkpoint", error);
    }

    [Fact]
    public void PredictWritesTheLogitsAtFullPrecisionNextToTheProbabilities()
    {
        using var dir = new TempDir();
        var lines = Predict(run.Best, dir.File("p.csv"), run.Volumes(2)).Trim().Split('\n');
        var header = lines[0].Split(',');
        Assert.Equal(["p0", "p1", "logit0", "logit1", "predicted_class"], header[6..11]);
        foreach (var line in lines[1..])
        {
            var cells = line.Split(',');
            var p = cells[6..8].Select(c => double.Parse(c, Inv)).ToArray();
            var logits = cells[8..10].Select(c => float.Parse(c, Inv)).ToArray();
            // "R": the text reads back as the same float.
            Assert.All(cells[8..10], c => Assert.Equal(c, float.Parse(c, Inv).ToString("R", Inv)));
            var softmax = Evaluator.Softmax(logits);
            // The CSV keeps 6 decimals of p: within 5e-7 of the softmax (a "5 decimal places" comparison rounds both
            // sides and fails where they straddle a rounding boundary, e.g. 0.533795 and 0.53379488).
            Assert.Equal(p[0], softmax[0], 1e-6);
            Assert.Equal(p[1], softmax[1], 1e-6);
        }
    }

    [Fact]
    public void APreprocessedVolumeOnTheGridIsUsedAsItIs()
    {
        using var dir = new TempDir();
        string original = run.Volumes(1)[0];
        var card = RunCheckpoint.ReadCard(run.Best);
        // The user's own pipeline, here ours: conformed, pooled, cropped and normalised, written on the model's grid.
        var raw = new NiftiVolumeSource(Conform.Mni152_2mm).Read(original);
        var prepared = VolumePreprocessing.Parse(card.Preprocessing).Prepare(raw);
        var affine = new double[,] { { 8, 0, 0, 0 }, { 0, 8, 0, 0 }, { 0, 0, 8, 0 }, { 0, 0, 0, 1 } };
        NiftiWriter.Write(dir.File("prepared.nii.gz"), NiftiVolume.FromTensorOrder(prepared.Data, 16, 20, 16, affine));

        string asGiven = Predict(run.Best, dir.File("given.csv"), [dir.File("prepared.nii.gz")], "--preprocessed");
        string fromRaw = Predict(run.Best, dir.File("raw.csv"), [original]);
        Assert.Equal(Logits(fromRaw), Logits(asGiven));

        // A volume off the grid: the file, its shape and the grid are named, before any work.
        var (code, _, error) = CliRunner.Run("predict", "--checkpoint", run.Best, "--device", "cpu", "--preprocessed", "--out", dir.File("x.csv"), original);
        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains($"{original} has shape 24x28x24", error);
        Assert.Contains("the model's grid 16x20x16", error);
        Assert.False(File.Exists(dir.File("x.csv")));
    }

    private static string[] Logits(string csv) => csv.Trim().Split('\n').Skip(1).Select(l => string.Join(",", l.Split(',')[8..10])).ToArray();

    [Fact]
    public void TheModelCardDescribesTheDataWithoutMachineDetails()
    {
        var card = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(run.Root, "best.json")))!["info"]!["model_card"]!;
        string text = card.ToJsonString();
        Assert.DoesNotContain(run.Cohort.Root, text);
        Assert.DoesNotContain(run.Cohort.Dir.Path, text);
        var config = (JsonObject)card["config"]!;
        foreach (var field in new[] { "data", "csv", "synthetic_data", "synthetic_subjects", "device", "workers", "sync_every", "sizing_note" })
            Assert.False(config.ContainsKey(field), $"the card records {field}");
        Assert.Matches(@"^cohort: \d+ scans of 24 subjects$", (string)card["data"]!);
        Assert.Equal("16x20x16", (string)config["grid"]!);
        // The run's own config.json keeps everything.
        Assert.Contains(run.Cohort.Root, File.ReadAllText(Path.Combine(run.Root, "config.json")));
        // A card written before (the whole config, paths included, no data description) still reads.
        var earlier = System.Text.Json.JsonSerializer.Deserialize<ModelCard>(
            """{"config":{"task":"age","data":"/home/x/oasis","workers":7,"grid":"32x40x32"},"preprocessing":"normalization=zscore;downsample=1","age_scale":{"mean":50,"std":20}}""",
            ModelCard.Json)!;
        Assert.Equal((TrainTask.Age, "/home/x/oasis", "32x40x32", (string?)null), (earlier.Config.Task, earlier.Config.Data, earlier.Config.Grid, earlier.Data));
        Assert.DoesNotContain("/home/x", earlier.ToJson());
        Assert.Equal("synthetic: 60 subjects, seed 7 (240 scans)",
            ModelCard.DescribeData(new TrainConfig { SyntheticSubjects = 60, Seed = 7 }, scans: 240, subjects: 60));
    }

    [Fact]
    public void ResumeTakesMoreEpochsAndPatienceAndSaysSo()
    {
        using var dir = new TempDir();
        string copy = dir.File("run");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(run.Root)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        // Repeating the run's own options is fine; --workers and --sync-every change nothing it computes.
        var (code, output, error) = CliRunner.Run(["train", "--resume", copy, "--data", run.Cohort.Root, .. TinyRun.ModelOptions,
            "--epochs", "2", "--patience", "3", "--sync-every", "5", "--device", "cpu"]);
        Assert.True(code == 0, error);
        Assert.Contains("resume: took --epochs 1 -> 2 (the cosine schedule now spans 2 epochs), --patience 0 -> 3, --sync-every 20 -> 5", output);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(copy, "metrics.csv")).Length);
        var config = TrainConfig.Read(Path.Combine(copy, "config.json"));
        Assert.Equal((2, 3, 5), (config.Epochs, config.Patience, config.SyncEvery));
    }

    [Fact]
    public void ResumeRefusesOptionsThatChangeTheModelOrTheData()
    {
        var (code, output, error) = CliRunner.Run("train", "--resume", run.Root, "--grid", "32x32x32", "--lr", "0.002", "--seed", "7",
            "--first-scan", "--width-mult", "0.25", "--epochs", "5", "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("--grid 32x32x32 (the run's grid is 16x20x16), --seed 7 (the run's seed is 42), --first-scan (the run's all_scans is true)", error);
        Assert.DoesNotContain("--lr", error.Split("would change")[0]);          // the run's own value
        Assert.DoesNotContain("--width-mult", error.Split("would change")[0]);
        Assert.Contains("only --epochs, --patience, --grad-clip, --workers, --sync-every, --device may change", error);
        Assert.Equal("", output);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run.Root, "metrics.csv")).Length);
    }

    [Fact]
    public void ResumeRulesNameEveryRefusedOptionAndTakeTheRest()
    {
        var saved = new TrainConfig { Epochs = 10, Patience = 2, Grid = "32x40x32", Seed = 3 };
        var requested = new TrainConfig { Epochs = 20, Patience = 2, Grid = "32x40x32", Seed = 3, Workers = 1, GradClip = 1, Schedule = ScheduleKind.Constant };
        var resumed = ResumeOptions.Apply(saved, requested, new HashSet<string> { "--epochs", "--patience", "--grid", "--grad-clip" }, "run/config.json");
        Assert.Equal(["--epochs 10 -> 20 (the cosine schedule now spans 20 epochs)", "--grad-clip 5 -> 1"], resumed.Taken);
        Assert.Equal(saved with { Epochs = 20, GradClip = 1 }, resumed.Config);
        var e = Assert.Throws<Training.ConfigException>(() => ResumeOptions.Apply(saved, requested,
            new HashSet<string> { "--epochs", "--schedule", "--task" }, "run/config.json", ["--cache /x (the run's cohort is /y)"]));
        Assert.Contains("--schedule constant (the run's schedule is cosine), --cache /x (the run's cohort is /y) would change", e.Message);
        Assert.DoesNotContain("--task", e.Message.Split("would change")[0]);
    }

    [Fact]
    public void TrainInitStartsFromImportedWeights()
    {
        using var dir = new TempDir();
        var (code, output, error) = CliRunner.Run(["train", "--data", run.Cohort.Root, .. TinyRun.ModelOptions, "--epochs", "1", "--batch-size", "4",
            "--device", "cpu", "--workers", "1", "--patience", "0", "--init", run.Best, "--out", dir.File("tuned")]);
        Assert.True(code == 0, error);
        Assert.Contains("init: weights of best.safetensors (task cdr, cohort: ", output);
        Assert.Contains("the optimizer starts fresh", output);
        Assert.Equal(run.Best, TrainConfig.Read(dir.File("tuned/config.json")).Init);

        // Weights of another width: every tensor named, the stem's width explained, nothing trained.
        (code, _, error) = CliRunner.Run(["train", "--data", run.Cohort.Root, "--grid", "16x20x16", "--downsample", "4", "--width-mult", "0.5",
            "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--workers", "1", "--init", run.Best, "--out", dir.File("wrong")]);
        Assert.Equal(2, code);
        Assert.Contains("try --width-mult 0.25", error);
        Assert.False(File.Exists(dir.File("wrong/metrics.csv")));
    }
}
