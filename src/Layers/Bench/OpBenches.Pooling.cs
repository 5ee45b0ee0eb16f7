namespace ILGpuNet.Layers.Bench;

public static partial class OpBenches
{
    /// <summary>The stem's MaxPool3d (kernel 1, stride 2: a strided copy); its backward writes the whole input gradient.</summary>
    [BenchFamily(Order = 30)]
    private static IEnumerable<OpCase> Pooling(int b)
    {
        long stemOut = (long)b * 64 * 46 * 55 * 46 * 4;
        long poolOut = (long)b * 64 * 23 * 28 * 23 * 4;
        yield return new OpCase("maxpool3d k1 s2", $"{b}x64x46x55x46",
            t => [t.Input(b, 64, 46, 55, 46)], t => Ops.MaxPool3d(t[0], 1, 2), 2.0 * poolOut / G, (poolOut + stemOut) / G, "GB/s");
    }
}
