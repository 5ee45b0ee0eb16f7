namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>PyTorch's pooling output size along one axis (floor mode, dilation 1).</summary>
    public static int PoolOutput(int input, int kernel, int stride, int padding) => (input + 2 * padding - kernel) / stride + 1;

    /// <summary>
    /// PyTorch's MaxPool3d in float64 over x (n, c, d, h, w): windows scanned in (d, h, w) order over the
    /// padded volume, padding = -inf, a value replaces the maximum when it is greater or NaN (so ties
    /// keep the first), a window with nothing above -inf picks its first in-bounds voxel.
    /// </summary>
    public static double[] MaxPool3d(double[] x, int[] shape, (int D, int H, int W) k, (int D, int H, int W) s, (int D, int H, int W) p) =>
        MaxPool3dWithIndices(x, shape, k, s, p).Values;

    /// <summary>MaxPool3d values and, per output, the argmax as a flat index within its (n, c) volume.</summary>
    public static (double[] Values, int[] Indices) MaxPool3dWithIndices(double[] x, int[] shape,
        (int D, int H, int W) k, (int D, int H, int W) s, (int D, int H, int W) p)
    {
        int n = shape[0], c = shape[1], d = shape[2], h = shape[3], w = shape[4];
        int od = PoolOutput(d, k.D, s.D, p.D), oh = PoolOutput(h, k.H, s.H, p.H), ow = PoolOutput(w, k.W, s.W, p.W);
        var values = new double[n * c * od * oh * ow];
        var indices = new int[values.Length];
        int o = 0;
        for (int nc = 0; nc < n * c; nc++)
            for (int a = 0; a < od; a++)
                for (int b = 0; b < oh; b++)
                    for (int e = 0; e < ow; e++, o++)
                    {
                        double best = double.NegativeInfinity;
                        int bestIndex = -1;
                        for (int i = 0; i < k.D; i++)
                            for (int j = 0; j < k.H; j++)
                                for (int l = 0; l < k.W; l++)
                                {
                                    int zd = a * s.D - p.D + i, zh = b * s.H - p.H + j, zw = e * s.W - p.W + l;
                                    bool inside = zd >= 0 && zd < d && zh >= 0 && zh < h && zw >= 0 && zw < w;
                                    if (!inside) continue;  // padding is -inf: it never replaces anything
                                    int index = (zd * h + zh) * w + zw;
                                    if (bestIndex < 0) bestIndex = index;
                                    double v = x[nc * d * h * w + index];
                                    if (v > best || double.IsNaN(v)) { best = v; bestIndex = index; }
                                }
                        values[o] = best;
                        indices[o] = bestIndex;
                    }
        return (values, indices);
    }
}
