namespace ILGpuNet.Training.Metrics;

/// <summary>
/// Binary classification metrics from labels (0/1, 1 = positive: CDR &gt; 0, or F for sex) and the
/// positive class's probability, thresholded at 0.5. A rate whose denominator is empty (no positives,
/// say) is NaN, never an exception: a small validation split may lack a class.
/// </summary>
public sealed record ClassificationMetrics(int Count, double Accuracy, double BalancedAccuracy, double Sensitivity,
    double Specificity, double Auc, int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives)
{
    public static ClassificationMetrics Compute(IReadOnlyList<int> labels, IReadOnlyList<double> positiveProbability, double threshold = 0.5)
    {
        if (labels.Count != positiveProbability.Count)
            throw new ArgumentException($"{labels.Count} labels but {positiveProbability.Count} probabilities");
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            bool predicted = positiveProbability[i] >= threshold;
            if (labels[i] == 1) { if (predicted) tp++; else fn++; }
            else { if (predicted) fp++; else tn++; }
        }
        double sensitivity = Ratio(tp, tp + fn), specificity = Ratio(tn, tn + fp);
        return new ClassificationMetrics(labels.Count, Ratio(tp + tn, labels.Count), (sensitivity + specificity) / 2,
            sensitivity, specificity, RocAuc(labels, positiveProbability), tp, fp, tn, fn);
    }

    /// <summary>The confusion matrix, rows true class (0, 1), columns predicted class.</summary>
    public int[,] Confusion => new[,] { { TrueNegatives, FalsePositives }, { FalseNegatives, TruePositives } };

    /// <summary>
    /// Area under the ROC curve as the Mann-Whitney statistic: the probability that a random positive
    /// scores above a random negative, ties counting one half (average ranks).
    /// </summary>
    public static double RocAuc(IReadOnlyList<int> labels, IReadOnlyList<double> scores)
    {
        int n = labels.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => scores[i]).ToArray();
        var ranks = new double[n];
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) ranks[order[k]] = rank;
            i = j + 1;
        }
        long positives = labels.Count(l => l == 1), negatives = n - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        double rankSum = 0;
        for (int i = 0; i < n; i++) if (labels[i] == 1) rankSum += ranks[i];
        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>ROC curve points (false-positive rate, true-positive rate), from (0,0) to (1,1), one point per distinct score.</summary>
    public static (double[] Fpr, double[] Tpr) RocCurve(IReadOnlyList<int> labels, IReadOnlyList<double> scores)
    {
        int positives = labels.Count(l => l == 1), negatives = labels.Count - positives;
        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        var order = Enumerable.Range(0, labels.Count).OrderByDescending(i => scores[i]).ToArray();
        int tp = 0, fp = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (labels[order[i]] == 1) tp++; else fp++;
            if (i + 1 < order.Length && scores[order[i + 1]] == scores[order[i]]) continue;
            fpr.Add(Ratio(fp, negatives));
            tpr.Add(Ratio(tp, positives));
        }
        return (fpr.ToArray(), tpr.ToArray());
    }

    private static double Ratio(int a, int b) => b == 0 ? double.NaN : (double)a / b;

    /// <summary>The metrics as named values (metrics.csv, summary.json).</summary>
    public Dictionary<string, double> ToDictionary(string prefix = "") => new()
    {
        [prefix + "accuracy"] = Accuracy,
        [prefix + "balanced_accuracy"] = BalancedAccuracy,
        [prefix + "sensitivity"] = Sensitivity,
        [prefix + "specificity"] = Specificity,
        [prefix + "auc"] = Auc,
    };
}
