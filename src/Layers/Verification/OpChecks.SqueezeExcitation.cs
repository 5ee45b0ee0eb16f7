namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    /// <summary>
    /// The fused channel scale (Float4 rows, odd rows, rows cut into several slices on both kernel
    /// variants, a constant gate that takes the unfused backward) and squeeze-excitation with C = 6,
    /// r = 2 in PyTorch's parameter layout.
    /// </summary>
    [CheckFamily]
    private static IEnumerable<OpCheck> SqueezeExcitation()
    {
        var scales = new (int[] X, int[] S)[]
        {
            ([2, 3, 3, 4, 5], [2, 3]),           // inner 60: Float4 path
            ([2, 3, 3, 3, 3], [2, 3, 1, 1, 1]),  // inner 27: scalar path
            ([1, 1, 8, 8, 9], [1, 1]),           // one long row: several slices per row
        };
        foreach (var (xs, ss) in scales)
        {
            int inner = xs[2] * xs[3] * xs[4];
            yield return new GradCheck("channel_scale", [CheckInput.Normal(xs), CheckInput.Normal(ss)],
                x => Ops.ChannelScale(x[0], x[1]), x => Reference.ScaleRows(x[0], x[1], inner)) { CoveredOps = ["ChannelScale"] };
        }
        yield return new GradCheck("channel_scale", [CheckInput.Normal(2, 3, 3, 4, 5), CheckInput.Constant([2, 3], r => CheckInput.Gaussian(r))],
            x => Ops.ChannelScale(x[0], x[1]), x => Reference.ScaleRows(x[0], x[1], 60)) { CoveredOps = ["ChannelScale"], Details = "gate const" };

        // (n, c, r, spatial): the reference's ratio r = c / 4 at a width where every dot product has many terms.
        var shapes = new (int N, int C, int R, int[] Spatial)[] { (2, 6, 2, [3, 4, 3]), (2, 6, 2, [3, 3, 3]), (3, 40, 10, [2, 3, 4]), (1, 24, 6, [1, 1, 1]),
            // Few long rows: the channel-scale backward splits each row (CPU: one row; CUDA variant: 1024 voxels).
            (1, 1, 1, [4, 4, 8]), (1, 2, 1, [8, 8, 16]) };
        foreach (var (n, c, reduced, spatial) in shapes)
        {
            int inner = spatial[0] * spatial[1] * spatial[2];
            yield return new GradCheck("squeeze_excitation",
                [CheckInput.Normal(n, c, spatial[0], spatial[1], spatial[2]), CheckInput.Normal(reduced, c, 1, 1, 1), CheckInput.Normal(reduced),
                    CheckInput.Normal(c, reduced, 1, 1, 1), CheckInput.Normal(c)],
                x => Ops.SqueezeExcitation(x[0], x[1], x[2], x[3], x[4]),
                x => Reference.SqueezeExcitation(x[0], x[1], x[2], x[3], x[4], n, c, inner)) { CoveredOps = ["SqueezeExcitation"] };
        }
    }
}
