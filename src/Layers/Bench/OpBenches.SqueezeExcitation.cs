namespace ILGpuNet.Layers.Bench;

public static partial class OpBenches
{
    /// <summary>Squeeze-excitation of block 0 (64 channels, reduced to 16): pool, gate MLP and channel scale.</summary>
    [BenchFamily(Order = 60)]
    private static IEnumerable<OpCase> SqueezeExcitation(int b)
    {
        long se = (long)b * 64 * 23 * 28 * 23 * 4;
        yield return new OpCase("squeeze-excitation 64/16", $"{b}x64x23x28x23",
            t => [t.Input(b, 64, 23, 28, 23), t.Weight(16, 64, 1, 1, 1), t.Weight(16), t.Weight(64, 16, 1, 1, 1), t.Weight(64)],
            t => Ops.SqueezeExcitation(t[0], t[1], t[2], t[3], t[4]), 3.0 * se / G, 4.0 * se / G, "GB/s");
    }
}
