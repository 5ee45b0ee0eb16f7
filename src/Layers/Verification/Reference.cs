namespace ILGpuNet.Layers.Verification;

/// <summary>
/// Plain float64 C# references of the ops, written for clarity, not speed: the ground truth of every
/// kernel check and of the finite differences.
/// </summary>
public static partial class Reference
{
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double Silu(double x) => x * Sigmoid(x);

    public static double[] Map(double[] x, Func<double, double> f) => x.Select(f).ToArray();

    public static double[] Zip(double[] a, double[] b, Func<double, double, double> f) => a.Select((v, i) => f(v, b[i])).ToArray();

    /// <summary>a viewed as (outer, mid, inner), b one value per mid.</summary>
    public static double[] ZipBroadcast(double[] a, double[] b, int outer, int mid, int inner, Func<double, double, double> f)
    {
        var y = new double[a.Length];
        for (int o = 0; o < outer; o++)
            for (int m = 0; m < mid; m++)
                for (int i = 0; i < inner; i++)
                {
                    int k = (o * mid + m) * inner + i;
                    y[k] = f(a[k], b[m]);
                }
        return y;
    }

    /// <summary>x (n, c, inner): sums over n and inner per c, or over inner per (n, c).</summary>
    public static double[] ChannelSum(double[] x, int n, int c, int inner, bool perSample, bool mean)
    {
        var y = new double[perSample ? n * c : c];
        for (int s = 0; s < n; s++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < inner; i++)
                    y[perSample ? s * c + ch : ch] += x[(s * c + ch) * inner + i];
        if (mean)
            for (int k = 0; k < y.Length; k++) y[k] /= perSample ? inner : (double)inner * n;
        return y;
    }
}
