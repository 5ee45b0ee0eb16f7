using ILGpuNet.Training.Metrics;

namespace ILGpuNet.Tests.Metrics;

public class MetricsTests
{
    [Fact]
    public void ClassificationMetricsMatchHandCounts()
    {
        int[] labels = [1, 1, 1, 0, 0, 0, 0, 1];
        double[] p = [0.9, 0.6, 0.4, 0.2, 0.7, 0.1, 0.3, 0.8];
        var m = ClassificationMetrics.Compute(labels, p);
        // Predicted positive at >= 0.5: indices 0, 1, 4, 7 -> TP 3 (0, 1, 7), FP 1 (4), FN 1 (2), TN 3.
        Assert.Equal((3, 1, 3, 1), (m.TruePositives, m.FalsePositives, m.TrueNegatives, m.FalseNegatives));
        Assert.Equal(0.75, m.Accuracy, 12);
        Assert.Equal(0.75, m.Sensitivity, 12);
        Assert.Equal(0.75, m.Specificity, 12);
        Assert.Equal(0.75, m.BalancedAccuracy, 12);
        // Pairs (positive, negative) ranked right: 0.9, 0.8 beat all 4; 0.6 beats 3 of 4; 0.4 beats 0.2, 0.1, 0.3.
        Assert.Equal((4 + 4 + 3 + 3) / 16.0, m.Auc, 12);
        Assert.Equal(new[,] { { 3, 1 }, { 1, 3 } }, m.Confusion);
    }

    [Fact]
    public void AucCountsTiesAsHalfAndIsNaNWithOneClass()
    {
        Assert.Equal(0.5, ClassificationMetrics.RocAuc([0, 1], [0.3, 0.3]), 12);
        Assert.Equal(0.75, ClassificationMetrics.RocAuc([0, 0, 1], [0.2, 0.5, 0.5]), 12);
        Assert.True(double.IsNaN(ClassificationMetrics.RocAuc([1, 1], [0.2, 0.4])));
        var m = ClassificationMetrics.Compute([0, 0], [0.1, 0.7]);
        Assert.True(double.IsNaN(m.Sensitivity));
        Assert.Equal(0.5, m.Specificity, 12);
    }

    [Fact]
    public void RocCurveRunsFromOriginToOneOne()
    {
        var (fpr, tpr) = ClassificationMetrics.RocCurve([1, 0, 1, 0], [0.9, 0.8, 0.8, 0.1]);
        Assert.Equal([0, 0, 0.5, 1], fpr);
        Assert.Equal([0, 0.5, 1, 1], tpr);
    }

    [Fact]
    public void RegressionMetricsMatchHandComputation()
    {
        double[] truth = [1, 2, 3, 4];
        double[] pred = [1.5, 2, 2, 5];
        var m = RegressionMetrics.Compute(truth, pred);
        Assert.Equal((0.5 + 0 + 1 + 1) / 4, m.Mae, 12);
        Assert.Equal(Math.Sqrt((0.25 + 0 + 1 + 1) / 4), m.Rmse, 12);
        Assert.Equal(1 - 2.25 / 5.0, m.R2, 12);
        // Pearson by hand: means 2.5 and 2.625; sxy 5.25, sxx 5, syy 7.6875.
        Assert.Equal(5.25 / Math.Sqrt(5 * 7.6875), m.Pearson, 12);
    }

    [Fact]
    public void WelchTestMatchesATextbookValue()
    {
        // Two samples whose Welch statistics were computed by hand: means 20 and 22, variances 2.5 and 10.
        double[] a = [18, 19, 20, 21, 22];
        double[] b = [18, 20, 22, 24, 26];
        var (t, df, p) = Statistics.WelchTTest(a, b);
        Assert.Equal(-2 / Math.Sqrt(2.5 / 5 + 10 / 5.0), t, 10);
        Assert.Equal(Math.Pow(0.5 + 2, 2) / (0.25 / 4 + 4 / 4.0), df, 10);
        // Two-sided p of t = -1.2649 at df 5.882 (StudentT CDF): about 0.25.
        Assert.InRange(p, 0.24, 0.27);
        Assert.Equal(-2 / Math.Sqrt((10 + 40) / 8.0), Statistics.CohensD(a, b), 10);
    }

    [Fact]
    public void BiasCorrectionRemovesTheRegressionToTheMean()
    {
        var rng = new Random(5);
        var age = Enumerable.Range(0, 400).Select(_ => 20 + 70 * rng.NextDouble()).ToArray();
        // Predictions shrink towards 55 (slope 0.6) plus noise: the naive gap correlates with age.
        var predicted = age.Select(a => 0.6 * a + 22 + rng.NextDouble() - 0.5).ToArray();
        var fit = BrainAgeFit.Fit(age, predicted);
        Assert.Equal(0.6, fit.Slope, 2);
        Assert.Equal(22, fit.Intercept, 0);
        var report = BrainAgeGapReport.Analyse(fit, age, predicted, age.Select((a, i) => i % 2).ToArray());
        Assert.True(report.GapAgeCorrelationRaw < -0.9, $"raw gap correlation {report.GapAgeCorrelationRaw}");
        Assert.InRange(report.GapAgeCorrelationCorrected, -0.1, 0.1);
        Assert.InRange(report.MeanGapCorrected, -0.1, 0.1);
        Assert.NotNull(report.Deficit);
        Assert.Equal(200, report.Deficit!.Demented);
    }

    [Fact]
    public void ACorrectionFittedOnHeldOutPredictionsRemovesTheBiasWhereOneFittedOnTrainingSubjectsCannot()
    {
        // A network nearly exact on its training subjects (slope 0.97) that shrinks unseen brains towards the
        // mean (slope 0.6): the held-out validation and test subjects share that shrinkage.
        var rng = new Random(11);
        double[] Ages(int n) => Enumerable.Range(0, n).Select(_ => 20 + 70 * rng.NextDouble()).ToArray();
        double[] Seen(double[] age) => age.Select(a => 0.97 * a + 1.6 + 0.5 * (rng.NextDouble() - 0.5)).ToArray();
        double[] Unseen(double[] age) => age.Select(a => 0.6 * a + 22 + 6 * (rng.NextDouble() - 0.5)).ToArray();
        double[] trainAge = Ages(300), valAge = Ages(80), testAge = Ages(120);
        double[] train = Seen(trainAge), val = Unseen(valAge), test = Unseen(testAge);

        var inSample = BrainAgeGapReport.Analyse(BrainAgeFit.Fit(trainAge, train), testAge, test, null);
        var heldOut = BrainAgeGapReport.Analyse(BrainAgeFit.Fit(valAge, val), testAge, test, null);
        Assert.True(heldOut.GapAgeCorrelationRaw < -0.9, $"raw test gap correlation {heldOut.GapAgeCorrelationRaw}");
        Assert.Equal(heldOut.GapAgeCorrelationRaw, inSample.GapAgeCorrelationRaw, 12);
        Assert.True(inSample.GapAgeCorrelationCorrected < -0.8, $"corrected with the training fit: {inSample.GapAgeCorrelationCorrected}");
        Assert.InRange(heldOut.GapAgeCorrelationCorrected, -0.15, 0.15);
        Assert.InRange(heldOut.MeanGapCorrected, -1.0, 1.0);
    }
}
