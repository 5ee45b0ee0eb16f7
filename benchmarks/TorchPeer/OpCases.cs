using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TorchPeer;

/// <summary>
/// One op at one shape as <c>ilgpunet opbench</c> times it (src/Layers/Bench/OpCase.cs): its operands (those with a
/// gradient requires_grad), its forward, the work (GFLOP or GB) of one forward and one backward in Unit per second
/// (BackwardWork 0: no backward). Op names the row exactly as ours does, so a script can pair the rows.
/// </summary>
internal sealed record OpCase(string Op, string Shape, Func<Tensor[]> Inputs, Func<Tensor[], Tensor> Forward,
    double ForwardWork, double BackwardWork, string Unit);

/// <summary>
/// The cases of src/Training/Bench/OpBench.cs (the copy row) and src/Layers/Bench/OpBenches.*.cs, in their order
/// (families by Order), with the same shapes and work counts; benchmarks/gpu/torch_ops.py is the same list in PyTorch.
/// Activations are normal, weights uniform in +-0.1, as ours.
/// </summary>
internal static class OpCases
{
    private const double G = 1e9;

    private static Tensor Input(bool grad, params long[] shape) => randn(shape).requires_grad_(grad);

    private static Tensor Weight(params long[] shape) => (rand(shape) * 0.2 - 0.1).requires_grad_(true);

    private static Tensor Full(long n, float value, bool grad) => full(n, value).requires_grad_(grad);

    private static long[] Three(long v) => [v, v, v];

    public static IEnumerable<OpCase> All(int b)
    {
        long stemOut = (long)b * 64 * 46 * 55 * 46 * 4;
        yield return new OpCase("copy (roofline)", $"{b}x64x46x55x46", () => [Input(false, b, 64, 46, 55, 46)],
            t => t[0].clone(), 2.0 * stemOut / G, 0, "GB/s");

        // Order 10: the stem; its input needs no gradient, so the backward is the weight gradient alone.
        long stem = (long)b * 64 * 46 * 55 * 46 * 343;
        yield return new OpCase("conv3d stem 7x7x7 s2", $"{b}x1x91x109x91 -> 64x46x55x46",
            () => [Input(false, b, 1, 91, 109, 91), Weight(64, 1, 7, 7, 7)],
            t => F.conv3d(t[0], t[1], null, Three(2), Three(3)), 2.0 * stem / G, 2.0 * stem / G, "GFLOP/s");

        // Order 20: BatchNorm3d + SiLU in training mode on the stem's output.
        yield return new OpCase("batchnorm3d+silu (train)", $"{b}x64x46x55x46",
            () => [Input(true, b, 64, 46, 55, 46), Full(64, 1f, true), Full(64, 0f, true), Full(64, 0f, false), Full(64, 1f, false)],
            t => F.silu(F.batch_norm(t[0], t[3], t[4], t[1], t[2], training: true, momentum: 0.1, eps: 1e-5)),
            2.0 * stemOut / G, 3.0 * stemOut / G, "GB/s");

        // Order 30: MaxPool3d(1, stride 2).
        long poolOut = (long)b * 64 * 23 * 28 * 23 * 4;
        yield return new OpCase("maxpool3d k1 s2", $"{b}x64x46x55x46", () => [Input(true, b, 64, 46, 55, 46)],
            t => F.max_pool3d(t[0], Three(1), Three(2)), 2.0 * poolOut / G, (double)(poolOut + stemOut) / G, "GB/s");

        // Order 40: depthwise (groups = channels).
        long dw3 = (long)b * 64 * 23 * 28 * 23 * 27;
        yield return new OpCase("depthwise 3x3x3 s1", $"{b}x64x23x28x23", () => [Input(true, b, 64, 23, 28, 23), Weight(64, 1, 3, 3, 3)],
            t => F.conv3d(t[0], t[1], null, Three(1), Three(1), Three(1), 64), 2.0 * dw3 / G, 4.0 * dw3 / G, "GFLOP/s");
        long dw5 = (long)b * 64 * 12 * 14 * 12 * 125;
        yield return new OpCase("depthwise 5x5x5 s2", $"{b}x64x23x28x23", () => [Input(true, b, 64, 23, 28, 23), Weight(64, 1, 5, 5, 5)],
            t => F.conv3d(t[0], t[1], null, Three(2), Three(2), Three(1), 64), 2.0 * dw5 / G, 4.0 * dw5 / G, "GFLOP/s");
        long dw5s1 = (long)b * 128 * 6 * 7 * 6 * 125;
        yield return new OpCase("depthwise 5x5x5 s1", $"{b}x128x6x7x6", () => [Input(true, b, 128, 6, 7, 6), Weight(128, 1, 5, 5, 5)],
            t => F.conv3d(t[0], t[1], null, Three(1), Three(2), Three(1), 128), 2.0 * dw5s1 / G, 4.0 * dw5s1 / G, "GFLOP/s");

        // Order 50: 1x1x1 convolutions.
        long pw = (long)b * 96 * 64 * 12 * 14 * 12;
        yield return new OpCase("conv3d 1x1x1 64->96", $"{b}x64x12x14x12", () => [Input(true, b, 64, 12, 14, 12), Weight(96, 64, 1, 1, 1)],
            t => F.conv3d(t[0], t[1]), 2.0 * pw / G, 4.0 * pw / G, "GFLOP/s");
        long expand = (long)b * 1536 * 256 * 3 * 4 * 3;
        yield return new OpCase("conv3d 1x1x1 256->1536", $"{b}x256x3x4x3", () => [Input(true, b, 256, 3, 4, 3), Weight(1536, 256, 1, 1, 1)],
            t => F.conv3d(t[0], t[1]), 2.0 * expand / G, 4.0 * expand / G, "GFLOP/s");

        // Order 60: squeeze-excitation of block 0, unfused as PyTorch runs it.
        long se = (long)b * 64 * 23 * 28 * 23 * 4;
        yield return new OpCase("squeeze-excitation 64/16", $"{b}x64x23x28x23",
            () => [Input(true, b, 64, 23, 28, 23), Weight(16, 64, 1, 1, 1), Weight(16), Weight(64, 16, 1, 1, 1), Weight(64)],
            t => t[0] * sigmoid(F.conv3d(F.silu(F.conv3d(F.adaptive_avg_pool3d(t[0], 1), t[1], t[2])), t[3], t[4])),
            3.0 * se / G, 4.0 * se / G, "GB/s");

        // Order 70: the classifier's first Linear.
        long linear = (long)b * 4608 * 400;
        yield return new OpCase("linear 4608->400", $"{b}x4608", () => [Input(true, b, 4608), Weight(400, 4608), Weight(400)],
            t => F.linear(t[0], t[1], t[2]), 2.0 * linear / G, 4.0 * linear / G, "GFLOP/s");
    }
}
