namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    [CheckFamily]
    private static IEnumerable<OpCheck> Linear()
    {
        // Odd sizes cross the GEMM tile edges of both kernel variants.
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            int m = 5, k = 7, n = 9;
            int[] sa = ta ? [k, m] : [m, k], sb = tb ? [n, k] : [k, n];
            yield return new GradCheck("matmul", [CheckInput.Normal(sa), CheckInput.Normal(sb)],
                x => Ops.MatMul(x[0], x[1], ta, tb), x => Reference.MatMul(x[0], sa[0], sa[1], ta, x[1], sb[0], sb[1], tb))
            { CoveredOps = ["MatMul"], Details = (ta ? "A^T" : "A") + (tb ? " B^T" : " B"), WorkEstimate = 3 * m * k * n };
        }
        yield return new GradCheck("linear", [CheckInput.Normal(3, 10), CheckInput.Normal(4, 10), CheckInput.Normal(4)],
            x => Ops.Linear(x[0], x[1], x[2]), x => Reference.Linear(x[0], x[1], x[2], 3, 10, 4)) { CoveredOps = ["Linear"] };
        yield return new GradCheck("linear", [CheckInput.Normal(1, 33), CheckInput.Normal(2, 33)],
            x => Ops.Linear(x[0], x[1]), x => Reference.Linear(x[0], x[1], null, 1, 33, 2)) { CoveredOps = ["Linear"] };
    }
}
