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
    /// <c>se.se.3.bias</c> (c)); 2-D weights (r, c) and (c, r) are accepted too. One op with its own
    /// backward, five launches each way (<see cref="SqueezeExcitationKernels"/>): the channel means, the
    /// gate MLP in two launches, the channel scale; backward the per-channel sums of dy * x, the MLP's
    /// gradients in two launches, and dx = dy * gate + dmean / voxels in one pass.
    /// </summary>
    public static Tensor SqueezeExcitation(Tensor x, Tensor w1, Tensor b1, Tensor w2, Tensor b2)
    {
        if (x.Rank < 3) throw new ArgumentException($"SqueezeExcitation needs (N, C, spatial...), got {x.ShapeText}");
        int n = x.Dim(0), c = x.Dim(1), r = w1.Dim(0);
        if (!IsPointwise(w1, r, c) || b1.Length != r || !IsPointwise(w2, c, r) || b2.Length != c)
            throw new ArgumentException($"SqueezeExcitation: for {c} channels expected weights ({r}, {c}, 1, 1, 1), ({c}, {r}, 1, 1, 1) " +
                $"and biases ({r}), ({c}); got {w1.ShapeText}, {b1.ShapeText}, {w2.ShapeText}, {b2.ShapeText}");
        var device = x.Device;
        int inner = checked((int)(x.Length / ((long)n * c)));
        // Channel sums, not means: the 1 / voxels is folded into the MLP kernels, so the sums need one pass only.
        float invVoxels = 1f / inner;
        var pooled = Tensor.Empty(device, n, c);
        Reductions.ChannelSum<IdentityOp>(x.View, pooled.View, 1, n * c, inner, device);
        var hidden = Tensor.Empty(device, 2, n, r);  // pre-activation h, then a = SiLU(h)
        device.Run(SqueezeExcitationKernels.Hidden, (long)n * r, pooled.View, w1.View, b1.View, hidden.View, n, c, r, invVoxels);
        var gate = Tensor.Empty(device, n, c);
        device.Run(SqueezeExcitationKernels.Gate, (long)n * c, hidden.View, w2.View, b2.View, gate.View, n, c, r);
        var y = Tensor.Empty(device, x.Shape);
        RunScale(x, gate, y, inner);

        var node = Autograd.Record("squeeze_excitation", y, [x, w1, b1, w2, b2], dy =>
        {
            // dgate's partial sums go straight to the MLP's backward, which adds them as it reads them.
            var (dgate, splits) = ScaleBackwardPartials(x, gate, dy, null, n * c, inner);
            var dh = Tensor.Empty(device, n, r);
            var dw2 = Autograd.NewGradFor(w2);
            var db2 = Autograd.NewGradFor(b2);
            device.Run(SqueezeExcitationKernels.BackwardGate, (long)n * r + (long)c * r + c, hidden.View, gate.View, dgate.View, w2.View,
                dh.View, dw2.View, db2.View, n, c, r, splits);
            var dpooled = Tensor.Empty(device, n, c);
            var dw1 = Autograd.NewGradFor(w1);
            var db1 = Autograd.NewGradFor(b1);
            device.Run(SqueezeExcitationKernels.BackwardHidden, (long)n * c + (long)r * c + r, pooled.View, dh.View, w1.View,
                dpooled.View, dw1.View, db1.View, n, c, r, invVoxels);
            if (x.RequiresGrad)
            {
                var dx = Tensor.Empty(device, x.Shape);
                SeInputGradVariants.For(device)(dy, gate, dpooled, dx, inner);
                Autograd.Accumulate(x, dx);
            }
            AccumulateIfNeeded(w1, dw1);
            AccumulateIfNeeded(b1, db1);
            AccumulateIfNeeded(w2, dw2);
            AccumulateIfNeeded(b2, db2);
        });
        if (node != null)
        {
            node.Save(pooled);
            node.Save(hidden);
            node.Save(gate);
        }
        else
        {
            // The stream is in order: kernels already queued still read these buffers.
            pooled.Dispose();
            hidden.Dispose();
            gate.Dispose();
        }
        return y;
    }

    /// <summary>Hands a computed gradient to a tensor that wants one, or returns the buffer to the pool.</summary>
    private static void AccumulateIfNeeded(Tensor target, Tensor grad)
    {
        if (target.RequiresGrad) Autograd.Accumulate(target, grad);
        else grad.Dispose();
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

    private static void RunScale(Tensor x, Tensor factors, Tensor y, int inner) => ScaleVariants.For(x.Device)(x, factors, y, inner);

    /// <summary>y = x * factors[row]: Float4 groups on CUDA; contiguous ranges on the CPU's vector units.</summary>
    private static readonly KernelVariants<Action<Tensor, Tensor, Tensor, int>> ScaleVariants = new("channel_scale",
        (KernelFamily.Cpu, "ScaleCpu", (x, factors, y, inner) =>
            x.Device.Run(ChannelScaleKernels.ScaleCpu, x.Elements, x.View, factors.View, y.View, x.Elements, inner)),
        (KernelFamily.CudaSimt, "Scale", (x, factors, y, inner) =>
            x.Device.Run(ChannelScaleKernels.Scale, inner % 4 == 0 ? x.Elements / 4 : x.Elements, x.View, factors.View, y.View, x.Elements, inner)));

    /// <summary>dx = dy * gate[row] + dpooled[row]: squeeze-excitation's input gradient in one pass.</summary>
    private static readonly KernelVariants<Action<Tensor, Tensor, Tensor, Tensor, int>> SeInputGradVariants = new("squeeze_excitation.input_grad",
        (KernelFamily.Cpu, "InputGradCpu", (dy, gate, dpooled, dx, inner) =>
            dy.Device.Run(SqueezeExcitationKernels.InputGradCpu, dx.Elements, dy.View, gate.View, dpooled.View, dx.View, dx.Elements, inner)),
        (KernelFamily.CudaSimt, "InputGrad", (dy, gate, dpooled, dx, inner) =>
            dy.Device.Run(SqueezeExcitationKernels.InputGrad, inner % 4 == 0 ? dx.Length / 4 : dx.Length, dy.View, gate.View, dpooled.View,
                dx.View, dx.Elements, inner)));

    /// <summary>dx = dy * s[row] (when dx is given) and ds[row] = sum of dy * x, in one pass plus a row sum of partials.</summary>
    private static void ScaleBackward(Tensor x, Tensor s, Tensor dy, Tensor? dx, Tensor ds, int rows, int inner)
    {
        var (partials, splits) = ScaleBackwardPartials(x, s, dy, dx, rows, inner, ds);
        if (splits > 1)
        {
            Reductions.SumRows(x.Device, partials.View, ds.View, rows, splits);
            partials.Dispose();
        }
    }

    /// <summary>
    /// dx = dy * s[row] (when dx is given) and the partial sums of ds[row] = sum of dy * x: rows x splits values, row
    /// by row, splits in order. With one split they are ds itself (written into <paramref name="single"/> when given).
    /// </summary>
    private static (Tensor Partials, int Splits) ScaleBackwardPartials(Tensor x, Tensor s, Tensor dy, Tensor? dx, int rows, int inner, Tensor? single = null)
    {
        var device = x.Device;
        int units = inner % 4 == 0 ? inner / 4 : inner;
        int writeDx = dx != null ? 1 : 0;
        var dxView = (dx ?? dy).View;  // not written when writeDx is 0
        return ScaleBackwardVariants.For(device)(x, s, dy, dxView, writeDx, rows, inner, units, single);
    }

    private delegate (Tensor Partials, int Splits) ScaleBackwardKernels(Tensor x, Tensor s, Tensor dy, ArrayView<float> dx, int writeDx,
        int rows, int inner, int units, Tensor? single);

    private static readonly KernelVariants<ScaleBackwardKernels> ScaleBackwardVariants = new("channel_scale.backward",
        (KernelFamily.Cpu, "ScaleBackwardCpu", (x, s, dy, dx, writeDx, rows, inner, units, single) =>
        {
            var device = x.Device;
            // Enough items for every thread, each a long contiguous slice of a row.
            int splits = Math.Max(1, Math.Min(units, (device.MaxThreads + rows - 1) / rows));
            var partials = splits == 1 && single != null ? single : Tensor.Empty(device, (long)rows * splits);
            device.Run(ChannelScaleKernels.ScaleBackwardCpu, (long)rows * splits, x.View, s.View, dy.View, dx, partials.View,
                rows, inner, splits, writeDx);
            return (partials, splits);
        }),
        (KernelFamily.CudaSimt, "ScaleBackwardCuda", (x, s, dy, dx, writeDx, rows, inner, units, single) =>
        {
            var device = x.Device;
            // One warp per (row, slice): about 64 warps per multiprocessor in all (full occupancy with
            // 256-thread groups), each slice at least two Float4s per lane.
            int warp = device.Accelerator.WarpSize, group = ReductionKernels.BlockSize, warpsPerGroup = group / warp;
            int sms = device.Accelerator.NumMultiprocessors;
            int splits = Math.Max(1, Math.Min(sms * 64 / rows, units / (2 * warp)));
            int items = rows * splits;
            int groups = Math.Max(1, Math.Min((items + warpsPerGroup - 1) / warpsPerGroup, sms * 8));
            var partials = splits == 1 && single != null ? single : Tensor.Empty(device, items);
            device.Launch(ChannelScaleKernels.ScaleBackwardCuda, new KernelConfig(groups, group), x.View, s.View, dy.View, dx, partials.View,
                rows, inner, splits, writeDx);
            return (partials, splits);
        }));
}
