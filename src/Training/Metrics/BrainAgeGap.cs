namespace ILGpuNet.Training.Metrics;

/// <summary>
/// The linear brain-age bias fit predicted = Slope * age + Intercept: the naive gap shrinks towards the mean
/// age (regression to the mean), so the gap of the old is negative and that of the young positive whatever
/// their brains look like. Fit it on predictions the network did not train on (runs use the validation
/// split): on its training subjects a network is nearly exact, the line has a slope near 1 and corrects little.
/// </summary>
public sealed record BrainAgeFit(double Slope, double Intercept)
{
    public static BrainAgeFit Fit(IReadOnlyList<double> age, IReadOnlyList<double> predicted)
    {
        var (slope, intercept) = Statistics.LinearFit(age, predicted);
        return new BrainAgeFit(slope, intercept);
    }

    /// <summary>corrected = predicted + (age - (Slope * age + Intercept)).</summary>
    public double Correct(double predicted, double age) => predicted + (age - (Slope * age + Intercept));
}

/// <summary>Mean corrected gap of CDR &gt; 0 against CDR = 0 subjects, Welch's t-test and Cohen's d.</summary>
public sealed record BrainAgeDeficit(int Demented, int Healthy, double MeanGapDemented, double MeanGapHealthy,
    double Difference, double T, double Df, double P, double CohensD);

/// <summary>
/// The brain-age gap of a split: raw and corrected, their correlation with age, and the deficit. <see cref="Fit"/>
/// is null for pooled cross-validation predictions, each corrected by its own fold's fit.
/// </summary>
public sealed record BrainAgeGapReport(BrainAgeFit? Fit, double MeanGapRaw, double MeanGapCorrected,
    double GapAgeCorrelationRaw, double GapAgeCorrelationCorrected, RegressionMetrics Corrected, BrainAgeDeficit? Deficit)
{
    /// <param name="cdrClass">Per sample 0/1, or null when CDR is unknown (no deficit then).</param>
    public static BrainAgeGapReport Analyse(BrainAgeFit fit, IReadOnlyList<double> age, IReadOnlyList<double> predicted, IReadOnlyList<int>? cdrClass) =>
        Analyse(fit, age, predicted, age.Select((a, i) => fit.Correct(predicted[i], a)).ToList(), cdrClass);

    /// <summary>The same from corrected ages already computed (<paramref name="fit"/>: the one line they come from, if any).</summary>
    public static BrainAgeGapReport Analyse(BrainAgeFit? fit, IReadOnlyList<double> age, IReadOnlyList<double> predicted,
        IReadOnlyList<double> correctedAge, IReadOnlyList<int>? cdrClass)
    {
        int n = age.Count;
        var raw = new double[n];
        var corrected = new double[n];
        for (int i = 0; i < n; i++)
        {
            raw[i] = predicted[i] - age[i];
            corrected[i] = correctedAge[i] - age[i];
        }
        BrainAgeDeficit? deficit = null;
        if (cdrClass is not null)
        {
            var demented = Enumerable.Range(0, n).Where(i => cdrClass[i] == 1).Select(i => corrected[i]).ToList();
            var healthy = Enumerable.Range(0, n).Where(i => cdrClass[i] == 0).Select(i => corrected[i]).ToList();
            if (demented.Count > 0 && healthy.Count > 0)
            {
                var (t, df, p) = Statistics.WelchTTest(demented, healthy);
                double md = demented.Average(), mh = healthy.Average();
                deficit = new BrainAgeDeficit(demented.Count, healthy.Count, md, mh, md - mh, t, df, p, Statistics.CohensD(demented, healthy));
            }
        }
        return new BrainAgeGapReport(fit, n > 0 ? raw.Average() : double.NaN, n > 0 ? corrected.Average() : double.NaN,
            Statistics.Pearson(age, raw), Statistics.Pearson(age, corrected), RegressionMetrics.Compute(age, correctedAge), deficit);
    }
}
