namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>op(A) op(B) for row-major A (stored ra x ca) and B (stored rb x cb).</summary>
    public static double[] MatMul(double[] a, int ra, int ca, bool transA, double[] b, int rb, int cb, bool transB)
    {
        int m = transA ? ca : ra, k = transA ? ra : ca, n = transB ? rb : cb;
        var y = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[p * ca + i] : a[i * ca + p]) * (transB ? b[j * cb + p] : b[p * cb + j]);
                y[i * n + j] = s;
            }
        return y;
    }

    /// <summary>PyTorch's Linear: x (n, in), w (out, in), bias (out) or null.</summary>
    public static double[] Linear(double[] x, double[] w, double[]? bias, int n, int inputs, int outputs)
    {
        var y = MatMul(x, n, inputs, false, w, outputs, inputs, true);
        if (bias != null)
            for (int i = 0; i < n; i++)
                for (int o = 0; o < outputs; o++) y[i * outputs + o] += bias[o];
        return y;
    }
}
