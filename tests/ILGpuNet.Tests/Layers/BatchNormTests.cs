using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>
/// BatchNorm3d beyond the op checks: running statistics by hand, evaluation, float32 accuracy on large
/// counts with a large mean, fused kernels against the unfused composition, gradient paths, bad shapes.
/// </summary>
public class BatchNormTests
{
    private static readonly Device Cpu = Device.Cpu;

    public static IEnumerable<object[]> Devices() => [["cpu"], ["cuda-simt@cpu"]];

    private static Device Get(string variant) => variant == "cpu" ? Device.Cpu : Device.GpuShapedCpu;

    private static Tensor Leaf(Device device, float[] data, params int[] shape)
    {
        var t = Tensor.FromArray(device, data, shape);
        t.RequiresGrad = true;
        return t;
    }

    private static float[] Random(int seed, int count, double mean = 0, double std = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(mean + std * CheckInput.Gaussian(rng))).ToArray();
    }

    private static double[] D(float[] x) => x.Select(v => (double)v).ToArray();

    [Fact]
    public void TrainingNormalisesWithBiasedVarianceAndUpdatesRunningStatsWithUnbiasedVariance()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(Cpu, [1f, 2f, 10f, 20f, 3f, 4f, 30f, 40f], 2, 2, 2);  // channel 0: 1..4, channel 1: 10..40
        var rm = Tensor.FromArray(Cpu, [0f, 1f], 2);
        var rv = Tensor.FromArray(Cpu, [1f, 2f], 2);
        var y = Ops.BatchNorm3d(x, Tensor.Full(Cpu, 1f, 2), Tensor.Zeros(Cpu, 2), rm, rv, training: true).ToArray();

        // Channel 0: mean 2.5, biased variance 1.25, unbiased 5/3; channel 1: mean 25, 125, 500/3.
        Assert.Equal(0.1 * 2.5, rm.ToArray()[0], 1e-6);
        Assert.Equal(0.9 + 0.1 * 25, rm.ToArray()[1], 1e-5);
        Assert.Equal(0.9 * 1 + 0.1 * 5.0 / 3, rv.ToArray()[0], 1e-6);
        Assert.Equal(0.9 * 2 + 0.1 * 500.0 / 3, rv.ToArray()[1], 1e-4);
        double[] x0 = [1, 2, 3, 4];
        float[] y0 = [y[0], y[1], y[4], y[5]];
        for (int i = 0; i < 4; i++) Assert.Equal((x0[i] - 2.5) / Math.Sqrt(1.25 + 1e-5), y0[i], 1e-5);
    }

    [Fact]
    public void EvaluationUsesRunningStatsAndLeavesThemAlone()
    {
        using var scope = new TensorScope();
        var data = Random(1, 2 * 3 * 20, 5, 3);
        var rmValues = new[] { 0.5f, -1f, 4f };
        var rvValues = new[] { 2f, 0.25f, 9f };
        var w = new[] { 1.5f, -0.5f, 2f };
        var b = new[] { 0.1f, 0.2f, -0.3f };
        var rm = Tensor.FromArray(Cpu, rmValues, 3);
        var rv = Tensor.FromArray(Cpu, rvValues, 3);
        var y = Ops.BatchNorm3d(Tensor.FromArray(Cpu, data, 2, 3, 4, 5), Tensor.FromArray(Cpu, w, 3), Tensor.FromArray(Cpu, b, 3), rm, rv, training: false);
        var expected = Reference.BatchNorm(D(data), D(w), D(b), D(rmValues), D(rvValues), 2, 3, 20, training: false, 1e-5);
        Assert.True(OpCheck.RelativeError(y.ToArray(), expected) < 1e-6);
        Assert.Equal(rmValues, rm.ToArray());
        Assert.Equal(rvValues, rv.ToArray());
    }

    /// <summary>
    /// Mean 100, std 1, 32 x 116,380 values per channel (the stem's count per channel at batch 32): a naive
    /// float32 sum of squares would lose the variance entirely; the shifted blocks and Chan merges keep it.
    /// </summary>
    [Fact]
    public void LargeMeanAndLargeCountsStayAccurate()
    {
        const int n = 32, c = 2, s = 116380;
        var data = Random(2, n * c * s, mean: 100, std: 1);
        CheckLargeMean(Cpu, data, n, c, s, varianceTolerance: 2e-5);
    }

    /// <summary>The CUDA variant at a size where its threads unroll, flush shifted blocks and merge in the group tree.</summary>
    [Fact]
    public void LargeMeanStaysAccurateWithTheCudaKernels()
    {
        const int n = 2, c = 3, s = 40000;
        var data = Random(3, n * c * s, mean: 100, std: 1);
        CheckLargeMean(Device.GpuShapedCpu, data, n, c, s, varianceTolerance: 2e-5);
    }

    private static void CheckLargeMean(Device device, float[] data, int n, int c, int s, double varianceTolerance)
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(device, data, n, c, s);
        var rm = Tensor.Zeros(device, c);
        var rv = Tensor.Zeros(device, c);
        // Momentum 1: the running statistics are the batch mean and unbiased variance.
        var y = Ops.BatchNorm3d(x, Tensor.Full(device, 1f, c), Tensor.Zeros(device, c), rm, rv, training: true, momentum: 1f);
        var (mean, variance) = Reference.BatchStatistics(D(data), n, c, s);
        double m = (double)n * s;
        var deviceMean = rm.ToArray();
        var deviceVar = rv.ToArray();
        for (int ch = 0; ch < c; ch++)
        {
            Assert.True(Math.Abs(deviceMean[ch] - mean[ch]) < 2e-5 * Math.Abs(mean[ch]), $"mean {deviceMean[ch]} vs {mean[ch]}");
            double unbiased = variance[ch] * m / (m - 1);
            Assert.True(Math.Abs(deviceVar[ch] - unbiased) < varianceTolerance * unbiased, $"variance {deviceVar[ch]} vs {unbiased}");
        }
        // The normalised output: zero mean, unit variance per channel, each value within float rounding.
        var output = y.ToArray();
        var expected = Reference.BatchNorm(D(data), [1, 1, 1], [0, 0, 0], null!, null!, n, c, s, training: true, 1e-5);
        double worst = 0;
        for (int i = 0; i < output.Length; i++) worst = Math.Max(worst, Math.Abs(output[i] - expected[i]));
        Assert.True(worst < 1e-3, $"largest deviation of the normalised output {worst}");
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void FusedSiluMatchesBatchNormThenSilu(string variant)
    {
        foreach (bool training in new[] { true, false })
        {
            var fused = RunPair(Get(variant), [2, 4, 3, 5, 4], training, (x, w, b, rm, rv, r) => Ops.BatchNorm3d(x, w, b, rm, rv, training, fuseSilu: true),
                (x, w, b, rm, rv, r) => Ops.Silu(Ops.BatchNorm3d(x, w, b, rm, rv, training)));
            AssertClose(fused, 1e-6);
        }
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void FusedResidualMatchesBatchNormThenAdd(string variant)
    {
        var device = Get(variant);
        var pair = RunPair(device, [2, 4, 3, 5, 3], true, (x, w, b, rm, rv, r) => Ops.BatchNorm3d(x, w, b, rm, rv, true, residual: r),
            (x, w, b, rm, rv, r) => Ops.Add(Ops.BatchNorm3d(x, w, b, rm, rv, true), r));
        AssertClose(pair, 1e-6);

        // With stochastic depth's per-sample scale (sample 0 dropped, sample 1 kept and scaled by 1 / 0.8).
        float[] keep = [0f, 1.25f];
        pair = RunPair(device, [2, 4, 3, 5, 4], true,
            (x, w, b, rm, rv, r) => Ops.BatchNorm3d(x, w, b, rm, rv, true, residual: r, branchScale: Tensor.FromArray(x.Device, keep, 2)),
            (x, w, b, rm, rv, r) => Ops.Add(Ops.Mul(Ops.BatchNorm3d(x, w, b, rm, rv, true), Tensor.FromArray(x.Device, keep, 2, 1, 1, 1, 1)), r));
        AssertClose(pair, 1e-6);
    }

    private delegate Tensor BnOp(Tensor x, Tensor w, Tensor b, Tensor rm, Tensor rv, Tensor r);

    /// <summary>Forward output, running statistics and the gradients of sum(dy * y) for x, w, b, r; fused and unfused.</summary>
    private static (List<float[]> Fused, List<float[]> Unfused) RunPair(Device device, int[] shape, bool training, BnOp fused, BnOp unfused)
    {
        int n = (int)Tensor.NumberOf(shape), c = shape[1];
        var x = Random(10, n, 1, 2);
        var w = Random(11, c);
        var b = Random(12, c);
        var r = Random(13, n);
        var dy = Random(14, n);
        var rv = Random(15, c).Select(v => 0.5f + Math.Abs(v)).ToArray();
        List<float[]> Run(BnOp op)
        {
            using var scope = new TensorScope();
            var tx = Leaf(device, x, shape);
            var tw = Leaf(device, w, c);
            var tb = Leaf(device, b, c);
            var tr = Leaf(device, r, shape);
            var rm = Tensor.Zeros(device, c);
            var trv = Tensor.FromArray(device, rv, c);
            var y = op(tx, tw, tb, rm, trv, tr);
            var result = new List<float[]> { y.ToArray(), rm.ToArray(), trv.ToArray() };
            Autograd.Backward(y, Tensor.FromArray(device, dy, shape));
            foreach (var t in new[] { tx, tw, tb, tr })
            {
                result.Add(t.Grad?.ToArray() ?? []);
                t.Grad?.Dispose();
                t.Grad = null;
            }
            return result;
        }
        return (Run(fused), Run(unfused));
    }

    private static void AssertClose((List<float[]> Fused, List<float[]> Unfused) pair, double tolerance)
    {
        string[] names = ["y", "running_mean", "running_var", "dx", "dweight", "dbias", "dresidual"];
        for (int k = 0; k < pair.Fused.Count; k++)
        {
            Assert.Equal(pair.Unfused[k].Length, pair.Fused[k].Length);
            double error = OpCheck.RelativeError(pair.Fused[k], D(pair.Unfused[k]));
            Assert.True(error <= tolerance, $"{names[k]}: fused vs unfused relative error {error:E2}");
        }
    }

    [Fact]
    public void EvaluationBackwardWithoutParameterGradientsIsGammaTimesInvstd()
    {
        using var scope = new TensorScope();
        var data = Random(4, 2 * 3 * 6);
        var dy = Random(5, data.Length);
        float[] w = [2f, -1f, 0.5f], rvValues = [4f, 1f, 0.25f];
        var x = Leaf(Cpu, data, 2, 3, 6);
        var y = Ops.BatchNorm3d(x, Tensor.FromArray(Cpu, w, 3), Tensor.Zeros(Cpu, 3), Tensor.Zeros(Cpu, 3), Tensor.FromArray(Cpu, rvValues, 3),
            training: false, fuseSilu: false);
        Autograd.Backward(y, Tensor.FromArray(Cpu, dy, 2, 3, 6));
        var dx = x.Grad!.ToArray();
        for (int i = 0; i < dx.Length; i++)
        {
            int ch = i / 6 % 3;
            Assert.Equal(dy[i] * w[ch] / Math.Sqrt(rvValues[ch] + 1e-5), dx[i], 1e-5);
        }
    }

    [Fact]
    public void ParameterGradientsFlowWhenTheInputNeedsNone()
    {
        using var scope = new TensorScope();
        var data = Random(6, 3 * 2 * 10, 2, 3);
        var x = Tensor.FromArray(Cpu, data, 3, 2, 10);
        var w = Leaf(Cpu, [1.5f, 0.5f], 2);
        var b = Leaf(Cpu, [0f, 1f], 2);
        var y = Ops.BatchNorm3d(x, w, b, Tensor.Zeros(Cpu, 2), Tensor.Full(Cpu, 1f, 2), training: true);
        Autograd.Backward(Ops.Sum(Ops.Mul(y, y)));
        // d/dw sum((w xhat + b)^2) = sum 2 (w xhat + b) xhat = 2 w M (sum xhat = 0, sum xhat^2 = M var / (var + eps)); d/db = 2 M b.
        var (_, variance) = Reference.BatchStatistics(D(data), 3, 2, 10);
        for (int ch = 0; ch < 2; ch++)
        {
            double shrink = variance[ch] / (variance[ch] + 1e-5);
            Assert.Equal(2 * (ch == 0 ? 1.5 : 0.5) * 30 * shrink, w.Grad!.ToArray()[ch], 1e-3);
        }
        Assert.Equal(0, b.Grad!.ToArray()[0], 1e-4);
        Assert.Equal(60, b.Grad!.ToArray()[1], 1e-3);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void RepeatedRunsGiveIdenticalBits()
    {
        float[][] Run()
        {
            using var scope = new TensorScope();
            var x = Leaf(Cpu, Random(7, 2 * 5 * 1000, 3, 2), 2, 5, 1000);
            var w = Leaf(Cpu, Random(8, 5), 5);
            var b = Leaf(Cpu, Random(9, 5), 5);
            var rm = Tensor.Zeros(Cpu, 5);
            var rv = Tensor.Full(Cpu, 1f, 5);
            var y = Ops.BatchNorm3d(x, w, b, rm, rv, training: true, fuseSilu: true);
            var output = y.ToArray();
            Autograd.Backward(y, Tensor.FromArray(Cpu, Random(10, 10000), 2, 5, 1000));
            var result = new[] { output, rm.ToArray(), rv.ToArray(), x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray() };
            foreach (var t in new[] { x, w, b }) { t.Grad!.Dispose(); t.Grad = null; }
            return result;
        }
        var first = Run();
        var second = Run();
        for (int k = 0; k < first.Length; k++) Assert.Equal(first[k], second[k]);
    }

    [Fact]
    public void BadShapesAreClearErrors()
    {
        using var scope = new TensorScope();
        var x = Tensor.Zeros(Cpu, 2, 3, 4);
        Tensor C(int n) => Tensor.Zeros(Cpu, n);
        Assert.Contains("(N, C, ...)", Assert.Throws<ArgumentException>(() => Ops.BatchNorm3d(Tensor.Zeros(Cpu, 5), C(5), C(5), C(5), C(5), true)).Message);
        Assert.Contains("weight", Assert.Throws<ArgumentException>(() => Ops.BatchNorm3d(x, C(4), C(3), C(3), C(3), true)).Message);
        Assert.Contains("running_var", Assert.Throws<ArgumentException>(() => Ops.BatchNorm3d(x, C(3), C(3), C(3), C(2), false)).Message);
        Assert.Contains("residual", Assert.Throws<ArgumentException>(() =>
            Ops.BatchNorm3d(x, C(3), C(3), C(3), C(3), true, residual: Tensor.Zeros(Cpu, 2, 3, 5))).Message);
        Assert.Contains("branch scale", Assert.Throws<ArgumentException>(() =>
            Ops.BatchNorm3d(x, C(3), C(3), C(3), C(3), true, branchScale: C(3))).Message);
        var scale = C(2);
        scale.RequiresGrad = true;
        Assert.Contains("constant", Assert.Throws<ArgumentException>(() => Ops.BatchNorm3d(x, C(3), C(3), C(3), C(3), true, branchScale: scale)).Message);
        // One value per channel: no variance in training (PyTorch refuses too); evaluation is fine.
        var single = Tensor.Zeros(Cpu, 1, 3, 1, 1, 1);
        Assert.Contains("more than 1 value", Assert.Throws<ArgumentException>(() => Ops.BatchNorm3d(single, C(3), C(3), C(3), C(3), true)).Message);
        Ops.BatchNorm3d(single, C(3), C(3), C(3), Tensor.Full(Cpu, 1f, 3), false);
    }
}
