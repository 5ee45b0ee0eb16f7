using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

public static partial class Ops
{
    /// <summary>Sum of all elements, shape [1].</summary>
    public static Tensor Sum(Tensor x) => SumAll("sum", x, 1f);

    /// <summary>Mean of all elements, shape [1].</summary>
    public static Tensor Mean(Tensor x) => SumAll("mean", x, 1f / x.Length);

    private static Tensor SumAll(string name, Tensor x, float scale)
    {
        var device = x.Device;
        var y = Tensor.Empty(device, 1);
        Reductions.Sum<IdentityOp>(x.View, y.View, device, scale);
        Autograd.Record(name, y, [x], dy => Autograd.Accumulate(x, Expand(dy, x.Shape, x.Length, 1, scale)));
        return y;
    }

    /// <summary>
    /// Per-channel sum (or mean) of x (N, C, ...) over every axis but 1: shape [C]. With perSample the
    /// sum runs over the spatial axes only: shape [N, C].
    /// </summary>
    public static Tensor ChannelSum(Tensor x, bool mean = false, bool perSample = false)
    {
        if (x.Rank < 2) throw new ArgumentException($"ChannelSum needs (N, C, ...), got {x.ShapeText}");
        var device = x.Device;
        int n = x.Dim(0), c = x.Dim(1), inner = (int)(x.Length / ((long)n * c));
        int outer = perSample ? 1 : n, mid = perSample ? n * c : c;
        float scale = mean ? 1f / ((float)inner * outer) : 1f;
        var y = perSample ? Tensor.Empty(device, n, c) : Tensor.Empty(device, c);
        Reductions.ChannelSum<IdentityOp>(x.View, y.View, outer, mid, inner, device, scale);
        Autograd.Record(mean ? "channel_mean" : "channel_sum", y, [x], dy => Autograd.Accumulate(x, Expand(dy, x.Shape, inner, mid, scale)));
        return y;
    }

    /// <summary>scale * g repeated over the (outer, mid, inner) view of a tensor of the given shape.</summary>
    private static Tensor Expand(Tensor g, int[] shape, long inner, int mid, float scale)
    {
        var y = Tensor.Empty(g.Device, shape);
        int n = y.Elements;
        g.Device.Run(ElementwiseKernels.Expand, n, g.View, y.View, n, (int)inner, mid, scale);
        return y;
    }
}
