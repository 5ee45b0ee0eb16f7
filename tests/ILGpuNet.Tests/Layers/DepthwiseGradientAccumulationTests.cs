using ILGpuNet.Layers;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>
/// When x already has a gradient (the MBConv residual's), the depthwise convolution's input-gradient kernel adds
/// its own into it in place. Both orders of the two contributions, both kernel families, against the gradient of
/// the convolution alone plus the residual's.
/// </summary>
public sealed class DepthwiseGradientAccumulationTests
{
    public static TheoryData<bool, bool> Cases => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ASecondGradientIsAddedInPlace(bool cudaKernels, bool residualFirst)
    {
        var device = cudaKernels ? Device.GpuShapedCpu : Device.Cpu;
        using var scope = new TensorScope();
        var rng = new RandomSource(21);
        var x = rng.Normal(device, [2, 3, 4, 5, 6]);
        var w = rng.Normal(device, [3, 1, 3, 3, 3]);
        var upstream = rng.Normal(device, [2, 3, 4, 5, 6]);
        x.RequiresGrad = true;
        var shape = Ops.Conv3dGeometry(x, w, null, (1, 1, 1), (1, 1, 1), 3);

        Autograd.Backward(Ops.DepthwiseConv3d(x, w, null, shape), upstream.Clone());
        var convOnly = x.Grad!.ToArray();
        x.Grad = null;

        var conv = Ops.DepthwiseConv3d(x, w, null, shape);
        Autograd.Backward(residualFirst ? Ops.Add(x, conv) : Ops.Add(conv, x), upstream.Clone());
        var both = x.Grad!.ToArray();
        var g = upstream.ToArray();
        for (int i = 0; i < both.Length; i++)
            Assert.InRange(both[i] - (convOnly[i] + g[i]), -1e-5f * (1 + Math.Abs(both[i])), 1e-5f * (1 + Math.Abs(both[i])));
    }
}
