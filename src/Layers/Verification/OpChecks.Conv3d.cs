using ILGpuNet.Kernels;

namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    /// <summary>
    /// Conv3d against the float64 direct-loop reference and its analytic backward: 1x1x1 (the GEMM path), grouped,
    /// cubic and non-cubic kernels with per-axis stride and padding, even kernels, gradients only where required.
    /// The last ones are the model's shapes at reduced size (the stem at its full 64 channels, the 1x1x1 expansion)
    /// and sizes with several tiles per axis in the CUDA kernels; all have backward tolerance 1e-4.
    /// </summary>
    [CheckFamily]
    private static IEnumerable<OpCheck> Conv3d()
    {
        // (x shape, Cout, kernel, stride, padding, groups, bias, x requires grad)
        var cases = new (int[] X, int Cout, (int, int, int) K, (int, int, int) S, (int, int, int) P, int G, bool Bias, bool XGrad)[]
        {
            ([2, 4, 3, 2, 3], 6, (1, 1, 1), (1, 1, 1), (0, 0, 0), 1, true, true),    // 1x1x1: the GEMM path
            ([2, 4, 3, 2, 3], 6, (1, 1, 1), (1, 1, 1), (0, 0, 0), 2, false, true),   // 1x1x1 grouped
            ([1, 3, 5, 4, 6], 4, (3, 3, 3), (1, 1, 1), (1, 1, 1), 1, true, true),
            ([1, 1, 11, 13, 9], 4, (7, 7, 7), (2, 2, 2), (3, 3, 3), 1, true, false),  // stem-like, x is the input volume
            ([1, 1, 9, 7, 8], 5, (7, 7, 7), (2, 2, 2), (3, 3, 3), 1, false, true),   // the same with an input gradient
            ([2, 2, 7, 6, 5], 3, (5, 5, 5), (2, 2, 2), (2, 2, 2), 1, false, true),
            ([1, 2, 6, 4, 9], 3, (3, 1, 5), (2, 1, 2), (1, 0, 2), 1, true, true),    // non-cubic kernel, per-axis stride and padding
            ([2, 4, 4, 5, 3], 6, (3, 3, 3), (1, 2, 1), (1, 1, 1), 2, true, true),    // grouped
            ([1, 3, 5, 5, 4], 2, (1, 1, 1), (2, 2, 2), (1, 0, 1), 1, false, true),   // strided, padding past a 1-tap kernel
            ([2, 6, 4, 3, 5], 4, (2, 3, 2), (1, 1, 2), (0, 1, 1), 2, true, false),   // even kernel, grouped, batch 2, no dx
            ([1, 3, 5, 5, 5], 3, (3, 3, 3), (1, 1, 1), (1, 1, 1), 3, true, true),    // depthwise: dispatched to DepthwiseConv3d
            // Hundreds of output voxels: the CUDA weight gradient splits its reduction, the last split of a tile adds them.
            ([2, 2, 6, 6, 6], 3, (3, 3, 3), (1, 1, 1), (1, 1, 1), 1, false, false),
            ([2, 4, 8, 8, 4], 6, (1, 1, 1), (1, 1, 1), (0, 0, 0), 1, true, false),   // and its 1x1x1 sibling
            // The CPU vector kernels' blocks: 64 channels x 6 voxels, 16-channel tails, padded lanes, a voxel tail of a row.
            ([1, 1, 3, 4, 15], 64, (3, 3, 3), (2, 2, 2), (1, 1, 1), 1, true, false),  // the stem's 64 channels, 8 voxels a row
            ([1, 2, 2, 3, 9], 70, (1, 2, 3), (1, 1, 1), (0, 1, 1), 1, false, true),    // a full block and a 6-channel tail
            ([2, 4, 3, 2, 8], 40, (2, 2, 3), (1, 1, 1), (1, 0, 1), 2, true, true),     // groups of 20: 16 + 4-channel tail
        };
        foreach (var c in cases)
            yield return ConvCheck("conv3d", c.X, c.Cout, c.K, c.S, c.P, c.G, c.Bias, c.XGrad);

        // The model's convolutions at reduced size (tolerance 1e-4 forward and backward): the stem at 64 channels
        // without an input gradient, the 1x1x1 expansion, a strided 5x5x5 with batch 2, grouped and non-cubic.
        yield return ConvCheck("conv3d", [1, 1, 24, 28, 24], 64, (7, 7, 7), (2, 2, 2), (3, 3, 3), 1, bias: false, xGrad: false, backwardTolerance: 1e-4);
        yield return ConvCheck("conv3d", [2, 64, 12, 14, 12], 96, (1, 1, 1), (1, 1, 1), (0, 0, 0), 1, bias: true, xGrad: true, backwardTolerance: 1e-4);
        yield return ConvCheck("conv3d", [2, 8, 11, 13, 10], 12, (5, 5, 5), (2, 2, 2), (2, 2, 2), 1, bias: true, xGrad: true, backwardTolerance: 1e-4);
        yield return ConvCheck("conv3d", [2, 8, 9, 6, 11], 12, (3, 1, 5), (2, 1, 2), (1, 0, 2), 4, bias: false, xGrad: true, backwardTolerance: 1e-4);
        // The CUDA kernels with 2 channel tiles, 4 voxel tiles, 11 k tiles and 2 splits; a grouped 1x1x1 of several tiles.
        yield return ConvCheck("conv3d", [2, 3, 7, 8, 9], 70, (3, 3, 3), (1, 1, 1), (1, 1, 1), 1, bias: true, xGrad: true, backwardTolerance: 1e-4);
        yield return ConvCheck("conv3d", [2, 6, 5, 6, 7], 10, (1, 1, 1), (1, 1, 1), (0, 0, 0), 2, bias: true, xGrad: true, backwardTolerance: 1e-4);
    }

    /// <summary>
    /// A GradCheck of Ops.Conv3d (or, for "depthwise_conv3d", Ops.DepthwiseConv3d) against Reference.Conv3d and its
    /// analytic backward: inputs x, weight (Cout, Cin / groups, KD, KH, KW) and the bias when given.
    /// </summary>
    private static GradCheck ConvCheck(string name, int[] x, int cout, (int D, int H, int W) k, (int D, int H, int W) stride,
        (int D, int H, int W) padding, int groups, bool bias, bool xGrad, double forwardTolerance = 1e-4, double backwardTolerance = 1e-3)
    {
        var s = Conv3dShape.Create(x[0], x[1], x[2], x[3], x[4], cout, k.D, k.H, k.W, stride.D, stride.H, stride.W,
            padding.D, padding.H, padding.W, groups);
        int[] wShape = [cout, x[1] / groups, k.D, k.H, k.W];
        var xInput = xGrad ? CheckInput.Normal(x) : CheckInput.Constant(x, CheckInput.Gaussian);
        CheckInput[] inputs = bias ? [xInput, CheckInput.Normal(wShape), CheckInput.Normal(cout)] : [xInput, CheckInput.Normal(wShape)];
        bool depthwise = name == "depthwise_conv3d";
        return new GradCheck(name, inputs,
            t => depthwise ? Ops.DepthwiseConv3d(t[0], t[1], bias ? t[2] : null, s) : Ops.Conv3d(t[0], t[1], bias ? t[2] : null, stride, padding, groups),
            v => Reference.Conv3d(v[0], v[1], bias ? v[2] : null, s),
            forwardTolerance, backwardTolerance)
        {
            Details = Geometry(k, stride, padding) + (depthwise ? "" : $" g{groups}") + (xGrad ? "" : " no-dx"),
            CoveredOps = [depthwise ? "DepthwiseConv3d" : "Conv3d"],
            Backward = (v, dy) =>
            {
                var (dx, dw, db) = Reference.Conv3dBackward(v[0], v[1], dy, s);
                return bias ? [dx, dw, db] : [dx, dw];
            },
            WorkEstimate = ConvWork(s, xGrad, depthwise),
            FiniteDifferenceSamples = GradCheck.SamplesFor(s.MultiplyAdds),
            OutputShape = [s.N, s.Cout, s.OD, s.OH, s.OW],
        };
    }

    /// <summary>
    /// Multiply-adds of the forward, the weight gradient and the input gradient (every tap of every input voxel, as
    /// a strided convolution's transposed one visits them). The CUDA depthwise weight gradient reduces each filter
    /// row of each channel in a barrier-synchronised group of its own, which the emulated GPU runs as a rendezvous of
    /// 256 OS threads: each such group counts as <see cref="EmulatedGroupWork"/> (measured: about as long as that
    /// many multiply-adds of the dense CUDA convolution there).
    /// </summary>
    private static long ConvWork(Conv3dShape s, bool xGrad, bool depthwise)
    {
        long work = 2 * s.MultiplyAdds + (xGrad ? (long)s.N * s.Cin * s.InSpatial * s.CoutPerGroup * s.KernelVolume : 0);
        int rowBlocks = (s.KW + DepthwiseConv3dKernels.TapsPerGroup - 1) / DepthwiseConv3dKernels.TapsPerGroup;
        return depthwise ? work + EmulatedGroupWork * s.Cout * s.KD * s.KH * rowBlocks : work;
    }

    private const long EmulatedGroupWork = 50_000;

    /// <summary>"k3 s1 p1" for cubic windows, "k3x1x5 s2x1x2 p1x0x2" otherwise.</summary>
    internal static string Geometry((int D, int H, int W) k, (int D, int H, int W) s, (int D, int H, int W) p)
    {
        static string Axes((int D, int H, int W) v) => v.D == v.H && v.H == v.W ? $"{v.D}" : $"{v.D}x{v.H}x{v.W}";
        return $"k{Axes(k)} s{Axes(s)} p{Axes(p)}";
    }
}
