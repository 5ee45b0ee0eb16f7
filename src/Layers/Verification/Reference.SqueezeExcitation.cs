namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>y = x * s[row] for x viewed as (rows, inner), s one value per row.</summary>
    public static double[] ScaleRows(double[] x, double[] s, int inner)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * s[i / inner];
        return y;
    }

    /// <summary>
    /// The reference model's SqueezeExcitation(c, r) in float64 over x (n, c, inner): per-(n, c) mean,
    /// hidden = SiLU(W1 mean + b1) with W1 (r, c), gate = sigmoid(W2 hidden + b2) with W2 (c, r),
    /// y = x * gate.
    /// </summary>
    public static double[] SqueezeExcitation(double[] x, double[] w1, double[] b1, double[] w2, double[] b2, int n, int c, int inner)
    {
        int r = b1.Length;
        var gate = new double[n * c];
        for (int s = 0; s < n; s++)
        {
            var mean = new double[c];
            for (int ch = 0; ch < c; ch++)
            {
                for (int i = 0; i < inner; i++) mean[ch] += x[(s * c + ch) * inner + i];
                mean[ch] /= inner;
            }
            var hidden = new double[r];
            for (int j = 0; j < r; j++)
            {
                double z = b1[j];
                for (int ch = 0; ch < c; ch++) z += w1[j * c + ch] * mean[ch];
                hidden[j] = Silu(z);
            }
            for (int ch = 0; ch < c; ch++)
            {
                double z = b2[ch];
                for (int j = 0; j < r; j++) z += w2[ch * r + j] * hidden[j];
                gate[s * c + ch] = Sigmoid(z);
            }
        }
        return ScaleRows(x, gate, inner);
    }
}
