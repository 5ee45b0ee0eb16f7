using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

public static partial class Ops
{
    /// <summary>
    /// The reference model's SqueezeExcitation(c, r): AdaptiveAvgPool3d(1) -> Conv3d(c, r, 1, bias) -> SiLU
    /// -> Conv3d(r, c, 1, bias) -> Sigmoid, then out = x * gate. Parameters in PyTorch's layout
    /// (<c>se.se.1.weight</c> (r, c, 1, 1, 1), <c>se.se.1.bias</c> (r), <c>se.se.3.weight</c> (c, r, 1, 1, 1),
    /// <c>se.se.3.bias</c> (c)); 2-D weights (r, c) and (c, r) are accepted too. A 1x1x1 convolution of a
    /// 1x1x1 map is a Linear layer over (N, C), so the two convolutions are Ops.Linear on views of the
    /// weights; the gate is applied by the fused <see cref="ChannelScale"/>.
    /// </summary>
    public static Tensor SqueezeExcitation(Tensor x, Tensor w1, Tensor b1, Tensor w2, Tensor b2)
    {
        if (x.Rank < 3) throw new ArgumentException($"SqueezeExcitation needs (N, C, spatial...), got {x.ShapeText}");
        int c = x.Dim(1), r = w1.Dim(0);
        if (!IsPointwise(w1, r, c) || b1.Length != r || !IsPointwise(w2, c, r) || b2.Length != c)
            throw new ArgumentException($"SqueezeExcitation: for {c} channels expected weights ({r}, {c}, 1, 1, 1), ({c}, {r}, 1, 1, 1) " +
                $"and biases ({r}), ({c}); got {w1.ShapeText}, {b1.ShapeText}, {w2.ShapeText}, {b2.ShapeText}");
        var pooled = ChannelSum(x, mean: true, perSample: true);
        var hidden = Silu(Linear(pooled, Reshape(w1, r, c), b1));
        var gate = Sigmoid(Linear(hidden, Reshape(w2, c, r), b2));
        return ChannelScale(x, gate);
    }

    private static bool IsPointwise(Tensor w, int outputs, int inputs) =>
        w.Dim(0) == outputs && w.Length == (long)outputs * inputs && w.Rank >= 2 && w.Dim(1) == inputs;

    /// <summary>
    /// y = x * s[n, c] for x (N, C, ...) and s (N, C) or (N, C, 1, 1, 1): squeeze-excitation's channel
    /// gate in one pass. Backward in one fused pass too: dx = dy * s[n, c] and ds[n, c] = sum over the
    /// volume of dy * x (deterministic per-(n, c) reduction). Same result as Ops.Mul with s broadcast,
    /// which needs a full-size temporary and a separate reduction for ds.
    /// </summary>
    public static Tensor ChannelScale(Tensor x, Tensor s)
    {
        if (x.Rank < 2 || s.Length != (long)x.Dim(0) * x.Dim(1) || s.Dim(0) != x.Dim(0) || (s.Rank > 1 && s.Dim(1) != x.Dim(1)))
            throw new ArgumentException($"ChannelScale: scales {s.ShapeText} must be (N, C) or (N, C, 1, 1, 1) for {x.ShapeText}");
        return ScaleRows("channel_scale", x, s, x.Dim(0) * x.Dim(1));
    }

    /// <summary>x viewed as (rows, inner) times one factor per row, with the fused backward.</summary>
    private static Tensor ScaleRows(string name, Tensor x, Tensor factors, int rows)
    {
        var device = x.Device;
        int n = x.Elements, inner = n / rows;
        var y = Tensor.Empty(device, x.Shape);
        RunScale(x, factors, y, inner);
        Autograd.Record(name, y, [x, factors], dy =>
        {
            if (!factors.RequiresGrad)
            {
                var dx = Tensor.Empty(device, x.Shape);
                RunScale(dy, factors, dx, inner);
                Autograd.Accumulate(x, dx);
                return;
            }
            var dxFused = x.RequiresGrad ? Tensor.Empty(device, x.Shape) : null;
            var ds = Tensor.Empty(device, factors.Shape);
            ScaleBackward(x, factors, dy, dxFused, ds, rows, inner);
            if (dxFused != null) Autograd.Accumulate(x, dxFused);
            Autograd.Accumulate(factors, ds);
        });
        return y;
    }

    private static void RunScale(Tensor x, Tensor factors, Tensor y, int inner)
    {
        int n = x.Elements;
        x.Device.Run(ChannelScaleKernels.Scale, inner % 4 == 0 ? n / 4 : n, x.View, factors.View, y.View, n, inner);
    }

    /// <summary>dx = dy * s[row] (when dx is given) and ds[row] = sum of dy * x, in one pass plus a row sum of partials.</summary>
    private static void ScaleBackward(Tensor x, Tensor s, Tensor dy, Tensor? dx, Tensor ds, int rows, int inner)
    {
        var device = x.Device;
        int units = inner % 4 == 0 ? inner / 4 : inner;
        int writeDx = dx != null ? 1 : 0;
        var dxView = (dx ?? dy).View;  // not written when writeDx is 0
        if (!device.UseBarrierKernels)
        {
            // Enough items for every thread, each a long contiguous slice of a row.
            int splits = Math.Max(1, Math.Min(units, (device.MaxThreads + rows - 1) / rows));
            using var partials = Tensor.Empty(device, (long)rows * splits);
            device.Run(ChannelScaleKernels.ScaleBackwardThreads, (long)rows * splits, x.View, s.View, dy.View, dxView, partials.View,
                rows, inner, splits, writeDx);
            device.Run(ReductionKernels.SumRows, rows, partials.View, ds.View, rows, splits, 1f);
        }
        else
        {
            // One warp per (row, slice): about 64 warps per multiprocessor in all (full occupancy with
            // 256-thread groups), each slice at least two Float4s per lane.
            int warp = device.Accelerator.WarpSize, group = ReductionKernels.BlockSize, warpsPerGroup = group / warp;
            int sms = device.Accelerator.NumMultiprocessors;
            int splits = Math.Max(1, Math.Min(sms * 64 / rows, units / (2 * warp)));
            int items = rows * splits;
            int groups = Math.Max(1, Math.Min((items + warpsPerGroup - 1) / warpsPerGroup, sms * 8));
            using var partials = Tensor.Empty(device, items);
            device.Kernels.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(ChannelScaleKernels.ScaleBackwardWarps)(
                device.Stream, new KernelConfig(groups, group), x.View, s.View, dy.View, dxView, partials.View, rows, inner, splits, writeDx);
            device.Run(ReductionKernels.SumRows, rows, partials.View, ds.View, rows, splits, 1f);
        }
    }
}
