namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>
    /// PyTorch's cross_entropy, mean reduction: logits (n, k), class indices as doubles, optional class
    /// weights (k): sum_i w[y_i] nll_i / sum_i w[y_i], the denominator over the targets actually present.
    /// </summary>
    public static double[] CrossEntropy(double[] logits, double[] targets, double[]? weights, int n, int k)
    {
        double loss = 0, weightSum = 0;
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < k; j++) max = Math.Max(max, logits[i * k + j]);
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.Exp(logits[i * k + j] - max);
            int y = (int)targets[i];
            double w = weights?[y] ?? 1;
            loss += w * (max + Math.Log(sum) - logits[i * k + y]);
            weightSum += w;
        }
        return [loss / weightSum];
    }

    /// <summary>
    /// Mean of -(p t log s(x) + (1 - t) log(1 - s(x))), p = posWeight[i % p.Length] (1 without), with
    /// log s(x) = -softplus(-x) and log(1 - s(x)) = -softplus(x).
    /// </summary>
    public static double[] BinaryCrossEntropyWithLogits(double[] x, double[] t, double[]? posWeight)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double p = posWeight == null ? 1 : posWeight[i % posWeight.Length];
            sum += p * t[i] * Softplus(-x[i]) + (1 - t[i]) * Softplus(x[i]);
        }
        return [sum / x.Length];
    }

    public static double Softplus(double z) => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));

    public static double[] MseLoss(double[] x, double[] t) => [x.Select((v, i) => (v - t[i]) * (v - t[i])).Average()];

    public static double[] L1Loss(double[] x, double[] t) => [x.Select((v, i) => Math.Abs(v - t[i])).Average()];

    public static double[] HuberLoss(double[] x, double[] t, double delta) =>
        [x.Select((v, i) =>
        {
            double d = Math.Abs(v - t[i]);
            return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
        }).Average()];
}
