using System.Globalization;
using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using Device = ILGpuNet.Tensors.Device;

namespace ILGpuNet.Layers;

public static partial class Ops
{
    /// <summary>
    /// PyTorch's F.conv3d (dilation 1): x (N, Cin, D, H, W), weight (Cout, Cin/groups, KD, KH, KW), bias
    /// (Cout) or null, per-axis stride and zero padding (default 1 and 0). Groups with one input and one
    /// output channel each (depthwise) go to <see cref="DepthwiseConv3d"/>. 1x1x1 stride-1 unpadded
    /// convolutions are GEMMs (<see cref="Blas.Gemm(Device, ArrayView{float}, bool, ArrayView{float}, bool, ArrayView{float}, int, int, int, int, int, int, float, float, int, long, long, long)"/>),
    /// the rest implicit GEMMs (<see cref="Conv3dKernels"/>). Backward: dx is the convolution of the
    /// dilated dY with the transposed, flipped filter (skipped when x needs no gradient, e.g. the input
    /// volume), dW a reduction over N x output voxels split into partial sums that are added in a fixed
    /// order (deterministic), db the per-channel sum of dY.
    /// </summary>
    public static Tensor Conv3d(Tensor x, Tensor weight, Tensor? bias = null, (int D, int H, int W)? stride = null,
        (int D, int H, int W)? padding = null, int groups = 1)
    {
        var s = Conv3dGeometry(x, weight, bias, stride ?? (1, 1, 1), padding ?? (0, 0, 0), groups);
        if (s.IsDepthwise) return DepthwiseConv3d(x, weight, bias, s);

        var device = x.Device;
        bool pointwise = IsPointwiseConv3d(s);
        var y = Tensor.Empty(device, s.N, s.Cout, s.OD, s.OH, s.OW);
        var kernels = Conv3dVariants.For(device);
        Tensor? xp = null;  // the CPU kernels' zero-padded copy of x, which the weight gradient reads again
        if (pointwise) PointwiseForward(x, weight, bias, y, s);
        else xp = kernels.Forward(x, weight, bias, y, s);

        Tensor[] inputs = bias != null ? [x, weight, bias] : [x, weight];
        var node = Autograd.Record("conv3d", y, inputs, dy =>
        {
            if (x.RequiresGrad) Autograd.Accumulate(x, Conv3dInputGrad(kernels, dy, weight, s, pointwise));
            if (weight.RequiresGrad)
            {
                var dw = Autograd.NewGradFor(weight);
                kernels.WeightGrad(x, xp, dy, dw, s, pointwise);
                Autograd.Accumulate(weight, dw);
            }
            if (bias != null && bias.RequiresGrad)
            {
                var db = Autograd.NewGradFor(bias);
                Reductions.ChannelSum<IdentityOp>(dy.View, db.View, s.N, s.Cout, s.OutSpatial, device);
                Autograd.Accumulate(bias, db);
            }
        });
        // The CPU weight gradient reads the padded copy again; keep it only when that gradient will be asked for.
        if (xp != null)
        {
            if (node != null && weight.RequiresGrad) node.Save(xp);
            else { xp.Dispose(); xp = null; }
        }
        return y;
    }

    /// <summary><see cref="Conv3d(Tensor, Tensor, Tensor?, (int D, int H, int W)?, (int D, int H, int W)?, int)"/> with the same stride and padding on every axis.</summary>
    public static Tensor Conv3d(Tensor x, Tensor weight, Tensor? bias, int stride, int padding = 0, int groups = 1) =>
        Conv3d(x, weight, bias, (stride, stride, stride), (padding, padding, padding), groups);

    /// <summary>The geometry of a conv3d call, checked on the host with messages that name the shapes.</summary>
    public static Conv3dShape Conv3dGeometry(Tensor x, Tensor weight, Tensor? bias, (int D, int H, int W) stride,
        (int D, int H, int W) padding, int groups)
    {
        if (weight.Device != x.Device || (bias != null && bias.Device != x.Device))
            throw new ArgumentException("Conv3d: input, weight and bias must be on the same device");
        return Conv3dGeometry(x.Shape, weight.Shape, bias?.Shape, stride, padding, groups);
    }

    /// <summary>
    /// The same checks from shapes alone (no tensors). Buffer sizes are not checked here but where each buffer is
    /// allocated (Tensor.Empty: the output; <see cref="PadForConv3d"/>: the CPU padded copy; <see cref="Conv3dInputGrad"/>:
    /// the dilated dY, made only when x needs a gradient), so a stem whose input needs none is never refused for it.
    /// </summary>
    public static Conv3dShape Conv3dGeometry(int[] xShape, int[] weightShape, int[]? biasShape, (int D, int H, int W) stride,
        (int D, int H, int W) padding, int groups)
    {
        const string op = "Conv3d";
        string xText = $"[{string.Join(", ", xShape)}]", wText = $"[{string.Join(", ", weightShape)}]";
        if (xShape.Length != 5)
            throw new ArgumentException($"{op}: input {xText} must be (N, C, D, H, W)");
        if (weightShape.Length != 5)
            throw new ArgumentException($"{op}: weight {wText} must be (Cout, Cin/groups, KD, KH, KW)");
        if (groups <= 0)
            throw new ArgumentException($"{op}: groups must be positive, got {groups}");
        int cin = xShape[1], cout = weightShape[0];
        if (cin % groups != 0 || cout % groups != 0)
            throw new ArgumentException($"{op}: groups {groups} must divide the {cin} input channels of {xText} and the {cout} output channels of weight {wText}");
        if (weightShape[1] * groups != cin)
            throw new ArgumentException($"{op}: weight {wText} expects {weightShape[1] * groups} input channels ({weightShape[1]} per group x {groups} groups), input {xText} has {cin}");
        if (biasShape != null && (biasShape.Length != 1 || biasShape[0] != cout))
            throw new ArgumentException($"{op}: bias [{string.Join(", ", biasShape)}] must be [{cout}], one value per output channel of weight {wText}");
        var s = Conv3dShape.Create(xShape[0], cin, xShape[2], xShape[3], xShape[4], cout, weightShape[2], weightShape[3], weightShape[4],
            stride.D, stride.H, stride.W, padding.D, padding.H, padding.W, groups);
        if (s.Validate() is { } problem)
            throw new ArgumentException($"{op}: input {xText}, weight {wText}, stride {stride}, padding {padding}: {problem}");
        CheckTiledColumns(op, s);
        return s;
    }

    /// <summary>
    /// The CUDA tiled kernels index output voxels (N x OD x OH x OW, the GEMM's columns) with int and run up to a
    /// tile past the last one. Tensors of at most 2^31 - 1 elements exceed that only with a single output channel.
    /// </summary>
    private static void CheckTiledColumns(string op, Conv3dShape s)
    {
        long voxels = (long)s.N * s.OutSpatial, most = int.MaxValue - 2L * Conv3dKernels.TiledN;
        if (voxels > most)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{op}: {s} has {voxels:N0} output voxels; at most {most:N0} are supported (32-bit kernel indexing); use a smaller batch"));
    }

    private static bool IsPointwiseConv3d(Conv3dShape s) =>
        s.KD == 1 && s.KH == 1 && s.KW == 1 && s.SD == 1 && s.SH == 1 && s.SW == 1 && s.PD == 0 && s.PH == 0 && s.PW == 0;

    /// <summary>1x1x1: per group, Y[n] (Cout/G x S) = W (Cout/G x Cin/G) X[n] (Cin/G x S), batched over n; bias seeds Y.</summary>
    private static void PointwiseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, Conv3dShape s)
    {
        var device = x.Device;
        int sp = s.OutSpatial, cinPg = s.CinPerGroup, coutPg = s.CoutPerGroup;
        float beta = 0f;
        if (bias != null)
        {
            device.Run(ElementwiseKernels.Expand, y.Length, bias.View, y.View, y.Elements, sp, s.Cout, 1f);
            beta = 1f;
        }
        for (int g = 0; g < s.Groups; g++)
            Blas.Gemm(device, weight.View.SubView((long)g * coutPg * cinPg), false, x.View.SubView((long)g * cinPg * sp), false,
                y.View.SubView((long)g * coutPg * sp), coutPg, sp, cinPg, cinPg, sp, sp, 1f, beta,
                s.N, 0, (long)s.Cin * sp, (long)s.Cout * sp);
    }

    /// <summary>One family's implicit-GEMM convolution kernels (1x1x1 convolutions are GEMMs in every family).</summary>
    private interface IConv3dKernels
    {
        /// <summary>y = conv(x) (+ bias); returns a zero-padded copy of x that the weight gradient reads again, or null.</summary>
        Tensor? Forward(Tensor x, Tensor weight, Tensor? bias, Tensor y, Conv3dShape s);

        /// <summary>y = conv(x) for an unpadded geometry whose x carries the CPU slack (the input gradient's dilated dY).</summary>
        void ForwardUnpadded(Device device, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> y, Conv3dShape s);

        /// <summary>dw = sum over samples and output voxels of dY x im2col(x); <paramref name="xp"/>: Forward's padded copy.</summary>
        void WeightGrad(Tensor x, Tensor? xp, Tensor dy, Tensor dw, Conv3dShape s, bool pointwise);
    }

    private static readonly KernelVariants<IConv3dKernels> Conv3dVariants = new("conv3d",
        (KernelFamily.Cpu, "Spread + ForwardVectorCpu (AVX-512/AVX2; packs the weights per thread) | ForwardCpu, WeightGradVectorCpu (AVX-512) | WeightGradCpu + SumRows, GemmSumCpu (1x1x1 dW)", new CpuConv3d()),
        (KernelFamily.CudaSimt, "ForwardCuda, WeightGradCuda", new CudaSimtConv3d()),
        (KernelFamily.CudaTensorCore, "ForwardTensorCore<Tf32Mma|Tf32x3Mma> (forward, input gradient), WeightGradTensorCore<Tf32Mma|Tf32x3Mma>", new CudaTensorCoreConv3d()));

    /// <summary>Register-blocked, barrier-free kernels over a zero-padded copy of x (CPU accelerator).</summary>
    private sealed class CpuConv3d : IConv3dKernels
    {
        public Tensor? Forward(Tensor x, Tensor weight, Tensor? bias, Tensor y, Conv3dShape s)
        {
            var xp = PadForConv3d(x, s);
            ForwardCpu(x.Device, xp.View, weight.View, bias, y.View, s);
            return xp;
        }

        public void ForwardUnpadded(Device device, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> y, Conv3dShape s) =>
            ForwardCpu(device, x, weight, null, y, s);

        /// <summary>The vector kernel where the machine has AVX-512 or AVX2 (over weights packed channel-fastest), else the scalar one.</summary>
        private static void ForwardCpu(Device device, ArrayView<float> xp, ArrayView<float> weight, Tensor? bias, ArrayView<float> y, Conv3dShape s)
        {
            if (Conv3dKernels.CpuVectorForward)
            {
                int coPad = Conv3dKernels.CpuVectorChannelPad(s);
                // Each thread of the launch packs the weights into its own slice.
                using var packed = Tensor.Empty(device, device.MaxThreads * Conv3dKernels.CpuVectorPackLength(s));
                long blocks = (long)s.N * s.Groups * s.OD * s.OH * Conv3dCeilDiv(s.OW, Conv3dKernels.VectorBlockVoxels)
                    * Conv3dCeilDiv(coPad, Conv3dKernels.VectorBlockChannels);
                device.Run(Conv3dKernels.ForwardVectorCpu, blocks, xp, weight, bias?.View ?? weight, y, packed.View, s, bias != null ? 1 : 0, coPad);
                return;
            }
            long units = (long)s.N * s.Groups * s.OD * s.OH * Conv3dCeilDiv(s.OW, Conv3dKernels.BlockColumns) * Conv3dCeilDiv(s.CoutPerGroup, Conv3dKernels.BlockChannels);
            device.Run(Conv3dKernels.ForwardCpu, units, xp, weight, bias?.View ?? weight, y, s, bias != null ? 1 : 0);
        }

        /// <summary>
        /// Split over rows of output voxels, one partial sum per thread, added in split order. 1x1x1: one GEMM launch
        /// that adds the samples in order.
        /// </summary>
        public void WeightGrad(Tensor x, Tensor? xp, Tensor dy, Tensor dw, Conv3dShape s, bool pointwise)
        {
            var device = dy.Device;
            int cinPg = s.CinPerGroup, coutPg = s.CoutPerGroup, wLen = s.Cout * cinPg * s.KernelVolume;
            if (pointwise)
            {
                // dW = sum over samples of dY[n] X[n]^T, per group.
                int sp = s.OutSpatial;
                Blas.GemmSum(device, dy.View, false, x.View, true, dw.View, coutPg, cinPg, sp, sp, sp, cinPg, 1f, 0f,
                    s.N, (long)s.Cout * sp, (long)s.Cin * sp, s.Groups, (long)coutPg * sp, (long)cinPg * sp, (long)coutPg * cinPg);
                return;
            }
            using var padded = xp == null ? PadForConv3d(x, s) : null;
            int rows = s.N * s.OD * s.OH;
            int splits = Math.Max(1, Math.Min(device.MaxThreads, rows));
            // Chunks of about 256 output voxels: their dY and input rows stay in L2 while every 4 x 4 block passes over them.
            int rowsPerChunk = Math.Max(1, 256 / s.OW);
            // With one split its partial sum, in W's layout, is the gradient itself.
            using var partials = splits > 1 ? Tensor.Empty(device, (long)splits * wLen) : null;
            if (Conv3dKernels.CpuVectorWeightGrad)
            {
                // Chunks of about 512 voxels (128 KiB of transposed dY in L2) halve the per-chunk cost of each 64 x 6 block.
                rowsPerChunk = Math.Max(1, 512 / s.OW);
                using var scratch = Tensor.Empty(device, (long)splits * rowsPerChunk * s.OW * Conv3dKernels.VectorBlockChannels);
                device.Run(Conv3dKernels.WeightGradVectorCpu, splits, (padded ?? xp)!.View, dy.View, (partials ?? dw).View, scratch.View,
                    s, splits, rowsPerChunk);
            }
            else
                device.Run(Conv3dKernels.WeightGradCpu, splits, (padded ?? xp)!.View, dy.View, (partials ?? dw).View, s, splits, rowsPerChunk);
            if (partials != null) Reductions.SumSplits(device, partials.View, dw.View, wLen, splits);
        }
    }

    /// <summary>Two groups of the tiled convolution kernels per multiprocessor (128 registers a thread), as for the GEMM.</summary>
    private static readonly KernelSpecialization TiledTwoGroupsPerSm = new(Conv3dKernels.TiledGroupSize, Conv3dKernels.TiledGroupsPerMultiprocessor);

    /// <summary>The tiled forward's launch (CUDA cores and tensor cores alike): one group per 64 x 256 output tile, per group.</summary>
    private static KernelConfig TiledForwardConfig(Conv3dShape s)
    {
        int tiles = Conv3dCeilDiv(s.CoutPerGroup, Conv3dKernels.TiledM) * Conv3dCeilDiv(s.N * s.OutSpatial, Conv3dKernels.TiledN);
        return new KernelConfig(new Index3D(tiles, s.Groups, 1), new Index3D(Conv3dKernels.TiledGroupSize, 1, 1));
    }

    /// <summary>
    /// The tiled kernels of the CUDA families (padding handled by the tile loads), one launch each: the forward (also the
    /// input gradient, as the forward of the dilated dY) and the weight gradient, split over the voxels into partial sums
    /// whose last split per tile adds them into dw. The families differ only in the kernels they launch.
    /// </summary>
    private abstract class TiledConv3d : IConv3dKernels
    {
        protected abstract Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv3dShape, int> ForwardKernel(Device device);

        protected abstract Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, Conv3dShape, int> WeightGradKernel(Device device);

        public Tensor? Forward(Tensor x, Tensor weight, Tensor? bias, Tensor y, Conv3dShape s)
        {
            Launch(x.Device, x.View, weight.View, y.View, s, bias);
            return null;
        }

        public void ForwardUnpadded(Device device, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> y, Conv3dShape s) =>
            Launch(device, x, weight, y, s, null);

        private void Launch(Device device, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> y, Conv3dShape s, Tensor? bias) =>
            device.Launch(ForwardKernel(device), TiledTwoGroupsPerSm, TiledForwardConfig(s), x, weight, bias?.View ?? weight, y, s, bias != null ? 1 : 0);

        /// <summary>1x1x1 convolutions take the same kernel.</summary>
        public void WeightGrad(Tensor x, Tensor? xp, Tensor dy, Tensor dw, Conv3dShape s, bool pointwise)
        {
            var device = dy.Device;
            var (config, splits, wLen) = WeightGradLaunch(device, s);
            using var partials = splits > 1 ? Tensor.Empty(device, (long)splits * wLen) : null;
            device.Launch(WeightGradKernel(device), TiledTwoGroupsPerSm, config, x.View, dy.View, (partials ?? dw).View, dw.View,
                device.Arrivals, s, splits);
        }
    }

    /// <summary>CUDA cores: 8 x 8 FP32 outer products per thread.</summary>
    private sealed class CudaSimtConv3d : TiledConv3d
    {
        protected override Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv3dShape, int> ForwardKernel(Device device) =>
            Conv3dKernels.ForwardCuda;

        protected override Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, Conv3dShape, int> WeightGradKernel(Device device) =>
            Conv3dKernels.WeightGradCuda;
    }

    /// <summary>Tensor cores: the CUDA-core kernels' tiles and gather, each warp's 64 x 32 part in TF32 or 3xTF32 by the device's precision.</summary>
    private sealed class CudaTensorCoreConv3d : TiledConv3d
    {
        protected override Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv3dShape, int> ForwardKernel(Device device) =>
            device.EffectivePrecision == Precision.Tf32x3 ? Conv3dKernels.ForwardTensorCore<Tf32x3Mma> : Conv3dKernels.ForwardTensorCore<Tf32Mma>;

        protected override Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, Conv3dShape, int> WeightGradKernel(Device device) =>
            device.EffectivePrecision == Precision.Tf32x3 ? Conv3dKernels.WeightGradTensorCore<Tf32x3Mma> : Conv3dKernels.WeightGradTensorCore<Tf32Mma>;
    }

    /// <summary>
    /// The tiled weight gradient's launch: split over the voxels into partial sums (about four groups per multiprocessor,
    /// each split at least 64 voxels long; a counter per tile is needed to split). wLen: the elements of W.
    /// </summary>
    private static (KernelConfig Config, int Splits, int WLen) WeightGradLaunch(Device device, Conv3dShape s)
    {
        int coutPg = s.CoutPerGroup, kdim = s.CinPerGroup * s.KernelVolume;
        int tiles = Conv3dCeilDiv(coutPg, Conv3dKernels.TiledM) * Conv3dCeilDiv(kdim, Conv3dKernels.TiledN);
        int voxels = s.N * s.OutSpatial;
        int splits = Math.Clamp(device.Accelerator.NumMultiprocessors * 4 / (tiles * s.Groups), 1, Math.Max(1, voxels / 64));
        if ((long)tiles * s.Groups > Device.TileArrivalCounters) splits = 1;
        return (new KernelConfig(new Index3D(tiles, splits, s.Groups), new Index3D(Conv3dKernels.TiledGroupSize, 1, 1)), splits, s.Cout * kdim);
    }

    /// <summary>CPU: x zero-padded by (PD, PH, PW) on both sides of each axis, plus the slack the blocked forward reads past the end.</summary>
    private static Tensor PadForConv3d(Tensor x, Conv3dShape s)
    {
        var device = x.Device;
        int pd = s.D + 2 * s.PD, ph = s.H + 2 * s.PH, pw = s.W + 2 * s.PW;
        var xp = Tensor.Empty(device, (long)s.N * s.Cin * pd * ph * pw + Conv3dKernels.CpuInputSlack(s),
            $"Conv3d's zero-padded input copy ({s.N} x {s.Cin} x {pd} x {ph} x {pw} + {Conv3dKernels.CpuInputSlack(s)})");
        var geometry = new Conv3dSpread
        {
            Planes = s.N * s.Cin, SD = s.D, SH = s.H, SW = s.W, DD = pd, DH = ph, DW = pw,
            StrideD = 1, StrideH = 1, StrideW = 1, LowD = s.PD, LowH = s.PH, LowW = s.PW,
        };
        device.Run(Conv3dKernels.Spread, (long)geometry.Planes * pd * ph, x.View, xp.View, geometry);
        return xp;
    }

    /// <summary>dL/dx: a GEMM for 1x1x1, else the stride-1 convolution of the dilated, padded dY with the transposed, flipped filter.</summary>
    private static Tensor Conv3dInputGrad(IConv3dKernels kernels, Tensor dy, Tensor weight, Conv3dShape s, bool pointwise)
    {
        var device = dy.Device;
        var dx = Tensor.Empty(device, s.N, s.Cin, s.D, s.H, s.W);
        int cinPg = s.CinPerGroup, coutPg = s.CoutPerGroup;
        if (pointwise)
        {
            int sp = s.OutSpatial;
            for (int g = 0; g < s.Groups; g++)
                Blas.Gemm(device, weight.View.SubView((long)g * coutPg * cinPg), true, dy.View.SubView((long)g * coutPg * sp), false,
                    dx.View.SubView((long)g * cinPg * sp), cinPg, sp, coutPg, cinPg, sp, sp, 1f, 0f,
                    s.N, 0, (long)s.Cout * sp, (long)s.Cin * sp);
            return dx;
        }
        // dx[i] = sum over (o, k) with i = o*stride - pad + k of dy[o] w[k]: place dy[o] at o*stride + K-1-pad in a
        // zero volume of size D + K - 1 per axis, then correlate with the reversed filter (stride 1, no padding).
        var t = Conv3dShape.Create(s.N, s.Cout, s.D + s.KD - 1, s.H + s.KH - 1, s.W + s.KW - 1, s.Cin, s.KD, s.KH, s.KW, groups: s.Groups);
        CheckTiledColumns("Conv3d (input gradient)", t);
        var geometry = new Conv3dSpread
        {
            Planes = s.N * s.Cout, SD = s.OD, SH = s.OH, SW = s.OW, DD = t.D, DH = t.H, DW = t.W,
            StrideD = s.SD, StrideH = s.SH, StrideW = s.SW, LowD = s.KD - 1 - s.PD, LowH = s.KH - 1 - s.PH, LowW = s.KW - 1 - s.PW,
        };
        using var spread = Tensor.Empty(device, (long)t.N * t.Cin * t.D * t.H * t.W + Conv3dKernels.CpuInputSlack(t),
            $"Conv3d's dilated output gradient for the input gradient ({t.N} x {t.Cin} x {t.D} x {t.H} x {t.W} + {Conv3dKernels.CpuInputSlack(t)})");
        device.Run(Conv3dKernels.Spread, (long)geometry.Planes * t.D * t.H, dy.View, spread.View, geometry);
        using var wt = Tensor.Empty(device, weight.Elements);
        device.Run(Conv3dKernels.PackTransposed, wt.Length, weight.View, wt.View, t, wt.Elements);
        kernels.ForwardUnpadded(device, spread.View, wt.View, dx.View, t);
        return dx;
    }

    private static int Conv3dCeilDiv(int a, int b) => (int)(((long)a + b - 1) / b);
}
