namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    [CheckFamily]
    private static IEnumerable<OpCheck> Elementwise()
    {
        int[] odd = [2, 3, 5, 7];  // 210 elements: exercises the Float4 body and the scalar tail
        yield return new GradCheck("silu", [CheckInput.Normal(odd)], x => Ops.Silu(x[0]), x => Reference.Map(x[0], Reference.Silu));
        yield return new GradCheck("sigmoid", [CheckInput.Normal(odd)], x => Ops.Sigmoid(x[0]), x => Reference.Map(x[0], Reference.Sigmoid));
        yield return new GradCheck("relu", [CheckInput.AwayFromZero(0.01, odd)], x => Ops.Relu(x[0]), x => Reference.Map(x[0], v => Math.Max(v, 0)));
        yield return new GradCheck("scale", [CheckInput.Normal(odd)], x => Ops.Scale(x[0], -1.75f), x => Reference.Map(x[0], v => -1.75 * v));
        yield return new GradCheck("add", [CheckInput.Normal(odd), CheckInput.Normal(odd)], x => Ops.Add(x[0], x[1]), x => Reference.Zip(x[0], x[1], (a, b) => a + b));
        yield return new GradCheck("sub", [CheckInput.Normal(odd), CheckInput.Normal(odd)], x => Ops.Sub(x[0], x[1]), x => Reference.Zip(x[0], x[1], (a, b) => a - b));
        yield return new GradCheck("mul", [CheckInput.Normal(odd), CheckInput.Normal(odd)], x => Ops.Mul(x[0], x[1]), x => Reference.Zip(x[0], x[1], (a, b) => a * b));

        // Broadcasts: per channel (C) and (1, C, 1, 1, 1), per sample and channel (N, C, 1, 1, 1).
        int[] ncdhw = [2, 3, 3, 4, 5];
        yield return new GradCheck("add", [CheckInput.Normal(ncdhw), CheckInput.Normal(3)], x => Ops.Add(x[0], x[1]),
            x => Reference.ZipBroadcast(x[0], x[1], 2, 3, 60, (a, b) => a + b)) { CoveredOps = ["Add"] };
        yield return new GradCheck("mul", [CheckInput.Normal(ncdhw), CheckInput.Normal(1, 3, 1, 1, 1)], x => Ops.Mul(x[0], x[1]),
            x => Reference.ZipBroadcast(x[0], x[1], 2, 3, 60, (a, b) => a * b));
        yield return new GradCheck("mul", [CheckInput.Normal(ncdhw), CheckInput.Normal(2, 3, 1, 1, 1)], x => Ops.Mul(x[0], x[1]),
            x => Reference.ZipBroadcast(x[0], x[1], 1, 6, 60, (a, b) => a * b));
        yield return new GradCheck("sub", [CheckInput.Normal(ncdhw), CheckInput.Normal(2, 3, 1, 1, 1)], x => Ops.Sub(x[0], x[1]),
            x => Reference.ZipBroadcast(x[0], x[1], 1, 6, 60, (a, b) => a - b));

        yield return new GradCheck("reshape", [CheckInput.Normal(2, 3, 4)], x => Ops.Mul(Ops.Reshape(x[0], 6, 4), Ops.Reshape(x[0], 6, 4)),
            x => Reference.Map(x[0], v => v * v));
    }

    [CheckFamily]
    private static IEnumerable<OpCheck> Sums()
    {
        yield return new GradCheck("sum", [CheckInput.Normal(3, 5, 7)], x => Ops.Sum(x[0]), x => [x[0].Sum()]);
        yield return new GradCheck("mean", [CheckInput.Normal(1001)], x => Ops.Mean(x[0]), x => [x[0].Average()]);
        yield return new GradCheck("channel_sum", [CheckInput.Normal(3, 4, 2, 3, 5)], x => Ops.ChannelSum(x[0]),
            x => Reference.ChannelSum(x[0], 3, 4, 30, perSample: false, mean: false)) { CoveredOps = ["ChannelSum"] };
        yield return new GradCheck("channel_mean", [CheckInput.Normal(3, 4, 2, 3, 5)], x => Ops.ChannelSum(x[0], mean: true, perSample: true),
            x => Reference.ChannelSum(x[0], 3, 4, 30, perSample: true, mean: true)) { CoveredOps = ["ChannelSum"] };
    }
}
