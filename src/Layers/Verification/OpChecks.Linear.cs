namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    [CheckFamily]
    private static IEnumerable<OpCheck> Linear()
    {
        // Odd sizes cross the GEMM tile edges of both kernel variants; the CPU family takes its skinny kernel below
        // 8 rows or 8 terms (5 x 7 by 7 x 9), its blocked one above (19 x 13 by 13 x 11).
        var products = from size in new[] { (M: 5, K: 7, N: 9), (M: 19, K: 13, N: 11) }
                       from ta in new[] { false, true }
                       from tb in new[] { false, true }
                       select (size.M, size.K, size.N, ta, tb);
        foreach (var (m, k, n, ta, tb) in products)
        {
            int[] sa = ta ? [k, m] : [m, k], sb = tb ? [n, k] : [k, n];
            yield return new GradCheck("matmul", [CheckInput.Normal(sa), CheckInput.Normal(sb)],
                x => Ops.MatMul(x[0], x[1], ta, tb), x => Reference.MatMul(x[0], sa[0], sa[1], ta, x[1], sb[0], sb[1], tb))
            { CoveredOps = ["MatMul"], Details = (ta ? "A^T" : "A") + (tb ? " B^T" : " B"), WorkEstimate = 3 * m * k * n };
        }
        yield return new GradCheck("linear", [CheckInput.Normal(3, 10), CheckInput.Normal(4, 10), CheckInput.Normal(4)],
            x => Ops.Linear(x[0], x[1], x[2]), x => Reference.Linear(x[0], x[1], x[2], 3, 10, 4)) { CoveredOps = ["Linear"] };
        // Batch 9 of 12 inputs: the forward accumulates onto the bias (beta = 1) in the CPU blocked kernel, which both gradients take too.
        yield return new GradCheck("linear", [CheckInput.Normal(9, 12), CheckInput.Normal(10, 12), CheckInput.Normal(10)],
            x => Ops.Linear(x[0], x[1], x[2]), x => Reference.Linear(x[0], x[1], x[2], 9, 12, 10)) { CoveredOps = ["Linear"] };
        yield return new GradCheck("linear", [CheckInput.Normal(1, 33), CheckInput.Normal(2, 33)],
            x => Ops.Linear(x[0], x[1]), x => Reference.Linear(x[0], x[1], null, 1, 33, 2)) { CoveredOps = ["Linear"] };
    }
}
