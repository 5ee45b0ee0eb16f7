using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Tensors;

/// <summary>
/// The one-tensor bound (2^31 - 1 elements, Tensor.MaxElements) and the allocation-site checks of the ops, all
/// refused before any memory is taken: none of these tests allocates more than a few tens of MB.
/// </summary>
public class TensorBoundTests
{
    private static Device Cpu => Device.Cpu;

    [Fact]
    public void TheBoundIsIntMaxValueAndCheckedBeforeAllocating()
    {
        Tensor.RequireWithinBound(int.MaxValue, "x");
        var e = Assert.Throws<TensorTooLargeException>(() => Tensor.RequireWithinBound(int.MaxValue + 1L, "the thing"));
        Assert.Equal("the thing would hold 2,147,483,648 elements; tensors are limited to 2^31-1 elements (32-bit kernel indexing)", e.Message);
        Assert.Equal(int.MaxValue + 1L, e.RequestedElements);

        // The dilated dY the old Conv3d check counted for the stem at batch 32: refused by shape, never allocated.
        e = Assert.Throws<TensorTooLargeException>(() => Tensor.Empty(Cpu, 32, 64, 97, 115, 97));
        Assert.StartsWith("a tensor of shape [32, 64, 97, 115, 97] would hold 2,216,007,680 elements", e.Message);
        e = Assert.Throws<TensorTooLargeException>(() => Tensor.Empty(Cpu, 3L << 30, "scratch"));
        Assert.StartsWith("scratch would hold 3,221,225,472 elements", e.Message);
        Assert.IsAssignableFrom<ArgumentException>(e);  // the CLI prints ArgumentExceptions as one-line user errors
    }

    [Fact]
    public void ElementsIsTheLengthAsAnInt()
    {
        using var scope = new TensorScope();
        var t = Tensor.Zeros(Cpu, 3, 5, 7);
        Assert.Equal(105, t.Elements);
        Assert.Equal(t.Length, t.Elements);
    }

    [Fact]
    public void Conv3dGeometryAcceptsTheStemAtBatch32WhenTheInputNeedsNoGradient()
    {
        // The reference stem at 91 x 109 x 91: formerly refused because of a dilated dY (32 x 64 x 97 x 115 x 97)
        // that only an input gradient would allocate.
        var s = Ops.Conv3dGeometry([32, 1, 91, 109, 91], [64, 1, 7, 7, 7], null, (2, 2, 2), (3, 3, 3), 1);
        Assert.Equal((46, 55, 46), (s.OD, s.OH, s.OW));
        Assert.True((long)s.N * s.Cout * s.OutSpatial <= Tensor.MaxElements);
        s = Ops.Conv3dGeometry([288, 1, 91, 109, 91], [64, 1, 7, 7, 7], null, (2, 2, 2), (3, 3, 3), 1);
        Assert.True((long)s.N * s.Cout * s.OutSpatial <= Tensor.MaxElements);  // 288: the largest batch (BatchLimitTests)
        Assert.True(289L * s.Cout * s.OutSpatial > Tensor.MaxElements);
    }

    [Fact]
    public void Conv3dRefusesAnOutputOverTheBoundWhereItIsAllocated()
    {
        using var scope = new TensorScope();
        var x = Tensor.Full(Cpu, 1f, 1, 1, 1, 1, 1);
        var w = Tensor.Full(Cpu, 1f, 2, 1, 1, 1, 1);
        // Padding 1000 around one voxel: a 2 x 2001^3 output, 1.6e10 elements.
        var e = Assert.Throws<TensorTooLargeException>(() => Ops.Conv3d(x, w, null, 1, 1000));
        Assert.Contains("[1, 2, 2001, 2001, 2001]", e.Message);
    }

    [Fact]
    public void Conv3dRefusesAPaddedCopyOverTheBoundOnTheCpu()
    {
        using var scope = new TensorScope();
        var x = Tensor.Full(Cpu, 1f, 1, 1, 1, 1, 1);
        var w = Tensor.Full(Cpu, 0.5f, 2, 1, 3, 3, 3);  // two output channels: a dense convolution, not a depthwise one
        // Stride 8 keeps the output at 2 x 162^3 (34 MB); the CPU forward's padded input would be 1291^3 > 2^31 - 1.
        var e = Assert.Throws<TensorTooLargeException>(() => Ops.Conv3d(x, w, null, 8, 645));
        long slack = Conv3dKernels.CpuInputSlack(new Conv3dShape { SW = 8 });  // a row's continuation read by the last register block
        Assert.StartsWith($"Conv3d's zero-padded input copy (1 x 1 x 1291 x 1291 x 1291 + {slack}) would hold {1291L * 1291 * 1291 + slack:N0} elements", e.Message);
    }

    [Fact]
    public void Conv3dMakesTheDilatedGradientOnlyWhenTheInputNeedsOne()
    {
        using var scope = new TensorScope();
        var rng = new Random(7);
        float[] Draw(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var x = Tensor.FromArray(Cpu, Draw(130 * 130 * 130), 1, 1, 130, 130, 130);
        var w = Tensor.FromArray(Cpu, Draw(1024 * 27), 1024, 1, 3, 3, 3);
        w.RequiresGrad = true;
        // Output 1024 x 16^3 (4.2 M); the input gradient's dilated dY would be 1024 x 132^3 = 2.36e9 elements.
        var y = Ops.Conv3d(x, w, null, 8, 0);
        Assert.Equal(new[] { 1, 1024, 16, 16, 16 }, y.Shape);
        var dy = Tensor.FromArray(Cpu, Draw(y.Elements), y.Shape);
        Autograd.Backward(y, dy);  // x needs no gradient: only dW, no dilated buffer
        Assert.NotNull(w.Grad);
        Assert.All(w.Grad!.ToArray().Take(64), v => Assert.True(float.IsFinite(v)));

        x.RequiresGrad = true;
        var y2 = Ops.Conv3d(x, w, null, 8, 0);
        var e = Assert.Throws<TensorTooLargeException>(() => Autograd.Backward(y2, dy));
        long slack = Conv3dKernels.CpuInputSlack(new Conv3dShape { SW = 1 });
        Assert.StartsWith($"Conv3d's dilated output gradient for the input gradient (1 x 1024 x 132 x 132 x 132 + {slack}) would hold {1024L * 132 * 132 * 132 + slack:N0} elements", e.Message);
    }

    [Fact]
    public void GemmRefusesSizesWithinATileOfTheIntRange()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GemmLaunch.Plan(true, 2, 2, 1, int.MaxValue - 100, 1));
        Assert.Contains("at most", e.Message);
        Assert.False(GemmLaunch.Plan(true, 2, 2, 1, GemmLaunch.MaxDimension, 1).Skip);
    }
}
