namespace ILGpuNet.Training.Runs;

/// <summary>
/// The age head learns standardised years, (age - Mean) / Std with the training split's statistics, so
/// its loss has the scale of the classification loss; predictions are mapped back with <see cref="ToYears"/>.
/// </summary>
public sealed record AgeScale(double Mean, double Std)
{
    public static AgeScale Fit(IEnumerable<float> ages)
    {
        var a = ages.Select(x => (double)x).ToArray();
        if (a.Length == 0) return new AgeScale(0, 1);
        double mean = a.Average();
        double std = Math.Sqrt(a.Sum(x => (x - mean) * (x - mean)) / a.Length);
        return new AgeScale(mean, std > 1e-6 ? std : 1);
    }

    public float ToUnit(float years) => (float)((years - Mean) / Std);

    public float ToYears(float unit) => (float)(unit * Std + Mean);
}
