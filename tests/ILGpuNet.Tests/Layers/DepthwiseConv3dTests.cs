using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>
/// Depthwise Conv3d beyond the op checks: the model's depthwise geometries at reduced size (enough
/// channels for the CPU path's unsplit weight reduction) against the float64 reference with NaN-poisoned
/// new tensors, gradients only where required, repeatability, and clear errors for bad shapes.
/// </summary>
public class DepthwiseConv3dTests
{
    private static readonly Device Cpu = Device.Cpu;

    private static Conv3dShape Depthwise(int n, int c, (int D, int H, int W) input, int k, int stride, int pad) =>
        Conv3dShape.Create(n, c, input.D, input.H, input.W, c, k, k, k, stride, stride, stride, pad, pad, pad, groups: c);

    private static float[] Random(Random rng, long count) => Enumerable.Range(0, (int)count).Select(_ => (float)CheckInput.Gaussian(rng)).ToArray();

    private static double[] Double(float[] v) => v.Select(f => (double)f).ToArray();

    private static void AssertClose(double[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double error = OpCheck.RelativeError(actual, expected);
        Assert.True(error <= tolerance, $"{what}: relative error {error:G3} (tolerance {tolerance:G2})");
    }

    public static TheoryData<string, int, int, int, int, int, int, int, int, bool> ModelLikeShapes => new()
    {
        // name, N, C, D, H, W, kernel, stride, padding, bias
        { "block 0 (k3 s1)", 2, 8, 11, 14, 11, 3, 1, 1, false },
        { "block 1 (k5 s2)", 1, 8, 11, 14, 11, 5, 2, 2, true },
        { "block 2 (k5 s2)", 2, 12, 12, 14, 12, 5, 2, 2, false },
        { "block 2 repeat (k5 s1)", 2, 16, 6, 7, 6, 5, 1, 2, false },
        { "block 3 (k5 s1 on 3x4x3)", 1, 24, 3, 4, 3, 5, 1, 2, true },
        { "final MBConv (k1)", 2, 48, 3, 4, 3, 1, 1, 0, false },
    };

    [Theory]
    [MemberData(nameof(ModelLikeShapes))]
    public void ModelLikeShapesMatchTheReference(string name, int n, int c, int d, int h, int w, int k, int stride, int pad, bool withBias)
    {
        var s = Depthwise(n, c, (d, h, w), k, stride, pad);
        var rng = new Random(name.Length * 7919 + n);
        var x = Random(rng, (long)n * c * s.InSpatial);
        var wt = Random(rng, (long)c * s.KernelVolume);
        var b = withBias ? Random(rng, c) : null;
        var dy = Random(rng, (long)n * c * s.OutSpatial);
        var expected = Reference.DepthwiseConv3d(Double(x), Double(wt), b == null ? null : Double(b), s);
        var (dxRef, dwRef, dbRef) = Reference.DepthwiseConv3dBackward(Double(x), Double(wt), Double(dy), s);

        var poison = TensorPoison.Scope();
        try
        {
            using var scope = new TensorScope();
            var xt = Tensor.FromArray(Cpu, x, n, c, d, h, w);
            var wtt = Tensor.FromArray(Cpu, wt, c, 1, k, k, k);
            var bt = b == null ? null : Tensor.FromArray(Cpu, b, c);
            xt.RequiresGrad = wtt.RequiresGrad = true;
            if (bt != null) bt.RequiresGrad = true;
            var y = Ops.DepthwiseConv3d(xt, wtt, bt, s);
            Assert.Equal([n, c, s.OD, s.OH, s.OW], y.Shape);
            AssertClose(expected, y.ToArray(), 1e-5, $"{name} forward");
            Autograd.Backward(y, Tensor.FromArray(Cpu, dy, y.Shape));
            AssertClose(dxRef, xt.Grad!.ToArray(), 1e-5, $"{name} dx");
            AssertClose(dwRef, wtt.Grad!.ToArray(), 1e-5, $"{name} dw");
            if (bt != null) AssertClose(dbRef, bt.Grad!.ToArray(), 1e-5, $"{name} db");
            xt.Grad.Dispose();
            wtt.Grad.Dispose();
            bt?.Grad?.Dispose();
        }
        finally
        {
            poison.Dispose();
        }
    }

    [Fact]
    public void OnlyTheInputsThatRequireGradGetOne()
    {
        var s = Depthwise(1, 4, (5, 6, 5), 3, 1, 1);
        var rng = new Random(5);
        using var scope = new TensorScope();
        var x = Tensor.FromArray(Cpu, Random(rng, 4 * s.InSpatial), 1, 4, 5, 6, 5);
        var w = Tensor.FromArray(Cpu, Random(rng, 4 * 27), 4, 1, 3, 3, 3);
        var b = Tensor.FromArray(Cpu, Random(rng, 4), 4);
        w.RequiresGrad = true;
        var y = Ops.DepthwiseConv3d(x, w, b, s);
        Autograd.Backward(y, Tensor.Full(Cpu, 1f, y.Shape));
        Assert.Null(x.Grad);
        Assert.Null(b.Grad);
        Assert.NotNull(w.Grad);
        w.Grad!.Dispose();

        // Nothing requires a gradient: nothing is recorded.
        var z = Ops.DepthwiseConv3d(x, Tensor.FromArray(Cpu, Random(rng, 4 * 27), 4, 1, 3, 3, 3), null, s);
        Assert.False(z.RequiresGrad);
        Assert.Null(z.GradFn);
    }

    [Fact]
    public void RepeatedRunsGiveIdenticalBits()
    {
        var s = Depthwise(2, 8, (9, 10, 9), 5, 2, 2);
        var rng = new Random(11);
        var x = Random(rng, 2L * 8 * s.InSpatial);
        var w = Random(rng, 8L * s.KernelVolume);
        var dy = Random(rng, 2L * 8 * s.OutSpatial);
        (float[], float[], float[]) Run()
        {
            using var scope = new TensorScope();
            var xt = Tensor.FromArray(Cpu, x, 2, 8, 9, 10, 9);
            var wt = Tensor.FromArray(Cpu, w, 8, 1, 5, 5, 5);
            xt.RequiresGrad = wt.RequiresGrad = true;
            var y = Ops.DepthwiseConv3d(xt, wt, null, s);
            var yv = y.ToArray();
            Autograd.Backward(y, Tensor.FromArray(Cpu, dy, y.Shape));
            var result = (yv, xt.Grad!.ToArray(), wt.Grad!.ToArray());
            xt.Grad.Dispose();
            wt.Grad.Dispose();
            return result;
        }
        var first = Run();
        var second = Run();
        Assert.Equal(first.Item1, second.Item1);
        Assert.Equal(first.Item2, second.Item2);
        Assert.Equal(first.Item3, second.Item3);
    }

    [Fact]
    public void BadShapesAreClearErrors()
    {
        var s = Depthwise(1, 4, (5, 6, 7), 3, 1, 1);
        using var scope = new TensorScope();
        var x = Tensor.Zeros(Cpu, 1, 4, 5, 6, 7);
        var w = Tensor.Zeros(Cpu, 4, 1, 3, 3, 3);

        var e = Assert.Throws<ArgumentException>(() => Ops.DepthwiseConv3d(Tensor.Zeros(Cpu, 1, 4, 5, 6, 8), w, null, s));
        Assert.Contains("input [1, 4, 5, 6, 8]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.DepthwiseConv3d(x, Tensor.Zeros(Cpu, 4, 2, 3, 3, 3), null, s));
        Assert.Contains("weight [4, 2, 3, 3, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.DepthwiseConv3d(x, Tensor.Zeros(Cpu, 4, 1, 5, 5, 5), null, s));
        Assert.Contains("(C, 1, KD, KH, KW)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.DepthwiseConv3d(x, w, Tensor.Zeros(Cpu, 3), s));
        Assert.Contains("bias [3]", e.Message);

        var dense = Conv3dShape.Create(1, 4, 5, 6, 7, 4, 3, 3, 3, pd: 1, ph: 1, pw: 1, groups: 1);
        e = Assert.Throws<ArgumentException>(() => Ops.DepthwiseConv3d(x, w, null, dense));
        Assert.Contains("groups = in channels = out channels", e.Message);

        var inconsistent = s;
        inconsistent.OW = 9;
        e = Assert.Throws<ArgumentException>(() => Ops.DepthwiseConv3d(x, w, null, inconsistent));
        Assert.Contains("Conv3dShape.Create", e.Message);

        var tooBig = Depthwise(1, 4, (5, 6, 7), 9, 1, 0);
        e = Assert.Throws<ArgumentException>(() => Ops.DepthwiseConv3d(x, Tensor.Zeros(Cpu, 4, 1, 9, 9, 9), null, tooBig));
        Assert.Contains("does not fit", e.Message);
    }
}
