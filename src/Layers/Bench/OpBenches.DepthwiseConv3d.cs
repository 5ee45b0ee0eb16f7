namespace ILGpuNet.Layers.Bench;

public static partial class OpBenches
{
    /// <summary>Depthwise convolutions of the MBConv blocks (groups = channels): 3x3x3 stride 1, 5x5x5 stride 2 and stride 1.</summary>
    [BenchFamily(Order = 40)]
    private static IEnumerable<OpCase> DepthwiseConv3d(int b)
    {
        long dw3 = (long)b * 64 * 23 * 28 * 23 * 27;
        yield return new OpCase("depthwise 3x3x3 s1", $"{b}x64x23x28x23",
            t => [t.Input(b, 64, 23, 28, 23), t.Weight(64, 1, 3, 3, 3)],
            t => Ops.Conv3d(t[0], t[1], null, (1, 1, 1), (1, 1, 1), 64), 2.0 * dw3 / G, 4.0 * dw3 / G, "GFLOP/s");

        long dw5 = (long)b * 64 * 12 * 14 * 12 * 125;
        yield return new OpCase("depthwise 5x5x5 s2", $"{b}x64x23x28x23",
            t => [t.Input(b, 64, 23, 28, 23), t.Weight(64, 1, 5, 5, 5)],
            t => Ops.Conv3d(t[0], t[1], null, (2, 2, 2), (2, 2, 2), 64), 2.0 * dw5 / G, 4.0 * dw5 / G, "GFLOP/s");

        long dw5s1 = (long)b * 128 * 6 * 7 * 6 * 125;
        yield return new OpCase("depthwise 5x5x5 s1", $"{b}x128x6x7x6",
            t => [t.Input(b, 128, 6, 7, 6), t.Weight(128, 1, 5, 5, 5)],
            t => Ops.Conv3d(t[0], t[1], null, (1, 1, 1), (2, 2, 2), 128), 2.0 * dw5s1 / G, 4.0 * dw5s1 / G, "GFLOP/s");
    }
}
