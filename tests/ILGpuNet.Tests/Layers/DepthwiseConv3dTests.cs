using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>
/// Depthwise Conv3d beyond the op checks (which compare it with the float64 reference at the model's depthwise
/// geometries, on every kernel family: OpChecks.DepthwiseConv3d): gradients only where required, repeatability,
/// and clear errors for bad shapes.
/// </summary>
public class DepthwiseConv3dTests
{
    private static readonly Device Cpu = Device.Cpu;

    private static Conv3dShape Depthwise(int n, int c, (int D, int H, int W) input, int k, int stride, int pad) =>
        Conv3dShape.Create(n, c, input.D, input.H, input.W, c, k, k, k, stride, stride, stride, pad, pad, pad, groups: c);

    private static float[] Random(Random rng, long count) => Enumerable.Range(0, (int)count).Select(_ => (float)CheckInput.Gaussian(rng)).ToArray();

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
