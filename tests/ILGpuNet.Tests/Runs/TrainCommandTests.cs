using ILGpuNet.Tests.Cli;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Runs;

public class TrainCommandTests
{
    [Theory]
    [InlineData("--grid 10x", "--grid: '10x' is not a grid")]
    [InlineData("--data /nonexistent/oasis", "--data /nonexistent/oasis: no such directory")]
    [InlineData("--epochs 0", "--epochs must be at least 1")]
    [InlineData("--lr -1", "--lr must be positive")]
    [InlineData("--resume /nonexistent/run", "/nonexistent/run/config.json: not found")]
    public void BadOptionsAreOneLineErrorsBeforeAnyWork(string options, string message)
    {
        var (code, _, error) = CliRunner.Run(["train", .. options.Split(' '), "--device", "cpu"]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void TheCpuSizingFillsOnlyWhatTheUserLeftOpen()
    {
        var given = new HashSet<string> { "--epochs", "--grid" };
        var config = TrainSizing.Apply(new TrainConfig { Epochs = 3, Grid = "32x40x32" }, cpu: true, given);
        Assert.Equal(3, config.Epochs);
        Assert.Equal("32x40x32", config.Grid);
        Assert.Equal(1, config.Downsample); // tied to the grid the user chose
        Assert.Equal(TrainSizing.CpuDefaults.WidthMult, config.WidthMult);
        Assert.Equal(TrainSizing.CpuDefaults.BatchSize, config.BatchSize);
        Assert.Contains("--width-mult 0.25", config.SizingNote);
        Assert.DoesNotContain("--epochs", config.SizingNote);
        var gpu = TrainSizing.Apply(new TrainConfig(), cpu: false, new HashSet<string>());
        Assert.Equal(new TrainConfig(), gpu);
    }

    [Fact]
    public void TheLearningRateWarmsUpThenFollowsTheSchedule()
    {
        var cosine = new LearningRateSchedule(ScheduleKind.Cosine, 1.0, totalSteps: 110, warmupSteps: 10);
        Assert.Equal(0.1, cosine.At(0), 12);
        Assert.Equal(1.0, cosine.At(9), 12);
        Assert.Equal(1.0, cosine.At(10), 12);
        Assert.Equal(0.5, cosine.At(60), 12);
        Assert.Equal(0.0, cosine.At(110), 12);
        var step = new LearningRateSchedule(ScheduleKind.Step, 1.0, 100, 0);
        Assert.Equal([1.0, 0.1, 0.01], new[] { step.At(10), step.At(60), step.At(90) });
    }

    /// <summary>A config.json as the version before the choices became enums wrote it (train --task brainage on the CPU).</summary>
    private const string EarlierConfigJson = """
        {
          "task": "brainage",
          "brain_age_class": "cdr",
          "synthetic_data": "/cache/synthetic-v1-n60-s42-91x109x91-mpr4",
          "synthetic_subjects": 60,
          "device": "cpu",
          "epochs": 2,
          "batch_size": 8,
          "learning_rate": 0.002,
          "optimizer": "adam",
          "weight_decay": 0,
          "schedule": "cosine",
          "warmup_epochs": 1,
          "patience": 0,
          "grid": "32x40x32",
          "downsample": 1,
          "width_mult": 0.25,
          "depth_mult": 1,
          "dropout": 0.1,
          "survival_probability": 0.8,
          "reference_head": false,
          "seed": 42,
          "normalization": "zscore",
          "all_scans": true,
          "augment": true,
          "train_fraction": 0.7,
          "val_fraction": 0.2,
          "test_fraction": 0.1,
          "class_loss_weight": 1,
          "grad_clip": 5,
          "workers": 1,
          "sync_every": 20,
          "sizing_note": "CPU accelerator: a small configuration that trains within minutes on 2 cores (--width-mult 0.25, --batch-size 8, --lr 0.002, --patience 0); give the options explicitly, or use a GPU, for the reference model at 91x109x91"
        }
        """;

    [Fact]
    public void ConfigJsonKeepsTheNamesOfItsChoicesSoEarlierRunsStillLoad()
    {
        using var dir = new Data.TempDir();
        string path = dir.File("config.json");
        File.WriteAllText(path, EarlierConfigJson);
        var config = TrainConfig.Read(path);
        Assert.Equal((TrainTask.BrainAge, ClassLabel.Cdr, OptimizerKind.Adam, ScheduleKind.Cosine, VolumeNormalization.ZScore, DeviceKind.Cpu),
            (config.Task, config.BrainAgeClass, config.Optimizer, config.Schedule, config.Normalization, config.Device));
        // Recorded before --precision existed: it computed in FP32, reads so, and says so when written again.
        Assert.Equal(Precision.Fp32, config.Precision);
        Assert.Equal(EarlierConfigJson.Replace("\"device\": \"cpu\",", "\"device\": \"cpu\",\n  \"precision\": \"fp32\","), config.ToJson());

        var other = new TrainConfig
        {
            Task = TrainTask.Sex, BrainAgeClass = ClassLabel.Sex, Optimizer = OptimizerKind.AdamW, Schedule = ScheduleKind.Step,
            Normalization = VolumeNormalization.ZScoreBrain, Device = DeviceKind.Cuda,
        };
        string json = other.ToJson();
        foreach (var field in new[] { "\"task\": \"sex\"", "\"brain_age_class\": \"sex\"", "\"optimizer\": \"adamw\"", "\"schedule\": \"step\"",
                     "\"normalization\": \"zscore-brain\"", "\"device\": \"cuda\"" })
            Assert.Contains(field, json);
        File.WriteAllText(path, json);
        Assert.Equal(other, TrainConfig.Read(path));
        // Spellings read but never written: any case, and the aliases.
        File.WriteAllText(path, json.Replace("\"sex\"", "\" SEX \"").Replace("\"zscore-brain\"", "\"z-score-brain\""));
        Assert.Equal(other, TrainConfig.Read(path));
    }
}
