using System.Globalization;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    /// <summary>
    /// Stochastic depth with a fixed (seed, offset), so the reference draws the same per-sample mask
    /// (of 6 samples it keeps 4 and 5 at p = 0.5, and 2, 4 and 5 at p = 0.8: both branches are exercised;
    /// StochasticDepthTests asserts it).
    /// </summary>
    [CheckFamily]
    private static IEnumerable<OpCheck> StochasticDepths()
    {
        const ulong seed = 0x5D0_0000_0042UL, offset = 0xFFFF_FFFFUL;
        foreach (var (shape, p) in new (int[], float)[] { ([6, 2, 3, 2, 2], 0.5f), ([6, 3, 3], 0.5f), ([6, 2, 3, 2, 2], 0.8f), ([3, 4], 1f) })
        {
            int samples = shape[0];
            yield return new GradCheck("stochastic_depth", [CheckInput.Normal(shape)],
                x => Ops.StochasticDepth(x[0], p, training: true, new RandomSource(seed, offset)),
                x => Reference.StochasticDepth(x[0], samples, p, seed, offset))
            { CoveredOps = ["StochasticDepth"], Details = $"p={p.ToString(CultureInfo.InvariantCulture)} train" };
        }
        yield return new GradCheck("stochastic_depth", [CheckInput.Normal(6, 2, 3, 2, 2)],
            x => Ops.StochasticDepth(x[0], 0.5f, training: false, new RandomSource(seed, offset)),
            x => Reference.Map(x[0], v => v)) { CoveredOps = ["StochasticDepth"], Details = "p=0.5 eval" };
    }
}
