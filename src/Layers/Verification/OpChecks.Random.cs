using System.Globalization;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    /// <summary>
    /// Dropout against the float64 reference with the same Philox mask: each op closure makes a fresh
    /// RandomSource at a fixed (seed, offset), so its single reservation is the stream the reference uses.
    /// The offset crosses the 32-bit boundary of the block counter on purpose.
    /// </summary>
    [CheckFamily]
    private static IEnumerable<OpCheck> Dropouts()
    {
        int[] odd = [2, 3, 5, 7];  // 210 elements: Float4 body and scalar tail
        const ulong seed = 0x5EED_0000_CAFEUL, offset = 0xFFFF_FFF0UL;
        foreach (float p in new[] { 0.3f, 0.9f, 1f })
            yield return new GradCheck("dropout", [CheckInput.Normal(odd)],
                x => Ops.Dropout(x[0], p, training: true, new RandomSource(seed, offset)),
                x => Reference.Dropout(x[0], p, seed, offset)) { CoveredOps = ["Dropout"], Details = $"p={p.ToString(CultureInfo.InvariantCulture)} train" };
        // Evaluation mode: the identity.
        yield return new GradCheck("dropout", [CheckInput.Normal(odd)],
            x => Ops.Dropout(x[0], 0.5f, training: false, new RandomSource(seed, offset)),
            x => Reference.Map(x[0], v => v)) { CoveredOps = ["Dropout"], Details = "p=0.5 eval" };
    }
}
