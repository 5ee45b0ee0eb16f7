using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

/// <summary>
/// Differentiable ops: each computes its output with a kernel and, when an input requires a gradient,
/// records its backward next to it (Autograd.Record). One partial file per op family.
/// </summary>
public static partial class Ops
{
    public static Tensor Silu(Tensor x) => Unary<SiluOp>("silu", x);

    public static Tensor Sigmoid(Tensor x) => Unary<SigmoidOp>("sigmoid", x);

    public static Tensor Relu(Tensor x) => Unary<ReluOp>("relu", x);

    /// <summary>y = op(x) pointwise; backward dx = op'(x) * dy (x is kept for it).</summary>
    public static Tensor Unary<TOp>(string name, Tensor x) where TOp : struct, IUnaryOp
    {
        var device = x.Device;
        var y = Tensor.Empty(device, x.Shape);
        device.Run(ElementwiseKernels.Map<TOp>, x.Length / 4, x.View, y.View, x.Elements);
        Autograd.Record(name, y, [x], dy =>
        {
            var dx = Tensor.Empty(device, x.Shape);
            device.Run(ElementwiseKernels.MapBackward<TOp>, x.Length / 4, x.View, dy.View, dx.View, x.Elements, 0);
            Autograd.Accumulate(x, dx);
        });
        return y;
    }

    /// <summary>y = alpha * x.</summary>
    public static Tensor Scale(Tensor x, float alpha)
    {
        var y = Tensor.Empty(x.Device, x.Shape);
        y.Axpby(alpha, x, 0f);
        Autograd.Record("scale", y, [x], dy =>
        {
            var dx = Tensor.Empty(x.Device, x.Shape);
            dx.Axpby(alpha, dy, 0f);
            Autograd.Accumulate(x, dx);
        });
        return y;
    }

    public static Tensor Add(Tensor a, Tensor b) => Binary<AddOp>("add", a, b);

    public static Tensor Sub(Tensor a, Tensor b) => Binary<SubOp>("sub", a, b);

    public static Tensor Mul(Tensor a, Tensor b) => Binary<MulOp>("mul", a, b);

    /// <summary>
    /// y = op(a, b). b has a's shape, or broadcasts over it: b's shape is a's with ones on the leading
    /// axes and/or the trailing axes, e.g. (C) or (1, C, 1, 1, 1) per channel over (N, C, D, H, W), or
    /// (N, C, 1, 1, 1) per sample and channel.
    /// </summary>
    public static Tensor Binary<TOp>(string name, Tensor a, Tensor b) where TOp : struct, IBinaryOp
    {
        var device = a.Device;
        var y = Tensor.Empty(device, a.Shape);
        if (a.Length == b.Length)
        {
            if (!Broadcast.SameData(a.Shape, b.Shape)) throw new ArgumentException($"{name}: shapes {a.ShapeText} and {b.ShapeText} differ");
            device.Run(ElementwiseKernels.Zip<TOp>, a.Length / 4, a.View, b.View, y.View, a.Elements);
            Autograd.Record(name, y, [a, b], dy =>
            {
                if (a.RequiresGrad) Autograd.Accumulate(a, GradOfZip<TOp>(a, b, dy, first: true));
                if (b.RequiresGrad) Autograd.Accumulate(b, GradOfZip<TOp>(a, b, dy, first: false));
            });
            return y;
        }
        var (outer, mid, inner) = Broadcast.Plan(a.Shape, b.Shape, name);
        const int bOuterStride = 0;  // b never has its own values along the outer axes
        int n = a.Elements;
        device.Run(ElementwiseKernels.ZipBroadcast<TOp>, n, a.View, b.View, y.View, n, inner, mid, bOuterStride);
        Autograd.Record(name, y, [a, b], dy =>
        {
            if (a.RequiresGrad)
            {
                var da = Tensor.Empty(device, a.Shape);
                device.Run(ElementwiseKernels.ZipBroadcastGradA<TOp>, n, a.View, b.View, dy.View, da.View, n, inner, mid, bOuterStride, 0);
                Autograd.Accumulate(a, da);
            }
            if (b.RequiresGrad)
            {
                using var terms = Tensor.Empty(device, a.Shape);
                device.Run(ElementwiseKernels.ZipBroadcastGradBTerms<TOp>, n, a.View, b.View, dy.View, terms.View, n, inner, mid, bOuterStride);
                var db = Tensor.Empty(device, b.Shape);
                Reductions.ChannelSum<IdentityOp>(terms.View, db.View, outer, mid, inner, device);
                Autograd.Accumulate(b, db);
            }
        });
        return y;
    }

    private static Tensor GradOfZip<TOp>(Tensor a, Tensor b, Tensor dy, bool first) where TOp : struct, IBinaryOp
    {
        var device = a.Device;
        var g = Tensor.Empty(device, first ? a.Shape : b.Shape);
        int n = a.Elements;
        // A same-shape zip is the broadcast case with one row, so the broadcast gradient kernels serve both.
        if (first)
            device.Run(ElementwiseKernels.ZipBroadcastGradA<TOp>, n, a.View, b.View, dy.View, g.View, n, 1, n, 0, 0);
        else
            device.Run(ElementwiseKernels.ZipBroadcastGradBTerms<TOp>, n, a.View, b.View, dy.View, g.View, n, 1, n, 0);
        return g;
    }

    /// <summary>A view with another shape; the gradient is reshaped back (a parameter's view shares its gradient slot).</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var y = x.Reshape(shape);
        if (Autograd.Record("reshape", y, [x], dy => Autograd.Accumulate(x, dy.Reshape(x.Shape))) != null)
            Autograd.ShareGradSlot(y, x);
        return y;
    }
}
