using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

public static partial class Ops
{
    /// <summary>
    /// PyTorch's Conv3d with groups = in_channels = out_channels: x (N, C, D, H, W), weight
    /// (C, 1, KD, KH, KW), bias (C) or null, geometry <paramref name="shape"/> (per-axis stride and
    /// padding, dilation 1). Backward: dx is the transposed convolution (a gather, no atomics), dW a
    /// split reduction over N x output voxels per tap, db the per-channel sum of dY; each is computed
    /// only for inputs that require a gradient. Kernels: <see cref="DepthwiseConv3dKernels"/>.
    /// </summary>
    public static Tensor DepthwiseConv3d(Tensor x, Tensor weight, Tensor? bias, Conv3dShape shape)
    {
        CheckDepthwise(x, weight, bias, shape);
        var s = CollapseUnitAxes(shape);
        var device = x.Device;
        var y = Tensor.Empty(device, shape.N, shape.Cout, shape.OD, shape.OH, shape.OW);
        var biasView = (bias ?? weight).View;
        int hasBias = bias != null ? 1 : 0;
        var kernels = DepthwiseVariants.For(device);
        kernels.Forward(x, weight, biasView, y, s, hasBias);
        Tensor[] inputs = bias != null ? [x, weight, bias] : [x, weight];
        Autograd.Record("depthwise_conv3d", y, inputs, dy =>
        {
            if (x.RequiresGrad)
            {
                // A second gradient of x (the MBConv residual's) is added by the kernel itself: no extra add launch.
                if (Autograd.ExistingGrad(x) is { } into) kernels.InputGrad(dy, weight, s, into, 1);
                else
                {
                    var dx = Tensor.Empty(device, s.N, s.Cin, s.D, s.H, s.W);
                    kernels.InputGrad(dy, weight, s, dx, 0);
                    Autograd.Accumulate(x, dx);
                }
            }
            if (weight.RequiresGrad)
            {
                var dw = Autograd.NewGradFor(weight);  // (C, 1, KD, KH, KW); collapsing unit axes keeps the filter's size
                kernels.WeightGrad(x, dy, dw, s);
                Autograd.Accumulate(weight, dw);
            }
            if (bias != null && bias.RequiresGrad)
            {
                var db = Autograd.NewGradFor(bias);
                Reductions.ChannelSum<IdentityOp>(dy.View, db.View, s.N, s.Cout, s.OutSpatial, device);
                Autograd.Accumulate(bias, db);
            }
        });
        return y;
    }

    /// <summary>
    /// The same convolution over fewer, longer rows: a filter of extent 1 with stride 1 and no padding
    /// along H and W treats each depth plane as one row (and along all three axes, the whole volume).
    /// The memory layout is unchanged; only the CPU kernels' per-row overhead shrinks (the final
    /// MBConv's 1x1x1 depthwise conv on 3x4x3 maps has rows of 3).
    /// </summary>
    private static Conv3dShape CollapseUnitAxes(Conv3dShape s)
    {
        if (s.KW != 1 || s.SW != 1 || s.PW != 0 || s.KH != 1 || s.SH != 1 || s.PH != 0) return s;
        bool depth = s.KD == 1 && s.SD == 1 && s.PD == 0;
        return Conv3dShape.Create(s.N, s.Cin, depth ? 1 : s.D, 1, depth ? s.InSpatial : s.H * s.W, s.Cout, s.KD, 1, 1,
            s.SD, 1, 1, s.PD, 0, 0, s.Groups);
    }

    /// <summary>
    /// One family's depthwise kernels: y = conv(x) (+ bias); dx = the transposed convolution of dy (added to dx's
    /// contents when accumulate is 1); dw (C, 1, KD, KH, KW) by partial sums over splits of the voxels, then SumRows.
    /// </summary>
    private interface IDepthwiseKernels
    {
        void Forward(Tensor x, Tensor weight, ArrayView<float> bias, Tensor y, Conv3dShape s, int hasBias);

        void InputGrad(Tensor dy, Tensor weight, Conv3dShape s, Tensor dx, int accumulate);

        void WeightGrad(Tensor x, Tensor dy, Tensor dw, Conv3dShape s);
    }

    private static readonly KernelVariants<IDepthwiseKernels> DepthwiseVariants = new("depthwise_conv3d",
        (KernelFamily.Cpu, "ForwardVectorCpu, BackwardInputVectorCpu, BackwardWeightVectorCpu (AVX-512 or AVX2, 16 channels a unit) | "
            + "ForwardCpu, PadRowsCpu + BackwardInputCpu, BackwardWeightCpu + SumRows (without AVX2); here: " + DepthwiseConv3dKernels.VectorIsa,
            new CpuDepthwise()),
        (KernelFamily.CudaSimt, "ForwardCuda, BackwardInputCuda, BackwardWeightCuda", new CudaSimtDepthwise()));

    /// <summary>
    /// CPU accelerator. With vector units (DepthwiseConv3dKernels.CpuVector): units of 16 channels of one sample (and a
    /// share of the depth planes where there are too few units for the threads), each thread with its own scratch
    /// (channel-fastest copies of the planes it reads); one launch per pass, the input gradient pads in its scratch.
    /// Without: whole rows per thread, the input gradient reading dy rows padded by <see cref="DepthwiseGradPadding"/>.
    /// </summary>
    private sealed class CpuDepthwise : IDepthwiseKernels
    {
        public void Forward(Tensor x, Tensor weight, ArrayView<float> bias, Tensor y, Conv3dShape s, int hasBias)
        {
            var device = x.Device;
            if (DepthwiseConv3dKernels.CpuVector)
            {
                int units = s.N * DepthwiseBlocks(s), splits = DepthwiseSplits(device, units, s.OD);
                using var scratch = Tensor.Empty(device, device.MaxThreads * DepthwiseConv3dKernels.ForwardVectorScratch(s), "depthwise scratch");
                device.Run(DepthwiseConv3dKernels.ForwardVectorCpu, (long)units * splits, x.View, weight.View, bias, y.View, scratch.View,
                    s, hasBias, splits);
                return;
            }
            device.Run(DepthwiseConv3dKernels.ForwardCpu, (long)s.N * s.Cout * s.OD * s.OH, x.View, weight.View, bias, y.View, s, hasBias);
        }

        public void InputGrad(Tensor dy, Tensor weight, Conv3dShape s, Tensor dx, int accumulate)
        {
            var device = dy.Device;
            if (DepthwiseConv3dKernels.CpuVector)
            {
                int units = s.N * DepthwiseBlocks(s), splits = DepthwiseSplits(device, units, s.D);
                using var scratch = Tensor.Empty(device, device.MaxThreads * DepthwiseConv3dKernels.InputGradVectorScratch(s), "depthwise scratch");
                device.Run(DepthwiseConv3dKernels.BackwardInputVectorCpu, (long)units * splits, dy.View, weight.View, dx.View, scratch.View,
                    s, accumulate, splits);
                return;
            }
            var (left, right) = DepthwiseGradPadding(s);
            using var dyp = PadW(dy, left, right);
            device.Run(DepthwiseConv3dKernels.BackwardInputCpu, (long)s.N * s.Cin * s.D * s.H, dyp.View, weight.View, dx.View,
                s, left, left + s.OW + right, accumulate);
        }

        public void WeightGrad(Tensor x, Tensor dy, Tensor dw, Conv3dShape s)
        {
            var device = x.Device;
            int rows = s.N * s.OD * s.OH, taps = s.KernelVolume;
            if (DepthwiseConv3dKernels.CpuVector)
            {
                // Splits of the (n, od) planes add partial sums, merged by the launch's last thread: no SumRows launch.
                int blocks = DepthwiseBlocks(s), vsplits = DepthwiseSplits(device, blocks, s.N * s.OD);
                long length = device.MaxThreads * DepthwiseConv3dKernels.WeightGradVectorScratch(s) + (vsplits > 1 ? (long)vsplits * s.Cout * taps : 0);
                using var scratch = Tensor.Empty(device, length, "depthwise scratch");
                device.Run(DepthwiseConv3dKernels.BackwardWeightVectorCpu, (long)blocks * vsplits, x.View, dy.View, dw.View, scratch.View,
                    device.Arrivals, s, vsplits);
                return;
            }
            // Whole channels per item when there are enough of them for every thread; split rows otherwise.
            int splits = Math.Clamp((4 * device.MaxThreads + s.Cout - 1) / s.Cout, 1, rows);
            using var partials = splits > 1 ? Tensor.Empty(device, (long)s.Cout * taps * splits) : null;
            device.Run(DepthwiseConv3dKernels.BackwardWeightCpu, (long)s.Cout * splits, x.View, dy.View, (partials ?? dw).View, s, splits);
            if (partials != null)
                Reductions.SumRows(device, partials.View, dw.View, s.Cout * taps, splits);
        }

        /// <summary>Units of 16 channels per sample.</summary>
        private static int DepthwiseBlocks(Conv3dShape s) => (s.Cout + DepthwiseConv3dKernels.VectorChannels - 1) / DepthwiseConv3dKernels.VectorChannels;

        /// <summary>
        /// Shares per unit (at most <paramref name="extent"/>, the planes shared): 1 when the units already divide evenly
        /// among the threads or are many; else the fewest shares that make them divide evenly (or many).
        /// </summary>
        private static int DepthwiseSplits(Tensors.Device device, int units, int extent)
        {
            int threads = device.MaxThreads;
            int k = 1;
            while (k < extent && units * k % threads != 0 && units * k < 8 * threads) k++;
            return k;
        }
    }

    /// <summary>One output (input) voxel per thread; the weight gradient reduces blocks of voxels per group of taps.</summary>
    private sealed class CudaSimtDepthwise : IDepthwiseKernels
    {
        public void Forward(Tensor x, Tensor weight, ArrayView<float> bias, Tensor y, Conv3dShape s, int hasBias) =>
            x.Device.Run(DepthwiseConv3dKernels.ForwardCuda, y.Length, x.View, weight.View, bias, y.View, s, hasBias);

        public void InputGrad(Tensor dy, Tensor weight, Conv3dShape s, Tensor dx, int accumulate) =>
            dy.Device.Run(DepthwiseConv3dKernels.BackwardInputCuda, dx.Length, dy.View, weight.View, dx.View, s, accumulate);

        public void WeightGrad(Tensor x, Tensor dy, Tensor dw, Conv3dShape s)
        {
            var device = x.Device;
            // Enough groups to fill the GPU (8 per multiprocessor), each split at least one block of voxels.
            int kwBlocks = (s.KW + DepthwiseConv3dKernels.TapsPerGroup - 1) / DepthwiseConv3dKernels.TapsPerGroup;
            int items = s.Cout * s.KD * s.KH * kwBlocks, taps = s.KernelVolume;
            long voxels = (long)s.N * s.OutSpatial;
            int wanted = (device.Accelerator.NumMultiprocessors * 8 + items - 1) / items;
            int splits = (int)Math.Clamp(Math.Min(wanted, (voxels + DepthwiseConv3dKernels.BlockSize - 1) / DepthwiseConv3dKernels.BlockSize), 1, 1024);
            using var partials = splits > 1 ? Tensor.Empty(device, (long)s.Cout * taps * splits) : null;
            device.Launch(DepthwiseConv3dKernels.BackwardWeightCuda, new KernelConfig(items * splits, DepthwiseConv3dKernels.BlockSize),
                x.View, dy.View, (partials ?? dw).View, s, splits);
            if (partials != null)
                Reductions.SumRows(device, partials.View, dw.View, s.Cout * taps, splits);
        }
    }

    /// <summary>
    /// Zero columns before and after each dy row that the CPU input gradient reads (BackwardInputCpu): phase r of
    /// an input row reads dy columns (r + PW - kw) / SW for its taps kw, and every such column from iw = 0 to
    /// W - 1 must exist. The padded copy is N x C x OD x OH x (left + OW + right); none is made when both are 0.
    /// </summary>
    public static (int Left, int Right) DepthwiseGradPadding(Conv3dShape s) =>
        (Math.Max(0, (s.KW - 1 - s.PW + s.SW - 1) / s.SW), Math.Max(0, (s.W - 1 + s.PW) / s.SW - s.OW + 1));

    /// <summary>
    /// t viewed as rows of its last axis, padded with zeros along it (CPU path of the input gradient).
    /// Without padding this is a second reference to the same buffer, so the caller may dispose it either way.
    /// </summary>
    private static Tensor PadW(Tensor t, int left, int right)
    {
        int width = t.Dim(-1);
        if (left == 0 && right == 0) return t.Reshape(t.Shape);
        int rows = checked((int)(t.Length / width));
        var padded = Tensor.Empty(t.Device, rows, left + width + right);
        t.Device.Run(DepthwiseConv3dKernels.PadRowsCpu, rows, t.View, padded.View, rows, width, left, right);
        return padded;
    }

    private static void CheckDepthwise(Tensor x, Tensor weight, Tensor? bias, Conv3dShape s)
    {
        const string op = "DepthwiseConv3d";
        if (s.Validate() is { } problem) throw new ArgumentException($"{op}: invalid geometry {s}: {problem}");
        if (!s.IsDepthwise)
            throw new ArgumentException($"{op}: needs groups = in channels = out channels, got {s.Cin} -> {s.Cout} channels in {s.Groups} groups");
        var expected = Conv3dShape.Create(s.N, s.Cin, s.D, s.H, s.W, s.Cout, s.KD, s.KH, s.KW, s.SD, s.SH, s.SW, s.PD, s.PH, s.PW, s.Groups);
        if (expected.OD != s.OD || expected.OH != s.OH || expected.OW != s.OW)
            throw new ArgumentException($"{op}: output size {s.OD}x{s.OH}x{s.OW} does not follow from the geometry (expected {expected.OD}x{expected.OH}x{expected.OW}); build it with Conv3dShape.Create");
        int[] xShape = [s.N, s.Cin, s.D, s.H, s.W];
        if (!x.Shape.AsSpan().SequenceEqual(xShape))
            throw new ArgumentException($"{op}: input {x.ShapeText} does not match the geometry's (N, C, D, H, W) = [{string.Join(", ", xShape)}]");
        int[] wShape = [s.Cout, 1, s.KD, s.KH, s.KW];
        if (!weight.Shape.AsSpan().SequenceEqual(wShape))
            throw new ArgumentException($"{op}: weight {weight.ShapeText} does not match (C, 1, KD, KH, KW) = [{string.Join(", ", wShape)}]");
        if (bias != null && (bias.Rank != 1 || bias.Dim(0) != s.Cout))
            throw new ArgumentException($"{op}: bias {bias.ShapeText} does not match {s.Cout} channels");
        if (weight.Device != x.Device || (bias != null && bias.Device != x.Device))
            throw new ArgumentException($"{op}: input, weight and bias must be on the same device");
    }
}
