namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>
    /// Per-channel mean and biased variance of x (n, c, s) over n and s, two passes in float64.
    /// </summary>
    public static (double[] Mean, double[] Var) BatchStatistics(double[] x, int n, int c, int s)
    {
        var mean = new double[c];
        var variance = new double[c];
        double count = (double)n * s;
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int b = 0; b < n; b++)
                for (int i = 0; i < s; i++) sum += x[(b * c + ch) * s + i];
            mean[ch] = sum / count;
            double sq = 0;
            for (int b = 0; b < n; b++)
                for (int i = 0; i < s; i++)
                {
                    double d = x[(b * c + ch) * s + i] - mean[ch];
                    sq += d * d;
                }
            variance[ch] = sq / count;
        }
        return (mean, variance);
    }

    /// <summary>
    /// PyTorch's batch_norm on x (n, c, s) followed by the fusions of Ops.BatchNorm3d:
    /// y = branch[n] * act((x - mean) / sqrt(var + eps) * gamma + beta) + residual, with batch statistics
    /// (biased variance) in training and the running ones otherwise.
    /// </summary>
    public static double[] BatchNorm(double[] x, double[] gamma, double[] beta, double[] runningMean, double[] runningVar,
        int n, int c, int s, bool training, double eps, Func<double, double>? act = null, double[]? residual = null, double[]? branchScale = null)
    {
        var (mean, variance) = training ? BatchStatistics(x, n, c, s) : (runningMean, runningVar);
        var y = new double[x.Length];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                double invstd = 1 / Math.Sqrt(variance[ch] + eps);
                for (int i = 0; i < s; i++)
                {
                    int k = (b * c + ch) * s + i;
                    double z = (x[k] - mean[ch]) * invstd * gamma[ch] + beta[ch];
                    double v = (act ?? (t => t))(z) * (branchScale?[b] ?? 1);
                    y[k] = v + (residual?[k] ?? 0);
                }
            }
        return y;
    }

    /// <summary>
    /// PyTorch's running-statistics update of one training forward, in place:
    /// running = (1 - momentum) * running + momentum * batch value, unbiased variance (M / (M - 1)) for running_var.
    /// </summary>
    public static void BatchNormRunningUpdate(double[] x, double[] runningMean, double[] runningVar, int n, int c, int s, double momentum)
    {
        var (mean, variance) = BatchStatistics(x, n, c, s);
        double count = (double)n * s;
        for (int ch = 0; ch < c; ch++)
        {
            runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mean[ch];
            runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * variance[ch] * count / (count - 1);
        }
    }
}
