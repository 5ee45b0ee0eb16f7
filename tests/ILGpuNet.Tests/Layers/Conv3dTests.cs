using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>
/// Conv3d at the model's shapes (reduced spatially) against the float64 direct-loop reference, forward
/// and backward, with NaN-poisoned new tensors; the CUDA kernels at a size with several tiles per axis;
/// determinism; error messages for bad shapes.
/// </summary>
public class Conv3dTests
{
    private static readonly Device Cpu = Device.Cpu;

    [Fact]
    public void StemMatchesTheReferenceWithoutAnInputGradient() =>
        CompareWithReference(Cpu, [1, 1, 24, 28, 24], 64, (7, 7, 7), (2, 2, 2), (3, 3, 3), 1, bias: false, xGrad: false, seed: 1);

    [Fact]
    public void PointwiseExpansionMatchesTheReference() =>
        CompareWithReference(Cpu, [2, 64, 12, 14, 12], 96, (1, 1, 1), (1, 1, 1), (0, 0, 0), 1, bias: true, xGrad: true, seed: 2);

    [Fact]
    public void StridedFiveCubeWithBatchTwoMatchesTheReference() =>
        CompareWithReference(Cpu, [2, 8, 11, 13, 10], 12, (5, 5, 5), (2, 2, 2), (2, 2, 2), 1, bias: true, xGrad: true, seed: 3);

    [Fact]
    public void GroupedNonCubicMatchesTheReference() =>
        CompareWithReference(Cpu, [2, 8, 9, 6, 11], 12, (3, 1, 5), (2, 1, 2), (1, 0, 2), 4, bias: false, xGrad: true, seed: 4);

    /// <summary>The CUDA kernels (on the GPU-shaped CPU accelerator) with 2 channel tiles, 4 voxel tiles, 11 k tiles and 2 splits.</summary>
    [Fact]
    public void CudaKernelsMatchTheReferenceAcrossSeveralTiles() =>
        CompareWithReference(Device.GpuShapedCpu, [2, 3, 7, 8, 9], 70, (3, 3, 3), (1, 1, 1), (1, 1, 1), 1, bias: true, xGrad: true, seed: 5);

    [Fact]
    public void CudaPointwiseMatchesTheReference() =>
        CompareWithReference(Device.GpuShapedCpu, [2, 6, 5, 6, 7], 10, (1, 1, 1), (1, 1, 1), (0, 0, 0), 2, bias: true, xGrad: true, seed: 6);

    [Fact]
    public void WeightGradientIsDeterministic()
    {
        float[] First() => RunWeightGrad(Cpu, seed: 7);
        Assert.Equal(First(), First());
    }

    [Fact]
    public void ScalarOverloadIsTheCubicCase()
    {
        using var scope = new TensorScope();
        var rng = new Random(8);
        var x = Tensor.FromArray(Cpu, Draw(rng, 2 * 3 * 6 * 7 * 5), 2, 3, 6, 7, 5);
        var w = Tensor.FromArray(Cpu, Draw(rng, 4 * 3 * 27), 4, 3, 3, 3, 3);
        var a = Ops.Conv3d(x, w, null, 2, 1).ToArray();
        var b = Ops.Conv3d(x, w, null, (2, 2, 2), (1, 1, 1)).ToArray();
        Assert.Equal(a, b);
        Assert.Equal(new[] { 2, 4, 3, 4, 3 }, Ops.Conv3d(x, w, null, 2, 1).Shape);
    }

    [Fact]
    public void BadShapesAreClearErrors()
    {
        using var scope = new TensorScope();
        var x = Tensor.Zeros(Cpu, 1, 4, 5, 5, 5);
        var e = Assert.Throws<ArgumentException>(() => Ops.Conv3d(Tensor.Zeros(Cpu, 4, 5, 5, 5), Tensor.Zeros(Cpu, 6, 4, 3, 3, 3)));
        Assert.Contains("[4, 5, 5, 5] must be (N, C, D, H, W)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.Conv3d(x, Tensor.Zeros(Cpu, 6, 3, 3, 3, 3)));
        Assert.Contains("weight [6, 3, 3, 3, 3] expects 3 input channels", e.Message);
        Assert.Contains("[1, 4, 5, 5, 5] has 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.Conv3d(x, Tensor.Zeros(Cpu, 6, 1, 3, 3, 3), groups: 3));
        Assert.Contains("groups 3 must divide the 4 input channels", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.Conv3d(x, Tensor.Zeros(Cpu, 6, 4, 3, 3, 3), Tensor.Zeros(Cpu, 5)));
        Assert.Contains("bias [5] must be [6]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.Conv3d(x, Tensor.Zeros(Cpu, 6, 4, 7, 3, 3)));
        Assert.Contains("kernel 7x3x3 with padding 0,0,0 does not fit the input 5x5x5", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.Conv3d(x, Tensor.Zeros(Cpu, 6, 4, 3, 3, 3), null, (1, 0, 1), (0, 0, 0)));
        Assert.Contains("strides must be positive", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.Conv3d(x, Tensor.Zeros(Cpu, 6, 4, 3, 3, 3), null, (1, 1, 1), (0, -1, 0)));
        Assert.Contains("padding must not be negative", e.Message);
    }

    private static float[] RunWeightGrad(Device device, int seed)
    {
        var rng = new Random(seed);
        using var scope = new TensorScope();
        var x = Tensor.FromArray(device, Draw(rng, 2 * 2 * 9 * 10 * 11), 2, 2, 9, 10, 11);
        var w = Tensor.FromArray(device, Draw(rng, 5 * 2 * 27), 5, 2, 3, 3, 3);
        w.RequiresGrad = true;
        var y = Ops.Conv3d(x, w, null, (2, 1, 2), (1, 1, 1));
        Autograd.Backward(y, Tensor.FromArray(device, Draw(rng, (int)y.Length), y.Shape));
        var g = w.Grad!.ToArray();
        w.Grad.Dispose();
        return g;
    }

    private static void CompareWithReference(Device device, int[] xShape, int cout, (int D, int H, int W) k, (int D, int H, int W) stride,
        (int D, int H, int W) padding, int groups, bool bias, bool xGrad, int seed)
    {
        var s = Conv3dShape.Create(xShape[0], xShape[1], xShape[2], xShape[3], xShape[4], cout, k.D, k.H, k.W,
            stride.D, stride.H, stride.W, padding.D, padding.H, padding.W, groups);
        int[] wShape = [cout, xShape[1] / groups, k.D, k.H, k.W];
        var rng = new Random(seed);
        var xv = Draw(rng, (int)Tensor.NumberOf(xShape));
        var wv = Draw(rng, (int)Tensor.NumberOf(wShape));
        var bv = Draw(rng, cout);
        var dyv = Draw(rng, s.N * s.Cout * s.OutSpatial);

        var poison = TensorPoison.Scope();
        try
        {
            using var scope = new TensorScope();
            var x = Tensor.FromArray(device, xv, xShape);
            x.RequiresGrad = xGrad;
            var w = Tensor.FromArray(device, wv, wShape);
            w.RequiresGrad = true;
            var b = bias ? Tensor.FromArray(device, bv, cout) : null;
            if (b != null) b.RequiresGrad = true;
            var y = Ops.Conv3d(x, w, b, stride, padding, groups);
            Assert.Equal(new[] { s.N, s.Cout, s.OD, s.OH, s.OW }, y.Shape);

            double[] D(float[] a) => a.Select(v => (double)v).ToArray();
            var expected = Reference.Conv3d(D(xv), D(wv), bias ? D(bv) : null, s);
            AssertClose("forward", y.ToArray(), expected);

            Autograd.Backward(y, Tensor.FromArray(device, dyv, y.Shape));
            var (dx, dw, db) = Reference.Conv3dBackward(D(xv), D(wv), D(dyv), s);
            AssertClose("dW", w.Grad!.ToArray(), dw);
            if (b != null) AssertClose("db", b.Grad!.ToArray(), db);
            if (xGrad) AssertClose("dx", x.Grad!.ToArray(), dx);
            else Assert.Null(x.Grad);
            w.Grad!.Dispose();
            b?.Grad?.Dispose();
            x.Grad?.Dispose();
        }
        finally
        {
            poison.Dispose();
        }
    }

    private static void AssertClose(string what, float[] actual, double[] expected)
    {
        double error = OpCheck.RelativeError(actual, expected);
        Assert.True(error < 1e-4, $"{what}: relative error {error:E2} (NaN: an element was never written)");
    }

    private static float[] Draw(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)CheckInput.Gaussian(rng)).ToArray();
}
