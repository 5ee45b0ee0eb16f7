namespace ILGpuNet.Layers.Bench;

public static partial class OpBenches
{
    /// <summary>The stem: 1 -> 64 channels, 7x7x7, stride 2, pad 3 on 91x109x91 (93 % of the model's multiply-adds); its input needs no gradient.</summary>
    [BenchFamily(Order = 10)]
    private static IEnumerable<OpCase> Conv3dStem(int b)
    {
        long stemMacs = (long)b * 64 * 46 * 55 * 46 * 343;
        yield return new OpCase("conv3d stem 7x7x7 s2", $"{b}x1x91x109x91 -> 64x46x55x46",
            t => [t.Input(b, 1, 91, 109, 91, grad: false), t.Weight(64, 1, 7, 7, 7)],
            t => Ops.Conv3d(t[0], t[1], null, (2, 2, 2), (3, 3, 3)), 2.0 * stemMacs / G, 2.0 * stemMacs / G, "GFLOP/s");
    }

    /// <summary>1x1x1 convolutions (GEMMs): block 1's pointwise projection and the final MBConv's expansion.</summary>
    [BenchFamily(Order = 50)]
    private static IEnumerable<OpCase> Conv3dPointwise(int b)
    {
        long pw = (long)b * 96 * 64 * 12 * 14 * 12;
        yield return new OpCase("conv3d 1x1x1 64->96", $"{b}x64x12x14x12",
            t => [t.Input(b, 64, 12, 14, 12), t.Weight(96, 64, 1, 1, 1)],
            t => Ops.Conv3d(t[0], t[1]), 2.0 * pw / G, 4.0 * pw / G, "GFLOP/s");

        long expand = (long)b * 1536 * 256 * 3 * 4 * 3;
        yield return new OpCase("conv3d 1x1x1 256->1536", $"{b}x256x3x4x3",
            t => [t.Input(b, 256, 3, 4, 3), t.Weight(1536, 256, 1, 1, 1)],
            t => Ops.Conv3d(t[0], t[1]), 2.0 * expand / G, 4.0 * expand / G, "GFLOP/s");
    }
}
