using ILGpuNet.Training.Reporting;
using ILGpuNet.Training.Runs;
using Spectre.Console;

namespace ILGpuNet.Tests.Reporting;

public sealed class EpochProgressTests
{
    [Fact]
    public void PlainLinesEveryQuarterWithRateMeanLossAndEta()
    {
        var output = new StringWriter();
        var seconds = 0.0;
        double[] losses = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];
        using (IEpochProgress progress = EpochProgress.StartPlain(3, 12, 256, output, () => TimeSpan.FromSeconds(seconds)))
        {
            foreach (double loss in losses)
            {
                seconds += 2;
                progress.Advance(32, loss);
            }
        }
        string[] lines = Lines(output);
        Assert.Equal(4, lines.Length);
        // After 4 batches: 128 samples in 8 s = 16 samples/s, mean loss 0.85, 128 left at 16/s = 8 s.
        Assert.Equal("  epoch 3/12  50%  128/256 samples  16.0 samples/s  loss 0.8500  eta 8 s", lines[1]);
        Assert.Equal("  epoch 3/12  100%  256/256 samples  16.0 samples/s  loss 0.6500  eta 0 s", lines[3]);
        Assert.StartsWith("  epoch 3/12  25%  64/256 samples", lines[0]);
    }

    [Fact]
    public void MeanLossIsWeightedByBatchSize()
    {
        var seconds = 0.0;
        using var progress = EpochProgress.StartPlain(1, 1, 100, TextWriter.Null, () => TimeSpan.FromSeconds(seconds));
        Assert.True(double.IsNaN(progress.MeanLoss));
        progress.Advance(30, 2.0);
        progress.Advance(10, 6.0);
        seconds = 4;
        Assert.Equal((30 * 2.0 + 10 * 6.0) / 40, progress.MeanLoss, 12);
        Assert.Equal(10.0, progress.SamplesPerSecond, 12);
        Assert.Equal(40, progress.SamplesDone);
    }

    [Fact]
    public void OneLinePerAdvanceEvenAcrossSeveralQuartersAndNoneAfterDispose()
    {
        var output = new StringWriter();
        var progress = EpochProgress.StartPlain(1, 2, 10, output, () => TimeSpan.FromSeconds(1));
        progress.Advance(1, 0.5);
        Assert.Empty(Lines(output));
        progress.Advance(7, 0.5); // 80 %: passes 25, 50 and 75 % at once
        Assert.Single(Lines(output));
        progress.Dispose();
        progress.Advance(2, 0.5);
        progress.Dispose();
        Assert.Single(Lines(output));
        Assert.Equal(8, progress.SamplesDone);
    }

    [Fact]
    public void StartOnAWriterThatIsNotTheConsoleWritesPlainLines()
    {
        var output = new StringWriter();
        using (var progress = EpochProgress.Start(2, 5, 4, output))
            for (int i = 0; i < 4; i++) progress.Advance(1, 0.25);
        string[] lines = Lines(output);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("  epoch 2/5  100%  4/4 samples", lines[3]);
        Assert.Contains("loss 0.2500", lines[3]);
    }

    [Fact]
    public void LiveBarRendersAndDisposeEndsItsDisplay()
    {
        var captured = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(captured),
        });
        using (var progress = EpochProgress.StartLive(4, 9, 64, console))
            for (int i = 0; i < 8; i++) progress.Advance(8, 0.5);
        string text = captured.ToString();
        Assert.Contains("epoch 4/9", text);
        Assert.Contains("100%", text);
        Assert.Contains("loss 0.5000", text);
        // The display has released the console: a second epoch can start a live display of its own.
        using (var next = EpochProgress.StartLive(5, 9, 8, console)) next.Advance(8, 0.4);
        Assert.Contains("epoch 5/9", captured.ToString());
    }

    private static string[] Lines(StringWriter output) =>
        output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
}
