using ILGpuNet.Kernels;

namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    /// <summary>
    /// Depthwise Conv3d on odd, non-cubic sizes: the model's 3x3x3 s1 p1 and 5x5x5 s2 p2 filters, a
    /// non-cubic kernel with per-axis stride and padding, even and wide kernels (every unrolled tap
    /// count of the CPU rows, the generic path, and two tap blocks of the CUDA weight reduction), with
    /// and without bias, batch 1 and 2. The barrier variants (CUDA kernels on the GPU-shaped CPU) run on
    /// the tiny ones only.
    /// </summary>
    [CheckFamily]
    private static IEnumerable<OpCheck> DepthwiseConv3d()
    {
        // (n, c, input d h w, kernel, stride, padding, bias, barrier variant)
        var cases = new (int N, int C, (int, int, int) In, (int, int, int) K, (int, int, int) S, (int, int, int) P, bool Bias, bool Barrier)[]
        {
            (2, 2, (7, 9, 5), (3, 3, 3), (1, 1, 1), (1, 1, 1), true, false),
            (1, 3, (7, 9, 5), (5, 5, 5), (2, 2, 2), (2, 2, 2), false, false),
            (2, 2, (7, 9, 5), (5, 5, 5), (2, 2, 2), (2, 2, 2), true, false),
            (1, 2, (7, 9, 5), (5, 5, 5), (1, 1, 1), (2, 2, 2), true, false),
            (2, 2, (5, 4, 7), (3, 1, 5), (2, 1, 1), (1, 0, 2), true, false),
            (1, 3, (4, 5, 6), (2, 3, 4), (1, 1, 1), (0, 1, 1), false, false),
            (2, 2, (3, 4, 5), (1, 1, 1), (1, 1, 1), (0, 0, 0), true, false),
            (1, 2, (5, 3, 4), (3, 1, 1), (2, 1, 1), (1, 0, 0), true, false),
            (1, 2, (2, 5, 11), (1, 2, 7), (1, 2, 1), (0, 1, 3), true, false),
            (1, 1, (2, 3, 13), (1, 1, 9), (1, 1, 2), (0, 0, 4), false, false),
            // Tiny ones for the CUDA variants (256-thread groups with barriers on the CPU accelerator).
            (1, 2, (3, 4, 5), (3, 3, 3), (1, 1, 1), (1, 1, 1), true, true),
            (2, 1, (5, 4, 5), (5, 5, 5), (2, 2, 2), (2, 2, 2), false, true),
            (1, 2, (3, 2, 7), (3, 1, 5), (2, 1, 1), (1, 0, 2), true, true),
            (1, 1, (1, 2, 11), (1, 1, 9), (1, 1, 2), (0, 0, 4), true, true),
            (2, 1, (4, 8, 8), (1, 1, 3), (1, 1, 1), (0, 0, 1), false, true),  // few taps, many voxels: split reduction
        };
        foreach (var k in cases)
        {
            var s = Conv3dShape.Create(k.N, k.C, k.In.Item1, k.In.Item2, k.In.Item3, k.C, k.K.Item1, k.K.Item2, k.K.Item3,
                k.S.Item1, k.S.Item2, k.S.Item3, k.P.Item1, k.P.Item2, k.P.Item3, groups: k.C);
            CheckInput[] inputs = k.Bias
                ? [CheckInput.Normal(s.N, s.Cin, s.D, s.H, s.W), CheckInput.Normal(s.Cout, 1, s.KD, s.KH, s.KW), CheckInput.Normal(s.Cout)]
                : [CheckInput.Normal(s.N, s.Cin, s.D, s.H, s.W), CheckInput.Normal(s.Cout, 1, s.KD, s.KH, s.KW)];
            yield return new GradCheck("depthwise_conv3d", inputs,
                t => Ops.DepthwiseConv3d(t[0], t[1], k.Bias ? t[2] : null, s),
                v => Reference.DepthwiseConv3d(v[0], v[1], k.Bias ? v[2] : null, s))
            {
                BarrierVariant = k.Barrier,
                CoveredOps = ["DepthwiseConv3d"],
            };
        }
    }
}
