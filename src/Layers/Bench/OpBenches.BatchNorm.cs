namespace ILGpuNet.Layers.Bench;

public static partial class OpBenches
{
    /// <summary>BatchNorm3d with the fused SiLU, training mode, on the stem's output.</summary>
    [BenchFamily(Order = 20)]
    private static IEnumerable<OpCase> BatchNorm(int b)
    {
        long stemOut = (long)b * 64 * 46 * 55 * 46 * 4;
        yield return new OpCase("batchnorm3d+silu (train)", $"{b}x64x46x55x46",
            t => [t.Input(b, 64, 46, 55, 46), t.Weight(64, init: 1f), t.Weight(64, init: 0f), t.Buffer(64, 0f), t.Buffer(64, 1f)],
            t => Ops.BatchNorm3d(t[0], t[1], t[2], t[3], t[4], training: true, fuseSilu: true), 2.0 * stemOut / G, 3.0 * stemOut / G, "GB/s");
    }
}
