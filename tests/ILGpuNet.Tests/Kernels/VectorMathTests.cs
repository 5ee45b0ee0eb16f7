using System.Runtime.Intrinsics;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tests.Kernels;

public class VectorMathTests
{
    /// <summary>e^x against the float64 exp over the whole clamped range (100,000 points), and the clamps beyond it.</summary>
    [Fact]
    public void ExpIsWithinTwoUlp()
    {
        if (!Vector512.IsHardwareAccelerated) return;  // only the vector code calls it (AVX-512 machines)
        var rng = new Random(21);
        double worst = 0;
        for (int i = 0; i < 100_000 / 16; i++)
        {
            var x = new float[16];
            for (int j = 0; j < 16; j++) x[j] = (float)(rng.NextDouble() * 175 - 87);
            var e = VectorMath.Exp(Vector512.Create(x));
            for (int j = 0; j < 16; j++)
            {
                double exact = Math.Exp(x[j]);
                worst = Math.Max(worst, Math.Abs(e[j] - exact) / exact);
            }
        }
        Assert.True(worst < 2.5e-7, $"worst relative error {worst:E2}");
        var edges = VectorMath.Exp(Vector512.Create(-1000f, -87f, 0f, 88f, 1000f, 1e-8f, -1e-8f, 1f, -1f, 10f, -10f, 50f, -50f, 0.5f, -0.5f, 2f));
        Assert.Equal(Math.Exp(-87), edges[0], 1e-44);
        Assert.Equal(1f, edges[2]);
        Assert.True(float.IsFinite(edges[4]) && edges[4] > 1e38f);
        Assert.Equal(Math.E, edges[7], 1e-6);
    }
}
