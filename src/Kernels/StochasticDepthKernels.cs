using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Stochastic depth's per-sample factors. The reference model keeps a sample with probability p
/// (mask = rand &lt; p, then x / p * mask), so factor i is 1 / p when uniform i of the Philox stream
/// (Philox.cs addressing) is below p, else 0. Drawn on the device from the reserved stream so that the
/// numbers depend on (seed, offset, i) only; ChannelScaleKernels applies them with rows = N.
/// </summary>
[OpKind("elementwise")]
public static class StochasticDepthKernels
{
    /// <summary>factors[i] = u_i &lt; survival ? scale : 0 for i in [0, n).</summary>
    [Kernel]
    public static void SampleFactors(ArrayView<float> factors, int n, float survival, float scale,
        int seedLo, int seedHi, int offsetLo, int offsetHi, int chunk)
    {
        for (var work = Work.Ranges(n, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++)
            {
                var r = Philox.Block(seedLo, seedHi, offsetLo, offsetHi, i >> 2);
                factors[i] = Philox.Uniform(r.Get(i & 3)) < survival ? scale : 0f;
            }
        }
    }
}
