namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    /// <summary>
    /// MaxPool3d against the float64 reference: non-overlapping (k2 s2), overlapping with padding on odd
    /// sizes (k3 s2 p1, k3 s1 p1), the reference model's kernel-1 stride-2 subsampling on odd sizes (the
    /// strided-copy path, also with stride 1 along W) and a non-cubic window. Max pooling is piecewise linear, so a tiny
    /// finite-difference step is exact and keeps the perturbation from crossing an argmax switch.
    /// </summary>
    [CheckFamily]
    private static IEnumerable<OpCheck> Pooling()
    {
        var cases = new (int[] Shape, (int, int, int) Kernel, (int, int, int) Stride, (int, int, int) Padding)[]
        {
            ([2, 3, 4, 6, 5], (2, 2, 2), (2, 2, 2), (0, 0, 0)),
            ([1, 2, 5, 7, 5], (3, 3, 3), (2, 2, 2), (1, 1, 1)),
            ([1, 2, 3, 4, 5], (3, 3, 3), (1, 1, 1), (1, 1, 1)),
            ([2, 3, 5, 7, 3], (1, 1, 1), (2, 2, 2), (0, 0, 0)),
            ([1, 2, 3, 4, 5], (1, 1, 1), (1, 2, 1), (0, 0, 0)),
            ([1, 2, 4, 5, 7], (1, 2, 3), (2, 1, 2), (0, 1, 1)),
        };
        foreach (var (shape, kernel, stride, padding) in cases)
            yield return new GradCheck("max_pool3d", [CheckInput.Normal(shape)],
                x => Ops.MaxPool3d(x[0], kernel, stride, padding),
                x => Reference.MaxPool3d(x[0], shape, kernel, stride, padding)) { CoveredOps = ["MaxPool3d"], Step = 1e-8, Details = Geometry(kernel, stride, padding) };

        yield return new GradCheck("adaptive_avg_pool3d", [CheckInput.Normal(2, 3, 3, 4, 5)], x => Ops.AdaptiveAvgPool3d1(x[0]),
            x => Reference.ChannelSum(x[0], 2, 3, 60, perSample: true, mean: true)) { CoveredOps = ["AdaptiveAvgPool3d1"] };
    }
}
