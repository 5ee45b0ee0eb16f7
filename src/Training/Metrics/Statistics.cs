using MathNet.Numerics.Distributions;

namespace ILGpuNet.Training.Metrics;

/// <summary>Host statistics the reports need: correlation, least squares, Welch's t-test, Cohen's d.</summary>
public static class Statistics
{
    /// <summary>Pearson's correlation; NaN when either side is constant or there are fewer than 2 values.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count;
        if (n < 2) return double.NaN;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }

    /// <summary>Least-squares line y = slope x + intercept.</summary>
    public static (double Slope, double Intercept) LinearFit(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count < 2) throw new ArgumentException("a line needs at least two points");
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < x.Count; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        if (sxx == 0) throw new ArgumentException("a line needs at least two distinct x values");
        double slope = sxy / sxx;
        return (slope, my - slope * mx);
    }

    /// <summary>Welch's two-sample t-test (unequal variances): t, Welch-Satterthwaite degrees of freedom, two-sided p.</summary>
    public static (double T, double Df, double P) WelchTTest(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count < 2 || b.Count < 2) return (double.NaN, double.NaN, double.NaN);
        double ma = a.Average(), mb = b.Average();
        double va = a.Sum(v => (v - ma) * (v - ma)) / (a.Count - 1), vb = b.Sum(v => (v - mb) * (v - mb)) / (b.Count - 1);
        double sa = va / a.Count, sb = vb / b.Count;
        if (sa + sb == 0) return (double.NaN, double.NaN, double.NaN);
        double t = (ma - mb) / Math.Sqrt(sa + sb);
        double df = (sa + sb) * (sa + sb) / (sa * sa / (a.Count - 1) + sb * sb / (b.Count - 1));
        double p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        return (t, df, p);
    }

    /// <summary>Cohen's d with the pooled standard deviation.</summary>
    public static double CohensD(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count < 2 || b.Count < 2) return double.NaN;
        double ma = a.Average(), mb = b.Average();
        double ssa = a.Sum(v => (v - ma) * (v - ma)), ssb = b.Sum(v => (v - mb) * (v - mb));
        double pooled = Math.Sqrt((ssa + ssb) / (a.Count + b.Count - 2));
        return pooled > 0 ? (ma - mb) / pooled : double.NaN;
    }
}
