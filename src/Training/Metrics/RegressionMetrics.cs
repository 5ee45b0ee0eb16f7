namespace ILGpuNet.Training.Metrics;

/// <summary>Regression metrics of predictions against true values: MAE, RMSE, Pearson r and R^2 (1 - SS_res / SS_tot).</summary>
public sealed record RegressionMetrics(int Count, double Mae, double Rmse, double Pearson, double R2)
{
    public static RegressionMetrics Compute(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException($"{truth.Count} true values but {predicted.Count} predictions");
        int n = truth.Count;
        if (n == 0) return new RegressionMetrics(0, double.NaN, double.NaN, double.NaN, double.NaN);
        double absSum = 0, squareSum = 0, meanTrue = truth.Average();
        double totalSquares = 0;
        for (int i = 0; i < n; i++)
        {
            double e = predicted[i] - truth[i];
            absSum += Math.Abs(e);
            squareSum += e * e;
            totalSquares += (truth[i] - meanTrue) * (truth[i] - meanTrue);
        }
        return new RegressionMetrics(n, absSum / n, Math.Sqrt(squareSum / n), Statistics.Pearson(truth, predicted),
            totalSquares > 0 ? 1 - squareSum / totalSquares : double.NaN);
    }

    public Dictionary<string, double> ToDictionary(string prefix = "") => new()
    {
        [prefix + "mae"] = Mae,
        [prefix + "rmse"] = Rmse,
        [prefix + "pearson_r"] = Pearson,
        [prefix + "r2"] = R2,
    };
}
