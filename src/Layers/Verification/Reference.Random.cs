using ILGpuNet.Kernels;

namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>The dropout mask of the stream (seed, offset): element i survives when its uniform u_i >= p.</summary>
    public static bool[] DropoutMask(ulong seed, ulong offset, int n, float p)
    {
        var keep = new bool[n];
        for (int i = 0; i < n; i++) keep[i] = Philox.Uniform(seed, offset, i) >= p;
        return keep;
    }

    /// <summary>PyTorch dropout in float64: x * mask / (1 - p), zeros for p = 1.</summary>
    public static double[] Dropout(double[] x, float p, ulong seed, ulong offset)
    {
        var keep = DropoutMask(seed, offset, x.Length, p);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = keep[i] ? x[i] / (1.0 - p) : 0.0;
        return y;
    }
}
