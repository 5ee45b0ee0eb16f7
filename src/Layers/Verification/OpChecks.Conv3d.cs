using ILGpuNet.Kernels;

namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    [CheckFamily]
    private static IEnumerable<OpCheck> Conv3d()
    {
        // (x shape, Cout, kernel, stride, padding, groups, bias, x requires grad, also run the CUDA kernels)
        var cases = new (int[] X, int Cout, (int, int, int) K, (int, int, int) S, (int, int, int) P, int G, bool Bias, bool XGrad, bool Cuda)[]
        {
            ([2, 4, 3, 2, 3], 6, (1, 1, 1), (1, 1, 1), (0, 0, 0), 1, true, true, true),    // 1x1x1: the GEMM path
            ([2, 4, 3, 2, 3], 6, (1, 1, 1), (1, 1, 1), (0, 0, 0), 2, false, true, true),   // 1x1x1 grouped
            ([1, 3, 5, 4, 6], 4, (3, 3, 3), (1, 1, 1), (1, 1, 1), 1, true, true, true),
            ([1, 1, 11, 13, 9], 4, (7, 7, 7), (2, 2, 2), (3, 3, 3), 1, true, false, true), // stem-like, x is the input volume
            ([1, 1, 9, 7, 8], 5, (7, 7, 7), (2, 2, 2), (3, 3, 3), 1, false, true, false),  // the same with an input gradient
            ([2, 2, 7, 6, 5], 3, (5, 5, 5), (2, 2, 2), (2, 2, 2), 1, false, true, true),
            ([1, 2, 6, 4, 9], 3, (3, 1, 5), (2, 1, 2), (1, 0, 2), 1, true, true, true),    // non-cubic kernel, per-axis stride and padding
            ([2, 4, 4, 5, 3], 6, (3, 3, 3), (1, 2, 1), (1, 1, 1), 2, true, true, true),    // grouped
            ([1, 3, 5, 5, 4], 2, (1, 1, 1), (2, 2, 2), (1, 0, 1), 1, false, true, true),   // strided, padding past a 1-tap kernel
            ([2, 6, 4, 3, 5], 4, (2, 3, 2), (1, 1, 2), (0, 1, 1), 2, true, false, true),   // even kernel, grouped, batch 2, no dx
            ([1, 3, 5, 5, 5], 3, (3, 3, 3), (1, 1, 1), (1, 1, 1), 3, true, true, false),   // depthwise: dispatched to DepthwiseConv3d
            // Hundreds of output voxels: the CUDA weight gradient splits its reduction, the last split of a tile adds them.
            ([2, 2, 6, 6, 6], 3, (3, 3, 3), (1, 1, 1), (1, 1, 1), 1, false, false, true),
            ([2, 4, 8, 8, 4], 6, (1, 1, 1), (1, 1, 1), (0, 0, 0), 1, true, false, true),   // and its 1x1x1 sibling
            // The CPU vector kernels' blocks: 64 channels x 6 voxels, 16-channel tails, padded lanes, a voxel tail of a row.
            ([1, 1, 3, 4, 15], 64, (3, 3, 3), (2, 2, 2), (1, 1, 1), 1, true, false, false),  // the stem's 64 channels, 8 voxels a row
            ([1, 2, 2, 3, 9], 70, (1, 2, 3), (1, 1, 1), (0, 1, 1), 1, false, true, false),    // a full block and a 6-channel tail
            ([2, 4, 3, 2, 8], 40, (2, 2, 3), (1, 1, 1), (1, 0, 1), 2, true, true, false),     // groups of 20: 16 + 4-channel tail
        };
        foreach (var c in cases)
        {
            int cin = c.X[1];
            var s = Conv3dShape.Create(c.X[0], cin, c.X[2], c.X[3], c.X[4], c.Cout, c.K.Item1, c.K.Item2, c.K.Item3,
                c.S.Item1, c.S.Item2, c.S.Item3, c.P.Item1, c.P.Item2, c.P.Item3, c.G);
            int[] wShape = [c.Cout, cin / c.G, c.K.Item1, c.K.Item2, c.K.Item3];
            var x = c.XGrad ? CheckInput.Normal(c.X) : CheckInput.Constant(c.X, r => CheckInput.Gaussian(r));
            var inputs = c.Bias ? new[] { x, CheckInput.Normal(wShape), CheckInput.Normal(c.Cout) } : new[] { x, CheckInput.Normal(wShape) };
            yield return new GradCheck("conv3d", inputs,
                t => Ops.Conv3d(t[0], t[1], c.Bias ? t[2] : null, c.S, c.P, c.G),
                v => Reference.Conv3d(v[0], v[1], c.Bias ? v[2] : null, s))
            { BarrierVariant = c.Cuda, CoveredOps = ["Conv3d"] };
        }
    }
}
