using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>
/// Conv3d beyond the op checks (which compare it with the float64 reference at the model's shapes, on every kernel
/// family: OpChecks.Conv3d): determinism, the scalar overload, error messages for bad shapes.
/// </summary>
public class Conv3dTests
{
    private static readonly Device Cpu = Device.Cpu;

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

    private static float[] Draw(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)CheckInput.Gaussian(rng)).ToArray();
}
