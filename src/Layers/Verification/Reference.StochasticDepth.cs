using ILGpuNet.Kernels;

namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>The reference model's per-sample mask: sample i survives when uniform i of (seed, offset) is below p.</summary>
    public static bool[] StochasticDepthMask(ulong seed, ulong offset, int samples, float survival)
    {
        var keep = new bool[samples];
        for (int i = 0; i < samples; i++) keep[i] = Philox.Uniform(seed, offset, i) < survival;
        return keep;
    }

    /// <summary>Training-mode StochasticDepth in float64: x / p * (rand(N, 1, ...) &lt; p) over x (samples, inner).</summary>
    public static double[] StochasticDepth(double[] x, int samples, float survival, ulong seed, ulong offset)
    {
        var keep = StochasticDepthMask(seed, offset, samples, survival);
        int inner = x.Length / samples;
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = keep[i / inner] ? x[i] / survival : 0.0;
        return y;
    }
}
