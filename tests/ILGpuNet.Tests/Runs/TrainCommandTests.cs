using ILGpuNet.Tests.Cli;
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
        var cosine = new LearningRateSchedule("cosine", 1.0, totalSteps: 110, warmupSteps: 10);
        Assert.Equal(0.1, cosine.At(0), 12);
        Assert.Equal(1.0, cosine.At(9), 12);
        Assert.Equal(1.0, cosine.At(10), 12);
        Assert.Equal(0.5, cosine.At(60), 12);
        Assert.Equal(0.0, cosine.At(110), 12);
        var step = new LearningRateSchedule("step", 1.0, 100, 0);
        Assert.Equal([1.0, 0.1, 0.01], new[] { step.At(10), step.At(60), step.At(90) });
    }
}
