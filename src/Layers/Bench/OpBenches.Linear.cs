namespace ILGpuNet.Layers.Bench;

public static partial class OpBenches
{
    /// <summary>The classifier's first Linear layer (512 x 3x4x3 features -> 400).</summary>
    [BenchFamily(Order = 70)]
    private static IEnumerable<OpCase> Linear(int b)
    {
        long linear = (long)b * 4608 * 400;
        yield return new OpCase("linear 4608->400", $"{b}x4608",
            t => [t.Input(b, 4608), t.Weight(400, 4608), t.Weight(400)],
            t => Ops.Linear(t[0], t[1], t[2]), 2.0 * linear / G, 4.0 * linear / G, "GFLOP/s");
    }
}
