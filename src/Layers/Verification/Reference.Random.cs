using ILGpuNet.Kernels;

namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>Values 0..n-1 of the uniform [0, 1) stream (seed, offset), as the kernels must write them bit for bit.</summary>
    public static double[] PhiloxUniform(ulong seed, ulong offset, int n)
    {
        var u = new double[n];
        for (int i = 0; i < n; i++) u[i] = Philox.Uniform(seed, offset, i);
        return u;
    }

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
