namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    /// <summary>
    /// Depthwise Conv3d (Reference.Conv3d with groups = channels) on odd, non-cubic sizes: the model's 3x3x3 s1 p1
    /// and 5x5x5 s2 p2 filters, a non-cubic kernel with per-axis stride and padding, even and wide kernels (every
    /// unrolled tap count of the CPU rows, the generic path, and two tap blocks of the CUDA weight reduction), with
    /// and without bias, batch 1 and 2; few taps over many voxels (the CUDA weight gradient splits its reduction); a
    /// block of 16 channels and a tail on rows of 16 or more (the CPU vector kernels' units and transposes);
    /// then the model's depthwise geometries at reduced size with enough channels for the CPU path's unsplit
    /// weight reduction, at tolerance 1e-5.
    /// </summary>
    [CheckFamily]
    private static IEnumerable<OpCheck> DepthwiseConv3d()
    {
        // (n, c, input d h w, kernel, stride, padding, bias)
        var cases = new (int N, int C, (int, int, int) In, (int, int, int) K, (int, int, int) S, (int, int, int) P, bool Bias)[]
        {
            (2, 2, (7, 9, 5), (3, 3, 3), (1, 1, 1), (1, 1, 1), true),
            (1, 3, (7, 9, 5), (5, 5, 5), (2, 2, 2), (2, 2, 2), false),
            (2, 2, (7, 9, 5), (5, 5, 5), (2, 2, 2), (2, 2, 2), true),
            (1, 2, (7, 9, 5), (5, 5, 5), (1, 1, 1), (2, 2, 2), true),
            (2, 2, (5, 4, 7), (3, 1, 5), (2, 1, 1), (1, 0, 2), true),
            (1, 3, (4, 5, 6), (2, 3, 4), (1, 1, 1), (0, 1, 1), false),
            (2, 2, (3, 4, 5), (1, 1, 1), (1, 1, 1), (0, 0, 0), true),
            (1, 2, (5, 3, 4), (3, 1, 1), (2, 1, 1), (1, 0, 0), true),
            (1, 2, (2, 5, 11), (1, 2, 7), (1, 2, 1), (0, 1, 3), true),
            (1, 1, (2, 3, 13), (1, 1, 9), (1, 1, 2), (0, 0, 4), false),
            (1, 2, (3, 4, 5), (3, 3, 3), (1, 1, 1), (1, 1, 1), true),
            (2, 1, (5, 4, 5), (5, 5, 5), (2, 2, 2), (2, 2, 2), false),
            (1, 2, (3, 2, 7), (3, 1, 5), (2, 1, 1), (1, 0, 2), true),
            (1, 1, (1, 2, 11), (1, 1, 9), (1, 1, 2), (0, 0, 4), true),
            (2, 1, (4, 8, 8), (1, 1, 3), (1, 1, 1), (0, 0, 1), false),  // few taps, many voxels: split reduction
            // A full block of 16 channels and a tail, rows of 16 or more: the CPU vector kernels' in-register transposes.
            (1, 20, (4, 5, 19), (3, 3, 3), (1, 1, 1), (1, 1, 1), true),
            (2, 18, (3, 4, 21), (2, 2, 5), (1, 2, 2), (1, 1, 2), false),  // 5 taps along W at strides 2 and 1 (few KD x KH
            (1, 17, (3, 3, 18), (1, 3, 5), (1, 1, 1), (0, 1, 2), true),   // rows: small enough for the emulated GPU too)
        };
        foreach (var k in cases)
            yield return ConvCheck("depthwise_conv3d", [k.N, k.C, k.In.Item1, k.In.Item2, k.In.Item3], k.C, k.K, k.S, k.P, k.C, k.Bias, xGrad: true);

        // The model's blocks: (n, c, input, kernel, stride, padding, bias).
        var model = new (int N, int C, (int, int, int) In, int K, int S, int P, bool Bias)[]
        {
            (2, 8, (11, 14, 11), 3, 1, 1, false),  // block 0
            (1, 8, (11, 14, 11), 5, 2, 2, true),   // block 1
            (2, 12, (12, 14, 12), 5, 2, 2, false), // block 2
            (2, 16, (6, 7, 6), 5, 1, 2, false),    // block 2's repeat
            (1, 24, (3, 4, 3), 5, 1, 2, true),     // block 3 on its 3x4x3 maps
            (2, 48, (3, 4, 3), 1, 1, 0, false),    // the final MBConv's 1x1x1
            // The CPU main job's model (width 0.25 on 24x28x24): maps down to 1x1x1 under 5x5x5 filters, channel tails.
            (3, 16, (6, 7, 6), 3, 1, 1, false),
            (2, 12, (2, 2, 2), 5, 2, 2, false),  // 12 channels: within the emulated GPU's work limit at 5x5x5
            (3, 12, (1, 1, 1), 5, 1, 2, false),
            (3, 384, (1, 1, 1), 1, 1, 0, false),
        };
        foreach (var m in model)
            yield return ConvCheck("depthwise_conv3d", [m.N, m.C, m.In.Item1, m.In.Item2, m.In.Item3], m.C, (m.K, m.K, m.K), (m.S, m.S, m.S),
                (m.P, m.P, m.P), m.C, m.Bias, xGrad: true, forwardTolerance: 1e-5, backwardTolerance: 1e-5);
    }
}
