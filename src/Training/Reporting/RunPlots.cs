using ILGpuNet.Training.IO;
using ScottPlot;

namespace ILGpuNet.Training.Reporting;

/// <summary>
/// The PNG figures of a training run (ScottPlot, 800x600). Inputs are plain arrays; points with a NaN or infinite
/// coordinate are left out, so a curve may have gaps (an epoch without validation, say). Files are written atomically.
/// </summary>
public static class RunPlots
{
    public const int Width = 800;
    public const int Height = 600;

    public static void LossCurves(string path, int[] epochs, double[] trainLoss, double[] valLoss)
    {
        var xs = AsDoubles(epochs);
        var plot = NewEpochPlot("Loss per epoch", "loss");
        AddCurve(plot, xs, trainLoss, "train", nameof(trainLoss));
        AddCurve(plot, xs, valLoss, "validation", nameof(valLoss));
        Save(plot, path);
    }

    public static void MetricCurves(string path, int[] epochs, IReadOnlyDictionary<string, double[]> series, string yLabel)
    {
        var xs = AsDoubles(epochs);
        var plot = NewEpochPlot($"{yLabel} per epoch", yLabel);
        foreach (var (name, ys) in series) AddCurve(plot, xs, ys, name, name);
        Save(plot, path);
    }

    public static void Roc(string path, double[] fpr, double[] tpr, double auc, string title)
    {
        var plot = NewPlot(title, "false positive rate", "true positive rate", legendOutside: false);
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LegendText = "chance";
        chance.LinePattern = LinePattern.Dashed;
        chance.Color = Colors.Gray;
        AddCurve(plot, fpr, tpr, $"ROC (AUC = {auc:0.000})", nameof(tpr));
        plot.Axes.SetLimits(0, 1, 0, 1);
        Save(plot, path);
    }

    public static void PredictedVsTrue(string path, double[] trueAge, double[] predicted, string title)
    {
        var (xs, ys) = FinitePairs(trueAge, predicted, nameof(predicted));
        double mae = xs.Length == 0 ? double.NaN : xs.Zip(ys, (t, p) => Math.Abs(p - t)).Average();
        var plot = NewPlot($"{title} (MAE {mae:0.00} years)", "true age (years)", "predicted age (years)");
        if (xs.Length > 0)
        {
            double lo = Math.Min(xs.Min(), ys.Min()), hi = Math.Max(xs.Max(), ys.Max());
            var identity = plot.Add.Line(lo, lo, hi, hi);
            identity.LegendText = "identity";
            identity.LinePattern = LinePattern.Dashed;
            identity.Color = Colors.Gray;
        }
        AddPoints(plot, xs, ys, $"subjects (n = {xs.Length}, MAE {mae:0.00})");
        Save(plot, path);
    }

    public static void GapVsAge(string path, double[] age, double[] gapRaw, double[] gapCorrected)
    {
        var plot = NewPlot("Brain-age gap vs age", "age (years)", "predicted - true age (years)");
        var zero = plot.Add.HorizontalLine(0);
        zero.Color = Colors.Gray;
        zero.LinePattern = LinePattern.Dashed;
        zero.LegendText = "zero gap";
        var (rawX, rawY) = FinitePairs(age, gapRaw, nameof(gapRaw));
        AddPoints(plot, rawX, rawY, "raw gap");
        var (corX, corY) = FinitePairs(age, gapCorrected, nameof(gapCorrected));
        AddPoints(plot, corX, corY, "bias-corrected gap");
        Save(plot, path);
    }

    // The legend sits outside the data area so it never hides points; the ROC puts it back in its empty corner.
    private static Plot NewPlot(string title, string xLabel, string yLabel, bool legendOutside = true)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (legendOutside) plot.ShowLegend(Edge.Right);
        else plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static Plot NewEpochPlot(string title, string yLabel)
    {
        var plot = NewPlot(title, "epoch", yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        return plot;
    }

    private static void AddCurve(Plot plot, double[] xs, double[] ys, string label, string argument)
    {
        var (x, y) = FinitePairs(xs, ys, argument);
        if (x.Length == 0) return;
        var line = plot.Add.Scatter(x, y);
        line.LegendText = label;
        line.MarkerSize = 4;
    }

    private static void AddPoints(Plot plot, double[] xs, double[] ys, string label)
    {
        if (xs.Length == 0) return;
        var points = plot.Add.ScatterPoints(xs, ys);
        points.LegendText = label;
        points.MarkerSize = 5;
    }

    private static (double[] X, double[] Y) FinitePairs(double[] xs, double[] ys, string argument)
    {
        if (xs.Length != ys.Length)
            throw new ArgumentException($"{argument} has {ys.Length} values for {xs.Length} x values", argument);
        var keep = Enumerable.Range(0, xs.Length).Where(i => double.IsFinite(xs[i]) && double.IsFinite(ys[i])).ToArray();
        return (keep.Select(i => xs[i]).ToArray(), keep.Select(i => ys[i]).ToArray());
    }

    private static double[] AsDoubles(int[] values) => Array.ConvertAll(values, v => (double)v);

    // Rendered to a temporary file beside the target, then moved over it, so a reader never sees half a PNG.
    private static void Save(Plot plot, string path)
    {
        var png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png), durable: false);
    }
}
