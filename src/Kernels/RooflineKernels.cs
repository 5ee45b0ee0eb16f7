using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// The two ceilings of the roofline model, measured on the device at hand: a streaming copy (memory
/// bandwidth) and independent FMA chains held in registers (FP32 arithmetic). Other kernels report their
/// rates as a share of these, so "92 %" means the same thing on a 2-core VM and on an H100.
/// </summary>
[OpKind("other")]  // benchmarks only: no op of the model
public static class RooflineKernels
{
    /// <summary>Independent FMA chains per item: enough to hide the FMA latency (4 cycles on Hopper) within one thread.</summary>
    public const int Chains = 8;

    /// <summary>Rounds of <see cref="Chains"/> FMAs per loop iteration, written out so the loop's counter and branch take few issue slots (3 per 64 FMAs).</summary>
    public const int Unroll = 8;

    /// <summary>Floating-point operations one item of <see cref="Fma"/> performs: 2 per FMA.</summary>
    public static long FlopsPerItem(int iterations) => 2L * Chains * Unroll * iterations;

    /// <summary>y = x, streamed as Float4 groups like the elementwise kernels (launch over n/4 items).</summary>
    [Kernel]
    public static void Copy(ArrayView<float> x, ArrayView<float> y, int n, int chunk)
    {
        var x4 = x.Cast<Float4>();
        var y4 = y.Cast<Float4>();
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++) y4[i] = x4[i];
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++) y[i] = x[i];
    }

    /// <summary>
    /// For each item i: <see cref="Chains"/> chains start at x[i] + c/8 and each runs v = fma(v, a, b)
    /// <paramref name="iterations"/> x <see cref="Unroll"/> times; y[i] is the sum of the chains. a and b
    /// are runtime values and the result is stored, so the compiler can neither fold nor drop the chains.
    /// Written as v * a + b: ILGPU emits mul.f32 + add.f32 and ptxas contracts them into one FFMA (as in
    /// the GEMM kernels), whereas MathF.FusedMultiplyAdd becomes an unresolved extern call in ILGPU 1.5.3's PTX.
    /// Memory traffic (one read, one write per item) is negligible against the arithmetic.
    /// </summary>
    [Kernel]
    public static void Fma(ArrayView<float> x, ArrayView<float> y, int n, int iterations, float a, float b, int chunk)
    {
        for (var work = Work.Ranges(n, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++)
            {
                float s = x[i];
                float v0 = s, v1 = s + 0.125f, v2 = s + 0.25f, v3 = s + 0.375f;
                float v4 = s + 0.5f, v5 = s + 0.625f, v6 = s + 0.75f, v7 = s + 0.875f;
                for (int k = 0; k < iterations; k++)
                {
                    // Unroll = 8 rounds, one per line.
                    v0 = v0 * a + b; v1 = v1 * a + b; v2 = v2 * a + b; v3 = v3 * a + b; v4 = v4 * a + b; v5 = v5 * a + b; v6 = v6 * a + b; v7 = v7 * a + b;
                    v0 = v0 * a + b; v1 = v1 * a + b; v2 = v2 * a + b; v3 = v3 * a + b; v4 = v4 * a + b; v5 = v5 * a + b; v6 = v6 * a + b; v7 = v7 * a + b;
                    v0 = v0 * a + b; v1 = v1 * a + b; v2 = v2 * a + b; v3 = v3 * a + b; v4 = v4 * a + b; v5 = v5 * a + b; v6 = v6 * a + b; v7 = v7 * a + b;
                    v0 = v0 * a + b; v1 = v1 * a + b; v2 = v2 * a + b; v3 = v3 * a + b; v4 = v4 * a + b; v5 = v5 * a + b; v6 = v6 * a + b; v7 = v7 * a + b;
                    v0 = v0 * a + b; v1 = v1 * a + b; v2 = v2 * a + b; v3 = v3 * a + b; v4 = v4 * a + b; v5 = v5 * a + b; v6 = v6 * a + b; v7 = v7 * a + b;
                    v0 = v0 * a + b; v1 = v1 * a + b; v2 = v2 * a + b; v3 = v3 * a + b; v4 = v4 * a + b; v5 = v5 * a + b; v6 = v6 * a + b; v7 = v7 * a + b;
                    v0 = v0 * a + b; v1 = v1 * a + b; v2 = v2 * a + b; v3 = v3 * a + b; v4 = v4 * a + b; v5 = v5 * a + b; v6 = v6 * a + b; v7 = v7 * a + b;
                    v0 = v0 * a + b; v1 = v1 * a + b; v2 = v2 * a + b; v3 = v3 * a + b; v4 = v4 * a + b; v5 = v5 * a + b; v6 = v6 * a + b; v7 = v7 * a + b;
                }
                y[i] = ((v0 + v1) + (v2 + v3)) + ((v4 + v5) + (v6 + v7));
            }
        }
    }
}
