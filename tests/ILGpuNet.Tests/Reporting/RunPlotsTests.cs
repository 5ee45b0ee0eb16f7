using System.Buffers.Binary;
using ILGpuNet.Training.Reporting;
using ScottPlot;
using SkiaSharp;

namespace ILGpuNet.Tests.Reporting;

public sealed class RunPlotsTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly string folder = Directory.CreateTempSubdirectory("ilgpunet-plots-").FullName;
    private readonly Random random = new(7);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void LossCurvesWithAMissingValidationEpoch()
    {
        int[] epochs = [1, 2, 3, 4, 5, 6];
        double[] train = epochs.Select(e => 1.0 / e + 0.05 * random.NextDouble()).ToArray();
        double[] val = [0.9, double.NaN, 0.6, 0.55, double.NaN, 0.5];
        string path = Path.Combine(folder, "loss.png");
        RunPlots.LossCurves(path, epochs, train, val);
        AssertPng(path);
    }

    [Fact]
    public void MetricCurvesSkipNaN()
    {
        int[] epochs = [1, 2, 3, 4];
        var series = new Dictionary<string, double[]>
        {
            ["MAE train"] = [8.1, 6.5, 5.2, 4.9],
            ["MAE val"] = [double.NaN, 7.0, double.NaN, 5.8],
            ["all missing"] = [double.NaN, double.NaN, double.NaN, double.NaN],
        };
        string path = Path.Combine(folder, "metrics.png");
        RunPlots.MetricCurves(path, epochs, series, "MAE (years)");
        AssertPng(path);
    }

    [Fact]
    public void RocOverwritesAnEarlierFileAndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(folder, "roc.png");
        File.WriteAllText(path, "old");
        double[] fpr = [0, 0.1, 0.2, double.NaN, 0.5, 1];
        double[] tpr = [0, 0.4, 0.7, 0.8, 0.9, 1];
        RunPlots.Roc(path, fpr, tpr, 0.83, "AD vs CN");
        AssertPng(path);
        Assert.Equal(["roc.png"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void PredictedVsTrueScatter()
    {
        double[] age = Enumerable.Range(0, 60).Select(_ => 20 + 70 * random.NextDouble()).ToArray();
        double[] predicted = age.Select(a => a + 6 * (random.NextDouble() - 0.5)).ToArray();
        predicted[3] = double.NaN;
        string path = Path.Combine(folder, "nested", "pred.png");
        RunPlots.PredictedVsTrue(path, age, predicted, "Validation");
        AssertPng(path);
    }

    [Fact]
    public void GapVsAgeTwoSeries()
    {
        double[] age = Enumerable.Range(0, 50).Select(_ => 20 + 70 * random.NextDouble()).ToArray();
        double[] raw = age.Select(a => 0.2 * (55 - a) + 3 * (random.NextDouble() - 0.5)).ToArray();
        double[] corrected = raw.Select((g, i) => g - 0.2 * (55 - age[i])).ToArray();
        raw[0] = double.NaN;
        corrected[1] = double.PositiveInfinity;
        string path = Path.Combine(folder, "gap.png");
        RunPlots.GapVsAge(path, age, raw, corrected);
        AssertPng(path);
    }

    [Fact]
    public void MismatchedLengthsNameTheArgument()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            RunPlots.LossCurves(Path.Combine(folder, "x.png"), [1, 2], [1.0, 2.0], [1.0]));
        Assert.Equal("valLoss", error.ParamName);
    }

    // Headless machines may lack fonts, and Skia then draws no glyphs at all: a title must change the pixels.
    [Fact]
    public void TextIsDrawn()
    {
        var plain = new Plot();
        var titled = new Plot();
        titled.Title("Loss per epoch");
        using var a = SKBitmap.Decode(plain.GetImageBytes(400, 300, ImageFormat.Png));
        using var b = SKBitmap.Decode(titled.GetImageBytes(400, 300, ImageFormat.Png));
        int differing = 0;
        for (int y = 0; y < 60; y++)
        for (int x = 0; x < 400; x++)
            if (a.GetPixel(x, y) != b.GetPixel(x, y)) differing++;
        Assert.True(differing > 200, $"only {differing} pixels changed by the title");
    }

    private static void AssertPng(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5 * 1024, $"{path} has only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(RunPlots.Width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(RunPlots.Height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
    }
}
