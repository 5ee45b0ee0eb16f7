using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>MaxPool3d semantics beyond the op checks: PyTorch's tie, padding and NaN rules, the stem's shape, determinism.</summary>
public class PoolingTests
{
    private static readonly Device Cpu = Device.Cpu;

    private static Tensor Leaf(float[] data, params int[] shape)
    {
        var t = Tensor.FromArray(Cpu, data, shape);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>The gradient PyTorch gives: dy scattered to the reference argmax of each output.</summary>
    private static double[] ScatterToArgmax(int[] indices, float[] dy, int[] shape)
    {
        int volume = shape[2] * shape[3] * shape[4], outVolume = indices.Length / (shape[0] * shape[1]);
        var dx = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int o = 0; o < indices.Length; o++) dx[o / outVolume * volume + indices[o]] += dy[o];
        return dx;
    }

    private static (float[] Y, float[] Dx) ForwardBackward(float[] x, int[] shape, (int, int, int) k, (int, int, int) s, (int, int, int) p, float[]? dy = null)
    {
        using var scope = new TensorScope();
        var t = Leaf(x, shape);
        var y = Ops.MaxPool3d(t, k, s, p);
        var yv = y.ToArray();
        var g = dy ?? Enumerable.Repeat(1f, yv.Length).ToArray();
        Autograd.Backward(y, Tensor.FromArray(Cpu, g, y.Shape));
        var dx = t.Grad!.ToArray();
        t.Grad.Dispose();
        return (yv, dx);
    }

    [Fact]
    public void StemSubsamplingHasPyTorchsShapeAndIsAStridedCopy()
    {
        // Stem output 64 x 46 x 55 x 46 -> MaxPool3d(1, stride 2) -> 64 x 23 x 28 x 23.
        int[] shape = [1, 64, 46, 55, 46];
        var rng = new Random(3);
        var x = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)rng.NextDouble()).ToArray();
        using var scope = new TensorScope();
        var y = Ops.MaxPool3d(Tensor.FromArray(Cpu, x, shape), 1, 2);
        Assert.Equal([1, 64, 23, 28, 23], y.Shape);
        var v = y.ToArray();
        int o = 0;
        for (int c = 0; c < 64; c++)
            for (int d = 0; d < 23; d++)
                for (int h = 0; h < 28; h++)
                    for (int w = 0; w < 23; w++, o++)
                        Assert.Equal(x[((c * 46 + 2 * d) * 55 + 2 * h) * 46 + 2 * w], v[o]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SubsamplingBackwardPlacesDyAtTheSampledVoxels(bool gpuShaped)
    {
        var device = gpuShaped ? Device.GpuShapedCpu : Cpu;  // chunked threads, and 256-thread groups
        int[] shape = [2, 3, 9, 11, 7];
        var rng = new Random(4);
        var x = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)rng.NextDouble()).ToArray();
        using var scope = new TensorScope();
        var t = Tensor.FromArray(device, x, shape);
        t.RequiresGrad = true;
        var y = Ops.MaxPool3d(t, (1, 1, 1), (2, 3, 2), (0, 0, 0));
        Assert.Equal([2, 3, 5, 4, 4], y.Shape);
        var dy = Enumerable.Range(1, (int)y.Length).Select(v => (float)v).ToArray();
        Autograd.Backward(y, Tensor.FromArray(device, dy, y.Shape));
        var dx = t.Grad!.ToArray();
        var expected = new float[dx.Length];
        int o = 0;
        for (int nc = 0; nc < 6; nc++)
            for (int d = 0; d < 5; d++)
                for (int h = 0; h < 4; h++)
                    for (int w = 0; w < 4; w++, o++)
                        expected[((nc * 9 + 2 * d) * 11 + 3 * h) * 7 + 2 * w] = dy[o];
        Assert.Equal(expected, dx);
        t.Grad.Dispose();
    }

    [Theory]
    [InlineData(2, 1, 0)]  // overlapping windows: every interior voxel is in 8 windows
    [InlineData(3, 2, 1)]
    [InlineData(3, 1, 1)]
    public void TiesGoToTheFirstMaximumInScanOrder(int k, int s, int p)
    {
        int[] shape = [1, 2, 4, 5, 3];
        // Three levels only: many ties inside every window.
        var rng = new Random(11);
        var x = Enumerable.Range(0, 120).Select(_ => (float)rng.Next(3)).ToArray();
        var dy = Enumerable.Range(0, 1000).Select(_ => (float)rng.Next(1, 9)).ToArray();  // exact small integers: sums are exact
        var (values, indices) = Reference.MaxPool3dWithIndices(x.Select(v => (double)v).ToArray(), shape, (k, k, k), (s, s, s), (p, p, p));
        dy = dy.Take(values.Length).ToArray();
        var (y, dx) = ForwardBackward(x, shape, (k, k, k), (s, s, s), (p, p, p), dy);
        Assert.Equal(values.Select(v => (float)v), y);
        Assert.Equal(ScatterToArgmax(indices, dy, shape).Select(v => (float)v), dx);
    }

    [Fact]
    public void PaddingNeverWinsAndAllNegInfWindowsPickTheirFirstVoxel()
    {
        int[] shape = [1, 1, 3, 3, 3];
        var x = Enumerable.Repeat(-5f, 27).ToArray();
        x[26] = float.NegativeInfinity;
        var (y, dx) = ForwardBackward(x, shape, (3, 3, 3), (2, 2, 2), (1, 1, 1));
        Assert.All(y, v => Assert.Equal(-5f, v));  // never the padding's -inf, never 0
        // Windows start at -1 and 1 along each axis: first in-bounds voxels (0 or 1 per axis).
        Assert.Equal(8f, dx.Sum());
        foreach (var (d, h, w) in new[] { (0, 0, 0), (0, 0, 1), (1, 1, 1), (0, 1, 0) })
            Assert.Equal(1f, dx[(d * 3 + h) * 3 + w]);

        var allInf = Enumerable.Repeat(float.NegativeInfinity, 27).ToArray();
        var (yInf, dxInf) = ForwardBackward(allInf, shape, (3, 3, 3), (2, 2, 2), (1, 1, 1));
        Assert.All(yInf, v => Assert.Equal(float.NegativeInfinity, v));
        Assert.Equal(8f, dxInf.Sum());
        Assert.Equal(1f, dxInf[0]);
    }

    [Fact]
    public void NaNPropagatesLikePyTorch()
    {
        int[] shape = [1, 1, 2, 2, 4];
        var x = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        x[1] = float.NaN;   // in the first window (w 0..1)
        x[14] = float.NaN;  // in the second window, before the window's largest value 15
        var (y, dx) = ForwardBackward(x, shape, (2, 2, 2), (2, 2, 2), (0, 0, 0));
        Assert.True(float.IsNaN(y[0]) && float.IsNaN(y[1]));
        Assert.Equal(1f, dx[1]);
        Assert.Equal(1f, dx[14]);
        Assert.Equal(2f, dx.Sum());
    }

    [Fact]
    public void BackwardIsBitwiseRepeatableWithOverlappingWindows()
    {
        int[] shape = [2, 3, 6, 7, 5];
        var rng = new Random(5);
        var x = Enumerable.Range(0, 1260).Select(_ => (float)Math.Round(rng.NextDouble() * 4, 1)).ToArray();
        var dy = Enumerable.Range(0, 2 * 3 * 6 * 7 * 5).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var first = ForwardBackward(x, shape, (3, 3, 3), (1, 1, 1), (1, 1, 1), dy);
        var second = ForwardBackward(x, shape, (3, 3, 3), (1, 1, 1), (1, 1, 1), dy);
        Assert.Equal(first.Dx.Select(BitConverter.SingleToInt32Bits), second.Dx.Select(BitConverter.SingleToInt32Bits));
        var (_, indices) = Reference.MaxPool3dWithIndices(x.Select(v => (double)v).ToArray(), shape, (3, 3, 3), (1, 1, 1), (1, 1, 1));
        var expected = ScatterToArgmax(indices, dy, shape);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], first.Dx[i], 1e-5);
    }

    [Fact]
    public void WithoutGradientNoIndicesAreKeptAndTheValuesAgree()
    {
        int[] shape = [1, 2, 5, 7, 5];
        var rng = new Random(9);
        var x = Enumerable.Range(0, 350).Select(_ => (float)rng.NextDouble()).ToArray();
        using var scope = new TensorScope();
        var t = Tensor.FromArray(Cpu, x, shape);
        var plain = Ops.MaxPool3d(t, 3, 2, 1);
        Assert.Null(plain.GradFn);
        using (Autograd.NoGrad())
        {
            var leaf = Leaf(x, shape);
            Assert.Equal(plain.ToArray(), Ops.MaxPool3d(leaf, 3, 2, 1).ToArray());
        }
        var expected = Reference.MaxPool3d(x.Select(v => (double)v).ToArray(), shape, (3, 3, 3), (2, 2, 2), (1, 1, 1));
        Assert.Equal(expected.Select(v => (float)v), plain.ToArray());
    }

    [Fact]
    public void BadGeometryIsAClearError()
    {
        using var scope = new TensorScope();
        var x = Tensor.Zeros(Cpu, 1, 2, 4, 4, 4);
        Assert.Throws<ArgumentException>(() => Ops.MaxPool3d(x, 3, 2, 2));                        // padding > kernel / 2
        Assert.Throws<ArgumentException>(() => Ops.MaxPool3d(x, 5, 1, 0));                        // window larger than the input
        Assert.Throws<ArgumentException>(() => Ops.MaxPool3d(x, 2, 0, 0));                        // stride 0
        Assert.Throws<ArgumentException>(() => Ops.MaxPool3d(Tensor.Zeros(Cpu, 2, 4, 4, 4), 2)); // rank 4
        Assert.Equal([1, 2, 2, 2, 2], Ops.MaxPool3d(x, 2).Shape);                                 // stride defaults to the kernel
    }

    [Fact]
    public void AdaptiveAvgPoolKeepsPyTorchsShape()
    {
        using var scope = new TensorScope();
        var x = Leaf(Enumerable.Range(0, 2 * 3 * 24).Select(i => (float)i).ToArray(), 2, 3, 2, 3, 4);
        var y = Ops.AdaptiveAvgPool3d1(x);
        Assert.Equal([2, 3, 1, 1, 1], y.Shape);
        Assert.Equal(Enumerable.Range(0, 6).Select(r => r * 24 + 11.5f), y.ToArray());
        Autograd.Backward(y, Tensor.Full(Cpu, 24f, 2, 3, 1, 1, 1));
        Assert.All(x.Grad!.ToArray(), g => Assert.Equal(1f, g, 1e-6f));
    }

    [Fact]
    public void PoolingKernelsCompileForSm90()
    {
        var results = PtxCompiler.CompileAll("sm_90", "PoolingKernels").ToList();
        Assert.Equal(6, results.Count);
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Kernel}: {r.Error}"));
    }
}
