using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ILGPU;

namespace ILGpuNet.Kernels;

// CPU-accelerator variant on the vector units (AVX-512, AVX2 + FMA): channels across the vector lanes. A unit of work is
// 16 channels of one sample; its thread copies the planes it reads into its own scratch channel-fastest (one vector per
// voxel), zero-padded along W, so that every tap of every output is one FMA on vectors, with no checks. The
// vector code sits in methods with a scalar twin (ScalarTwin.cs): ILGPU's frontend compiles the twin, the CPU runs the
// vector code. One generic body serves both widths (ILanes: 16 lanes of AVX-512, or 8 of AVX2 run twice per unit).
public static partial class DepthwiseConv3dKernels
{
    /// <summary>Channels of one unit of the vector kernels: one AVX-512 vector (two AVX2 vectors, one pass each).</summary>
    public const int VectorChannels = 16;

    /// <summary>Whether this machine runs the vector kernels (AVX-512, or AVX2 with FMA); else the scalar row kernels.</summary>
    public static bool CpuVector => VectorLanes > 0;

    /// <summary>Floats per vector of the vector kernels on this machine: 16 (AVX-512), 8 (AVX2 with FMA) or 0 (neither).</summary>
    public static int VectorLanes { get; } = Vector512.IsHardwareAccelerated ? 16 : Avx2.IsSupported && Fma.IsSupported ? 8 : 0;

    /// <summary>What the CPU kernels run on here: "AVX-512", "AVX2" or "scalar rows" (shown by <c>ilgpunet gradcheck</c>).</summary>
    public static string VectorIsa => VectorLanes switch { 16 => "AVX-512", 8 => "AVX2", _ => "scalar rows" };

    /// <summary>Outputs (along W) of the register blocks: blocks of 8, the last one of 4 when at most 4 are left.</summary>
    private static int RoundToBlocks(int count)
    {
        int rest = count & 7;
        return (count & ~7) + (rest == 0 ? 0 : rest <= 4 ? 4 : 8);
    }

    /// <summary>Columns of a W-padded input row of the forward: every tap of the block-rounded outputs, and the whole row.</summary>
    private static int ForwardRowWidth(Conv3dShape s) => Math.Max((RoundToBlocks(s.OW) - 1) * s.SW + s.KW, s.PW + s.W);

    /// <summary>Filter taps along W rounded up to the weight gradient's chunks (5 wide while 4 or more are left, then 3).</summary>
    private static int WeightGradTapsWidth(int kw)
    {
        int k0 = 0;
        while (kw - k0 >= 4) k0 += 5;
        return kw - k0 > 0 ? k0 + 3 : k0;
    }

    /// <summary>Columns of a W-padded input row of the weight gradient: every tap of every output, and the whole row.</summary>
    private static int WeightGradRowWidth(Conv3dShape s) => Math.Max((s.OW - 1) * s.SW + WeightGradTapsWidth(s.KW), s.PW + s.W);

    /// <summary>Zero columns before dy column 0 in the input gradient's padded dy rows (as the scalar kernel's PadRowsCpu).</summary>
    private static int InputGradLeft(Conv3dShape s) => Math.Max(0, (s.KW - 1 - s.PW + s.SW - 1) / s.SW);

    /// <summary>Columns of a padded dy row of the input gradient: left zeros, dy, zeros for the last phase's block-rounded reads.</summary>
    private static int InputGradRowWidth(Conv3dShape s) => InputGradLeft(s) + Math.Max(s.OW, (s.W - 1 + s.PW) / s.SW + 1) + 8;

    /// <summary>dy planes the input gradient keeps: the most taps of one stride phase along D.</summary>
    private static int InputGradRing(Conv3dShape s) => (s.KD + s.SD - 1) / s.SD;

    /// <summary>Floats of one thread's scratch in <see cref="ForwardVectorCpu"/>: a ring of KD padded input planes, the packed taps and bias, one output row.</summary>
    public static long ForwardVectorScratch(Conv3dShape s) =>
        ((long)s.KD * s.H * ForwardRowWidth(s) + s.KD * s.KH * s.KW + 1 + RoundToBlocks(s.OW)) * VectorChannels;

    /// <summary>Floats of one thread's scratch in <see cref="BackwardInputVectorCpu"/>: a ring of padded dy planes, the packed taps, one dx row.</summary>
    public static long InputGradVectorScratch(Conv3dShape s) =>
        ((long)InputGradRing(s) * s.OH * InputGradRowWidth(s) + s.KD * s.KH * s.KW + s.W + 9 * s.SW) * VectorChannels;

    /// <summary>Floats of one thread's scratch in <see cref="BackwardWeightVectorCpu"/>: a ring of KD padded input planes, one dy row, the tap sums.</summary>
    public static long WeightGradVectorScratch(Conv3dShape s) =>
        ((long)s.KD * s.H * WeightGradRowWidth(s) + s.OW + s.KD * s.KH * s.KW + 5) * VectorChannels;

    /// <summary>
    /// y = depthwise conv(x) (+ bias) on the vector units. Items: units (n, block of 16 channels, share of the output
    /// depth planes: <paramref name="dsplits"/> per block), split fastest. scratch: <see cref="ForwardVectorScratch"/> floats per thread.
    /// </summary>
    [Kernel]
    public static unsafe void ForwardVectorCpu(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> y,
        ArrayView<float> scratch, Conv3dShape s, int hasBias, int dsplits, int chunk)
    {
        int blocks = (s.Cout + VectorChannels - 1) / VectorChannels;
        int units = s.N * blocks * dsplits;
        long per = ForwardVectorScratch(s);
        fixed (float* xb = &x[0])
        fixed (float* wb = &weight[0])
        fixed (float* bb = &bias[0])
        fixed (float* yb = &y[0])
        fixed (float* sb = &scratch[0])
        {
            float* mine = sb + Work.ThreadIndex * per;
            for (var work = Work.Ranges(units, chunk); work.Next();)
                for (int u = work.Start; u < work.End; u++)
                {
                    int split = u % dsplits, t = u / dsplits;
                    int cb = t % blocks, n = t / blocks;
                    int od0 = (int)((long)s.OD * split / dsplits), od1 = (int)((long)s.OD * (split + 1) / dsplits);
                    if (od0 < od1) ForwardUnit(xb, wb, bb, yb, mine, s, hasBias, n, cb * VectorChannels, od0, od1);
                }
        }
    }

    /// <summary>
    /// dx = the transposed convolution of dy on the vector units (added to dx with <paramref name="accumulate"/>). Items:
    /// units (n, block of 16 channels, share of the input depth planes), split fastest. scratch: <see cref="InputGradVectorScratch"/> floats per thread.
    /// </summary>
    [Kernel]
    public static unsafe void BackwardInputVectorCpu(ArrayView<float> dy, ArrayView<float> weight, ArrayView<float> dx,
        ArrayView<float> scratch, Conv3dShape s, int accumulate, int dsplits, int chunk)
    {
        int blocks = (s.Cin + VectorChannels - 1) / VectorChannels;
        int units = s.N * blocks * dsplits;
        long per = InputGradVectorScratch(s);
        fixed (float* gb = &dy[0])
        fixed (float* wb = &weight[0])
        fixed (float* xb = &dx[0])
        fixed (float* sb = &scratch[0])
        {
            float* mine = sb + Work.ThreadIndex * per;
            for (var work = Work.Ranges(units, chunk); work.Next();)
                for (int u = work.Start; u < work.End; u++)
                {
                    int split = u % dsplits, t = u / dsplits;
                    int cb = t % blocks, n = t / blocks;
                    int id0 = (int)((long)s.D * split / dsplits), id1 = (int)((long)s.D * (split + 1) / dsplits);
                    if (id0 < id1) InputGradUnit(gb, wb, xb, mine, s, accumulate, n, cb * VectorChannels, id0, id1);
                }
        }
    }

    /// <summary>
    /// dw = the sum over samples and output voxels of dy x the input under each tap, on the vector units. Items: units
    /// (block of 16 channels, share of the (n, od) output planes: <paramref name="splits"/> per block), split fastest.
    /// With one split a unit writes its channels' gradient; with more, each writes its partial sums after the
    /// threads' scratch (<see cref="WeightGradVectorScratch"/> floats per thread, then splits x C x taps) and the
    /// launch's last thread to finish (Work.ArrivesLast) adds them in split order into dw.
    /// </summary>
    [Kernel]
    public static unsafe void BackwardWeightVectorCpu(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw,
        ArrayView<float> scratch, ArrayView<int> arrivals, Conv3dShape s, int splits, int chunk)
    {
        int blocks = (s.Cout + VectorChannels - 1) / VectorChannels;
        int units = blocks * splits, rows = s.N * s.OD;
        int weights = s.Cout * s.KD * s.KH * s.KW;
        long per = WeightGradVectorScratch(s);
        fixed (float* xb = &x[0])
        fixed (float* gb = &dy[0])
        fixed (float* wb = &dw[0])
        fixed (float* sb = &scratch[0])
        {
            float* mine = sb + Work.ThreadIndex * per;
            float* partials = sb + Work.ThreadCount * per;
            for (var work = Work.Ranges(units, chunk); work.Next();)
                for (int u = work.Start; u < work.End; u++)
                {
                    int split = u % splits, cb = u / splits;
                    int r0 = (int)((long)rows * split / splits), r1 = (int)((long)rows * (split + 1) / splits);
                    WeightGradUnit(xb, gb, splits == 1 ? wb : partials + (long)split * weights, mine, s, cb * VectorChannels, r0, r1);
                }
            if (splits > 1 && Work.ArrivesLast(arrivals, Work.ThreadCount))
                for (int i = 0; i < weights; i++)
                {
                    float sum = 0f;
                    for (int p = 0; p < splits; p++) sum += partials[(long)p * weights + i];
                    wb[i] = sum;
                }
        }
    }

    // ---- Units: the vector code and its scalar twins ----

    /// <summary>
    /// One unit of <see cref="ForwardVectorCpu"/>: y of sample <paramref name="n"/>, channels [c0, c0 + 16) (fewer at
    /// the end), output depth planes [od0, od1).
    /// </summary>
    [ScalarTwin(nameof(ForwardUnitScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ForwardUnit(float* x, float* w, float* bias, float* y, float* scratch, Conv3dShape s, int hasBias,
        int n, int c0, int od0, int od1) =>
        ForwardUnitOn(VectorLanes, x, w, bias, y, scratch, s, hasBias, n, c0, od0, od1);

    /// <summary><see cref="ForwardUnit"/> on vectors of <paramref name="lanes"/> floats (16, 8 or 0: the scalar twin), for tests.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ForwardUnitOn(int lanes, float* x, float* w, float* bias, float* y, float* scratch, Conv3dShape s, int hasBias,
        int n, int c0, int od0, int od1)
    {
        int cn = Math.Min(VectorChannels, s.Cout - c0);
        if (lanes == 16 && Vector512.IsHardwareAccelerated)
            ForwardPass<Lanes16, Vector512<float>>(x, w, bias, y, scratch, s, hasBias, n, c0, cn, od0, od1);
        else if (lanes == 8 && Avx2.IsSupported && Fma.IsSupported)
            for (int h = 0; h < cn; h += 8)
                ForwardPass<Lanes8, Vector256<float>>(x, w, bias, y, scratch, s, hasBias, n, c0 + h, Math.Min(8, cn - h), od0, od1);
        else ForwardUnitScalar(x, w, bias, y, scratch, s, hasBias, n, c0, od0, od1);
    }

    /// <summary>The scalar twin of <see cref="ForwardUnit"/> (what ILGPU compiles): each output as a sum over its in-bounds taps.</summary>
    public static unsafe void ForwardUnitScalar(float* x, float* w, float* bias, float* y, float* scratch, Conv3dShape s, int hasBias,
        int n, int c0, int od0, int od1)
    {
        int c1 = Math.Min(c0 + VectorChannels, s.Cout), taps = s.KD * s.KH * s.KW;
        for (int c = c0; c < c1; c++)
        {
            float* xc = x + (long)(n * s.Cin + c) * s.D * s.H * s.W;
            float* wc = w + (long)c * taps;
            float* yc = y + (long)(n * s.Cout + c) * s.OD * s.OH * s.OW;
            for (int od = od0; od < od1; od++)
                for (int oh = 0; oh < s.OH; oh++)
                    for (int ow = 0; ow < s.OW; ow++)
                    {
                        float sum = hasBias != 0 ? bias[c] : 0f;
                        for (int kd = 0; kd < s.KD; kd++)
                        {
                            int id = od * s.SD - s.PD + kd;
                            if (id < 0 || id >= s.D) continue;
                            for (int kh = 0; kh < s.KH; kh++)
                            {
                                int ih = oh * s.SH - s.PH + kh;
                                if (ih < 0 || ih >= s.H) continue;
                                for (int kw = 0; kw < s.KW; kw++)
                                {
                                    int iw = ow * s.SW - s.PW + kw;
                                    if (iw >= 0 && iw < s.W) sum += wc[(kd * s.KH + kh) * s.KW + kw] * xc[((long)id * s.H + ih) * s.W + iw];
                                }
                            }
                        }
                        yc[((long)od * s.OH + oh) * s.OW + ow] = sum;
                    }
        }
    }

    /// <summary>
    /// One unit of <see cref="BackwardInputVectorCpu"/>: dx of sample <paramref name="n"/>, channels [c0, c0 + 16) (fewer
    /// at the end), input depth planes [id0, id1).
    /// </summary>
    [ScalarTwin(nameof(InputGradUnitScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void InputGradUnit(float* dy, float* w, float* dx, float* scratch, Conv3dShape s, int accumulate,
        int n, int c0, int id0, int id1) =>
        InputGradUnitOn(VectorLanes, dy, w, dx, scratch, s, accumulate, n, c0, id0, id1);

    /// <summary><see cref="InputGradUnit"/> on vectors of <paramref name="lanes"/> floats (16, 8 or 0: the scalar twin), for tests.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void InputGradUnitOn(int lanes, float* dy, float* w, float* dx, float* scratch, Conv3dShape s, int accumulate,
        int n, int c0, int id0, int id1)
    {
        int cn = Math.Min(VectorChannels, s.Cin - c0);
        if (lanes == 16 && Vector512.IsHardwareAccelerated)
            InputGradPass<Lanes16, Vector512<float>>(dy, w, dx, scratch, s, accumulate, n, c0, cn, id0, id1);
        else if (lanes == 8 && Avx2.IsSupported && Fma.IsSupported)
            for (int h = 0; h < cn; h += 8)
                InputGradPass<Lanes8, Vector256<float>>(dy, w, dx, scratch, s, accumulate, n, c0 + h, Math.Min(8, cn - h), id0, id1);
        else InputGradUnitScalar(dy, w, dx, scratch, s, accumulate, n, c0, id0, id1);
    }

    /// <summary>The scalar twin of <see cref="InputGradUnit"/>: each input voxel as the sum over the outputs whose windows cover it.</summary>
    public static unsafe void InputGradUnitScalar(float* dy, float* w, float* dx, float* scratch, Conv3dShape s, int accumulate,
        int n, int c0, int id0, int id1)
    {
        int c1 = Math.Min(c0 + VectorChannels, s.Cin), taps = s.KD * s.KH * s.KW;
        for (int c = c0; c < c1; c++)
        {
            float* gc = dy + (long)(n * s.Cout + c) * s.OD * s.OH * s.OW;
            float* wc = w + (long)c * taps;
            float* xc = dx + (long)(n * s.Cin + c) * s.D * s.H * s.W;
            for (int id = id0; id < id1; id++)
                for (int ih = 0; ih < s.H; ih++)
                    for (int iw = 0; iw < s.W; iw++)
                    {
                        float sum = 0f;
                        for (int kd = 0; kd < s.KD; kd++)
                        {
                            int td = id + s.PD - kd;
                            if (td < 0 || td % s.SD != 0 || td / s.SD >= s.OD) continue;
                            for (int kh = 0; kh < s.KH; kh++)
                            {
                                int th = ih + s.PH - kh;
                                if (th < 0 || th % s.SH != 0 || th / s.SH >= s.OH) continue;
                                for (int kw = 0; kw < s.KW; kw++)
                                {
                                    int tw = iw + s.PW - kw;
                                    if (tw < 0 || tw % s.SW != 0 || tw / s.SW >= s.OW) continue;
                                    sum += wc[(kd * s.KH + kh) * s.KW + kw] * gc[((long)(td / s.SD) * s.OH + th / s.SH) * s.OW + tw / s.SW];
                                }
                            }
                        }
                        float* target = xc + ((long)id * s.H + ih) * s.W + iw;
                        *target = accumulate != 0 ? *target + sum : sum;
                    }
        }
    }

    /// <summary>
    /// One unit of <see cref="BackwardWeightVectorCpu"/>: into <paramref name="dw"/> (C x taps, the weight's layout), for
    /// channels [c0, c0 + 16) (fewer at the end), the sums over the output planes r = n * OD + od in [r0, r1).
    /// </summary>
    [ScalarTwin(nameof(WeightGradUnitScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void WeightGradUnit(float* x, float* dy, float* dw, float* scratch, Conv3dShape s, int c0, int r0, int r1) =>
        WeightGradUnitOn(VectorLanes, x, dy, dw, scratch, s, c0, r0, r1);

    /// <summary><see cref="WeightGradUnit"/> on vectors of <paramref name="lanes"/> floats (16, 8 or 0: the scalar twin), for tests.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void WeightGradUnitOn(int lanes, float* x, float* dy, float* dw, float* scratch, Conv3dShape s, int c0, int r0, int r1)
    {
        int cn = Math.Min(VectorChannels, s.Cout - c0);
        if (lanes == 16 && Vector512.IsHardwareAccelerated)
            WeightGradPass<Lanes16, Vector512<float>>(x, dy, dw, scratch, s, c0, cn, r0, r1);
        else if (lanes == 8 && Avx2.IsSupported && Fma.IsSupported)
            for (int h = 0; h < cn; h += 8)
                WeightGradPass<Lanes8, Vector256<float>>(x, dy, dw, scratch, s, c0 + h, Math.Min(8, cn - h), r0, r1);
        else WeightGradUnitScalar(x, dy, dw, scratch, s, c0, r0, r1);
    }

    /// <summary>The scalar twin of <see cref="WeightGradUnit"/>: each tap's sum over the planes' outputs, voxel by voxel.</summary>
    public static unsafe void WeightGradUnitScalar(float* x, float* dy, float* dw, float* scratch, Conv3dShape s, int c0, int r0, int r1)
    {
        int c1 = Math.Min(c0 + VectorChannels, s.Cout), taps = s.KD * s.KH * s.KW;
        for (int c = c0; c < c1; c++)
            for (int kd = 0; kd < s.KD; kd++)
                for (int kh = 0; kh < s.KH; kh++)
                    for (int kw = 0; kw < s.KW; kw++)
                    {
                        float sum = 0f;
                        for (int r = r0; r < r1; r++)
                        {
                            int n = r / s.OD, od = r - n * s.OD;
                            int id = od * s.SD - s.PD + kd;
                            if (id < 0 || id >= s.D) continue;
                            float* xp = x + ((long)(n * s.Cin + c) * s.D + id) * s.H * s.W;
                            float* gp = dy + ((long)(n * s.Cout + c) * s.OD + od) * s.OH * s.OW;
                            for (int oh = 0; oh < s.OH; oh++)
                            {
                                int ih = oh * s.SH - s.PH + kh;
                                if (ih < 0 || ih >= s.H) continue;
                                for (int ow = 0; ow < s.OW; ow++)
                                {
                                    int iw = ow * s.SW - s.PW + kw;
                                    if (iw >= 0 && iw < s.W) sum += gp[oh * s.OW + ow] * xp[(long)ih * s.W + iw];
                                }
                            }
                        }
                        dw[(long)c * taps + (kd * s.KH + kh) * s.KW + kw] = sum;
                    }
    }

    // ---- The vector passes (generic over the lane width) ----

    /// <summary>The vector operations the passes use, for one width of vector (<typeparamref name="TV"/>).</summary>
    private unsafe interface ILanes<TV> where TV : struct
    {
        static abstract int Count { get; }

        static abstract TV Zero { get; }

        static abstract TV Load(float* p);

        static abstract void Store(TV v, float* p);

        static abstract TV Add(TV a, TV b);

        /// <summary>a x b + c, one rounding.</summary>
        static abstract TV Fma(TV a, TV b, TV c);

        /// <summary>
        /// An L x L transpose: vector k of the result (dst + k x dstStride) holds element k of the vectors at src + j x
        /// srcStride, j &lt; L; added to what dst holds when <paramref name="add"/>.
        /// </summary>
        static abstract void Transpose(float* src, long srcStride, float* dst, long dstStride, bool add);
    }

    /// <summary>AVX-512: 16 lanes.</summary>
    private readonly struct Lanes16 : ILanes<Vector512<float>>
    {
        public static int Count => 16;

        public static Vector512<float> Zero => Vector512<float>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector512<float> Load(float* p) => Vector512.Load(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(Vector512<float> v, float* p) => v.Store(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);

        /// <summary>16 x 16 in three rounds: 32-bit and 64-bit interleaves within 128-bit lanes, then two of 128-bit lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static unsafe void Transpose(float* src, long srcStride, float* dst, long dstStride, bool add)
        {
            // Rows in groups of four: group g's 64-bit interleaves u hold, in 128-bit lane l, rows 4g..4g+3 at column 4l + k.
            Quad(src, srcStride, out var a0, out var a1, out var a2, out var a3);
            Quad(src + 4 * srcStride, srcStride, out var b0, out var b1, out var b2, out var b3);
            Quad(src + 8 * srcStride, srcStride, out var c0, out var c1, out var c2, out var c3);
            Quad(src + 12 * srcStride, srcStride, out var d0, out var d1, out var d2, out var d3);
            Gather(a0, b0, c0, d0, dst, dstStride, add);
            Gather(a1, b1, c1, d1, dst + dstStride, dstStride, add);
            Gather(a2, b2, c2, d2, dst + 2 * dstStride, dstStride, add);
            Gather(a3, b3, c3, d3, dst + 3 * dstStride, dstStride, add);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Quad(float* src, long stride, out Vector512<float> u0, out Vector512<float> u1, out Vector512<float> u2,
            out Vector512<float> u3)
        {
            var r0 = Vector512.Load(src);
            var r1 = Vector512.Load(src + stride);
            var r2 = Vector512.Load(src + 2 * stride);
            var r3 = Vector512.Load(src + 3 * stride);
            var t0 = Avx512F.UnpackLow(r0, r1).AsDouble();
            var t1 = Avx512F.UnpackHigh(r0, r1).AsDouble();
            var t2 = Avx512F.UnpackLow(r2, r3).AsDouble();
            var t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
            u0 = Avx512F.UnpackLow(t0, t2).AsSingle();
            u1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
            u2 = Avx512F.UnpackLow(t1, t3).AsSingle();
            u3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
        }

        /// <summary>Columns k, 4 + k, 8 + k, 12 + k (at dst, + 4, + 8, + 12 strides) from the four groups' interleaves of column k.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Gather(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, float* dst, long stride, bool add)
        {
            var s0 = Avx512F.Shuffle4x128(a, b, 0x44);
            var s1 = Avx512F.Shuffle4x128(a, b, 0xEE);
            var s2 = Avx512F.Shuffle4x128(c, d, 0x44);
            var s3 = Avx512F.Shuffle4x128(c, d, 0xEE);
            Put(Avx512F.Shuffle4x128(s0, s2, 0x88), dst, add);
            Put(Avx512F.Shuffle4x128(s0, s2, 0xDD), dst + 4 * stride, add);
            Put(Avx512F.Shuffle4x128(s1, s3, 0x88), dst + 8 * stride, add);
            Put(Avx512F.Shuffle4x128(s1, s3, 0xDD), dst + 12 * stride, add);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Put(Vector512<float> v, float* dst, bool add) => (add ? v + Vector512.Load(dst) : v).Store(dst);
    }

    /// <summary>AVX2 with FMA: 8 lanes.</summary>
    private readonly struct Lanes8 : ILanes<Vector256<float>>
    {
        public static int Count => 8;

        public static Vector256<float> Zero => Vector256<float>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<float> Load(float* p) => Vector256.Load(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(Vector256<float> v, float* p) => v.Store(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c);

        /// <summary>8 x 8: 32-bit interleaves and 64-bit shuffles within 128-bit lanes, then the lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static unsafe void Transpose(float* src, long srcStride, float* dst, long dstStride, bool add)
        {
            Quad(src, srcStride, out var a0, out var a1, out var a2, out var a3);
            Quad(src + 4 * srcStride, srcStride, out var b0, out var b1, out var b2, out var b3);
            Put(Avx.Permute2x128(a0, b0, 0x20), dst, add);
            Put(Avx.Permute2x128(a1, b1, 0x20), dst + dstStride, add);
            Put(Avx.Permute2x128(a2, b2, 0x20), dst + 2 * dstStride, add);
            Put(Avx.Permute2x128(a3, b3, 0x20), dst + 3 * dstStride, add);
            Put(Avx.Permute2x128(a0, b0, 0x31), dst + 4 * dstStride, add);
            Put(Avx.Permute2x128(a1, b1, 0x31), dst + 5 * dstStride, add);
            Put(Avx.Permute2x128(a2, b2, 0x31), dst + 6 * dstStride, add);
            Put(Avx.Permute2x128(a3, b3, 0x31), dst + 7 * dstStride, add);
        }

        /// <summary>Four rows: u_k holds, in 128-bit lane l, the rows' elements 4l + k.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Quad(float* src, long stride, out Vector256<float> u0, out Vector256<float> u1, out Vector256<float> u2,
            out Vector256<float> u3)
        {
            var r0 = Vector256.Load(src);
            var r1 = Vector256.Load(src + stride);
            var r2 = Vector256.Load(src + 2 * stride);
            var r3 = Vector256.Load(src + 3 * stride);
            var t0 = Avx.UnpackLow(r0, r1);
            var t1 = Avx.UnpackHigh(r0, r1);
            var t2 = Avx.UnpackLow(r2, r3);
            var t3 = Avx.UnpackHigh(r2, r3);
            u0 = Avx.Shuffle(t0, t2, 0x44);
            u1 = Avx.Shuffle(t0, t2, 0xEE);
            u2 = Avx.Shuffle(t1, t3, 0x44);
            u3 = Avx.Shuffle(t1, t3, 0xEE);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Put(Vector256<float> v, float* dst, bool add) => (add ? v + Vector256.Load(dst) : v).Store(dst);
    }

    /// <summary>Zeroes <paramref name="count"/> vectors at <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Clear<TL, TV>(float* p, long count) where TL : struct, ILanes<TV> where TV : struct
    {
        for (long i = 0; i < count; i++) TL.Store(TL.Zero, p + i * TL.Count);
    }

    /// <summary>
    /// wt[tap * L + c] = w[(c0 + c) * taps + tap] for c &lt; cn: the taps of the unit's channels side by side (the
    /// lanes past cn stay as they are: zero in a cleared scratch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackTaps(float* w, float* wt, int lanes, int taps, int c0, int cn)
    {
        for (int c = 0; c < lanes; c++)
        {
            float* wc = w + (long)(c0 + c) * taps;
            for (int t = 0; t < taps; t++) wt[t * lanes + c] = c < cn ? wc[t] : 0f;
        }
    }

    /// <summary>
    /// Copies the plane of <paramref name="cn"/> channels at <paramref name="src"/> (channel pitch <paramref name="pitch"/>,
    /// rows x width floats each) channel-fastest into dst: voxel (r, i) at dst[(r * rowWidth + left + i) * L + c]. Lanes
    /// past cn and the columns outside stay as they are (zero). A full block of channels goes L x L at a time through
    /// the vector transpose, the last one of a row overlapping the one before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Interleave<TL, TV>(float* src, long pitch, int cn, int rows, int width, float* dst, int rowWidth, int left)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count;
        if (cn < L || width < L || width > rowWidth - left)
        {
            int copied = Math.Min(width, rowWidth - left);
            for (int r = 0; r < rows; r++)
            {
                float* d = dst + ((long)r * rowWidth + left) * L;
                for (int c = 0; c < cn; c++)
                {
                    float* sr = src + c * pitch + (long)r * width;
                    for (int i = 0; i < copied; i++) d[i * L + c] = sr[i];
                }
            }
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            float* sr = src + (long)r * width;
            float* d = dst + ((long)r * rowWidth + left) * L;
            for (int i = 0; ; i += L)
            {
                if (i > width - L) i = width - L;
                TL.Transpose(sr + i, pitch, d + (long)i * L, L, false);
                if (i == width - L) break;
            }
        }
    }

    /// <summary>
    /// The way back: dst[c * pitch + i] = tile[i * L + c] (added to dst with <paramref name="add"/>) for c &lt; cn, i &lt;
    /// width; a full block of channels L x L at a time (written, not added, the last block may overlap).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Deinterleave<TL, TV>(float* tile, float* dst, long pitch, int cn, int width, bool add)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count, i = 0;
        if (cn == L)
        {
            for (; i + L <= width; i += L) TL.Transpose(tile + (long)i * L, L, dst + i, pitch, add);
            if (!add && i < width && width >= L)
            {
                TL.Transpose(tile + (long)(width - L) * L, L, dst + width - L, pitch, false);
                i = width;
            }
        }
        for (int c = 0; c < cn; c++)
        {
            float* d = dst + c * pitch;
            if (add)
                for (int j = i; j < width; j++) d[j] += tile[j * L + c];
            else
                for (int j = i; j < width; j++) d[j] = tile[j * L + c];
        }
    }

    /// <summary>
    /// The forward of one unit and width: output row by output row, blocks of 8 (or 4) outputs along W in registers,
    /// each tap one weight vector times the input vector under each output. Input planes enter a ring of KD slots
    /// (plane id in slot id mod KD) as the output planes advance, each plane once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardPass<TL, TV>(float* x, float* w, float* bias, float* y, float* scratch, Conv3dShape s, int hasBias,
        int n, int c0, int cn, int od0, int od1) where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count, taps = s.KD * s.KH * s.KW;
        int wp = ForwardRowWidth(s), owr = RoundToBlocks(s.OW);
        long plane = (long)s.H * wp * L;
        float* ring = scratch;
        float* wt = ring + s.KD * plane;
        float* bt = wt + taps * L;
        float* tile = bt + L;
        Clear<TL, TV>(ring, s.KD * plane / L);
        PackTaps(w, wt, L, taps, c0, cn);
        for (int c = 0; c < L; c++) bt[c] = hasBias != 0 && c < cn ? bias[c0 + c] : 0f;
        var b = TL.Load(bt);
        long pitch = (long)s.D * s.H * s.W;
        float* xc = x + (long)(n * s.Cin + c0) * pitch;
        int os = s.OD * s.OH * s.OW, step = s.SW * L;
        int next = 0;
        for (int od = od0; od < od1; od++)
        {
            int d0 = od * s.SD - s.PD;
            int kdLo = Math.Max(0, -d0), kdHi = Math.Min(s.KD, s.D - d0);
            for (int id = Math.Max(next, d0 + kdLo); id < d0 + kdHi; id++)
                Interleave<TL, TV>(xc + (long)id * s.H * s.W, pitch, cn, s.H, s.W, ring + id % s.KD * plane, wp, s.PW);
            next = Math.Max(next, d0 + kdHi);
            for (int oh = 0; oh < s.OH; oh++)
            {
                int h0 = oh * s.SH - s.PH;
                int khLo = Math.Max(0, -h0), khHi = Math.Min(s.KH, s.H - h0);
                for (int o = 0; o < owr; o += 8)
                {
                    // The input under output o at tap (kd, kh, 0) of plane slot 0 and row 0; slots and rows are added per tap.
                    float* xo = ring + (long)(h0 * wp + o * s.SW) * L;
                    if (owr - o >= 8 && L == 16 && s.SW == 1)
                        ForwardBlock8Stride1<TL, TV>(xo, wt, tile + o * L, b, s, d0, kdLo, kdHi, khLo, khHi, plane, wp * L);
                    else if (owr - o >= 8 && L == 16 && s.SW == 2)
                        ForwardBlock8Stride2<TL, TV>(xo, wt, tile + o * L, b, s, d0, kdLo, kdHi, khLo, khHi, plane, wp * L);
                    else if (owr - o >= 8) ForwardBlock8<TL, TV>(xo, wt, tile + o * L, b, s, d0, kdLo, kdHi, khLo, khHi, plane, wp * L, step);
                    else ForwardBlock4<TL, TV>(xo, wt, tile + o * L, b, s, d0, kdLo, kdHi, khLo, khHi, plane, wp * L, step);
                }
                Deinterleave<TL, TV>(tile, y + (long)(n * s.Cout + c0) * os + (od * s.OH + oh) * s.OW, os, cn, s.OW, false);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardBlock8<TL, TV>(float* xo, float* wt, float* tile, TV bias, Conv3dShape s, int d0, int kdLo, int kdHi,
        int khLo, int khHi, long plane, int row, int step) where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count;
        TV a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        for (int kd = kdLo; kd < kdHi; kd++)
        {
            float* xd = xo + (d0 + kd) % s.KD * plane;
            for (int kh = khLo; kh < khHi; kh++)
            {
                float* p = xd + (long)kh * row;
                float* wk = wt + (kd * s.KH + kh) * s.KW * L;
                for (int kw = 0; kw < s.KW; kw++, p += L, wk += L)
                {
                    var v = TL.Load(wk);
                    a0 = TL.Fma(v, TL.Load(p), a0);
                    a1 = TL.Fma(v, TL.Load(p + step), a1);
                    a2 = TL.Fma(v, TL.Load(p + 2 * step), a2);
                    a3 = TL.Fma(v, TL.Load(p + 3 * step), a3);
                    a4 = TL.Fma(v, TL.Load(p + 4 * step), a4);
                    a5 = TL.Fma(v, TL.Load(p + 5 * step), a5);
                    a6 = TL.Fma(v, TL.Load(p + 6 * step), a6);
                    a7 = TL.Fma(v, TL.Load(p + 7 * step), a7);
                }
            }
        }
        TL.Store(a0, tile); TL.Store(a1, tile + L); TL.Store(a2, tile + 2 * L); TL.Store(a3, tile + 3 * L);
        TL.Store(a4, tile + 4 * L); TL.Store(a5, tile + 5 * L); TL.Store(a6, tile + 6 * L); TL.Store(a7, tile + 7 * L);
    }

    /// <summary>
    /// <see cref="ForwardBlock8{TL,TV}"/> for stride 1 with each input vector loaded once per row of taps: the 8 inputs
    /// under the outputs slide one column per tap (8 accumulators + 8 inputs + the tap: AVX-512's 32 registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardBlock8Stride1<TL, TV>(float* xo, float* wt, float* tile, TV bias, Conv3dShape s, int d0, int kdLo, int kdHi,
        int khLo, int khHi, long plane, int row) where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count;
        TV a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        for (int kd = kdLo; kd < kdHi; kd++)
        {
            float* xd = xo + (d0 + kd) % s.KD * plane;
            for (int kh = khLo; kh < khHi; kh++)
            {
                float* p = xd + (long)kh * row;
                float* wk = wt + (kd * s.KH + kh) * s.KW * L;
                TV x0 = TL.Load(p), x1 = TL.Load(p + L), x2 = TL.Load(p + 2 * L), x3 = TL.Load(p + 3 * L);
                TV x4 = TL.Load(p + 4 * L), x5 = TL.Load(p + 5 * L), x6 = TL.Load(p + 6 * L), x7 = TL.Load(p + 7 * L);
                p += 8 * L;
                for (int kw = 0; ; )
                {
                    var v = TL.Load(wk);
                    a0 = TL.Fma(v, x0, a0);
                    a1 = TL.Fma(v, x1, a1);
                    a2 = TL.Fma(v, x2, a2);
                    a3 = TL.Fma(v, x3, a3);
                    a4 = TL.Fma(v, x4, a4);
                    a5 = TL.Fma(v, x5, a5);
                    a6 = TL.Fma(v, x6, a6);
                    a7 = TL.Fma(v, x7, a7);
                    if (++kw == s.KW) break;
                    wk += L;
                    x0 = x1; x1 = x2; x2 = x3; x3 = x4; x4 = x5; x5 = x6; x6 = x7;
                    x7 = TL.Load(p);
                    p += L;
                }
            }
        }
        TL.Store(a0, tile); TL.Store(a1, tile + L); TL.Store(a2, tile + 2 * L); TL.Store(a3, tile + 3 * L);
        TL.Store(a4, tile + 4 * L); TL.Store(a5, tile + 5 * L); TL.Store(a6, tile + 6 * L); TL.Store(a7, tile + 7 * L);
    }

    /// <summary>
    /// <see cref="ForwardBlock8{TL,TV}"/> for stride 2: the inputs under the outputs at even taps and those at odd taps
    /// are two windows that each slide one output (two columns) every second tap, so a row of KW taps loads 16 + KW - 2
    /// input vectors instead of 8 KW (8 accumulators + 16 inputs + the tap: AVX-512's 32 registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardBlock8Stride2<TL, TV>(float* xo, float* wt, float* tile, TV bias, Conv3dShape s, int d0, int kdLo, int kdHi,
        int khLo, int khHi, long plane, int row) where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count, kwn = s.KW;
        TV a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        for (int kd = kdLo; kd < kdHi; kd++)
        {
            float* xd = xo + (d0 + kd) % s.KD * plane;
            for (int kh = khLo; kh < khHi; kh++)
            {
                float* p = xd + (long)kh * row;
                float* wk = wt + (kd * s.KH + kh) * kwn * L;
                TV e0 = TL.Load(p), e1 = TL.Load(p + 2 * L), e2 = TL.Load(p + 4 * L), e3 = TL.Load(p + 6 * L);
                TV e4 = TL.Load(p + 8 * L), e5 = TL.Load(p + 10 * L), e6 = TL.Load(p + 12 * L), e7 = TL.Load(p + 14 * L);
                TV o0 = TL.Zero, o1 = TL.Zero, o2 = TL.Zero, o3 = TL.Zero, o4 = TL.Zero, o5 = TL.Zero, o6 = TL.Zero, o7 = TL.Zero;
                for (int kw = 0; kw < kwn; kw++, wk += L)
                {
                    var v = TL.Load(wk);
                    if ((kw & 1) == 0)
                    {
                        a0 = TL.Fma(v, e0, a0);
                        a1 = TL.Fma(v, e1, a1);
                        a2 = TL.Fma(v, e2, a2);
                        a3 = TL.Fma(v, e3, a3);
                        a4 = TL.Fma(v, e4, a4);
                        a5 = TL.Fma(v, e5, a5);
                        a6 = TL.Fma(v, e6, a6);
                        a7 = TL.Fma(v, e7, a7);
                        if (kw + 2 < kwn)
                        {
                            e0 = e1; e1 = e2; e2 = e3; e3 = e4; e4 = e5; e5 = e6; e6 = e7;
                            e7 = TL.Load(p + (16 + kw) * L);
                        }
                    }
                    else
                    {
                        if (kw == 1)
                        {
                            o0 = TL.Load(p + L); o1 = TL.Load(p + 3 * L); o2 = TL.Load(p + 5 * L); o3 = TL.Load(p + 7 * L);
                            o4 = TL.Load(p + 9 * L); o5 = TL.Load(p + 11 * L); o6 = TL.Load(p + 13 * L); o7 = TL.Load(p + 15 * L);
                        }
                        a0 = TL.Fma(v, o0, a0);
                        a1 = TL.Fma(v, o1, a1);
                        a2 = TL.Fma(v, o2, a2);
                        a3 = TL.Fma(v, o3, a3);
                        a4 = TL.Fma(v, o4, a4);
                        a5 = TL.Fma(v, o5, a5);
                        a6 = TL.Fma(v, o6, a6);
                        a7 = TL.Fma(v, o7, a7);
                        if (kw + 2 < kwn)
                        {
                            o0 = o1; o1 = o2; o2 = o3; o3 = o4; o4 = o5; o5 = o6; o6 = o7;
                            o7 = TL.Load(p + (16 + kw) * L);
                        }
                    }
                }
            }
        }
        TL.Store(a0, tile); TL.Store(a1, tile + L); TL.Store(a2, tile + 2 * L); TL.Store(a3, tile + 3 * L);
        TL.Store(a4, tile + 4 * L); TL.Store(a5, tile + 5 * L); TL.Store(a6, tile + 6 * L); TL.Store(a7, tile + 7 * L);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardBlock4<TL, TV>(float* xo, float* wt, float* tile, TV bias, Conv3dShape s, int d0, int kdLo, int kdHi,
        int khLo, int khHi, long plane, int row, int step) where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count;
        TV a0 = bias, a1 = bias, a2 = bias, a3 = bias;
        for (int kd = kdLo; kd < kdHi; kd++)
        {
            float* xd = xo + (d0 + kd) % s.KD * plane;
            for (int kh = khLo; kh < khHi; kh++)
            {
                float* p = xd + (long)kh * row;
                float* wk = wt + (kd * s.KH + kh) * s.KW * L;
                for (int kw = 0; kw < s.KW; kw++, p += L, wk += L)
                {
                    var v = TL.Load(wk);
                    a0 = TL.Fma(v, TL.Load(p), a0);
                    a1 = TL.Fma(v, TL.Load(p + step), a1);
                    a2 = TL.Fma(v, TL.Load(p + 2 * step), a2);
                    a3 = TL.Fma(v, TL.Load(p + 3 * step), a3);
                }
            }
        }
        TL.Store(a0, tile); TL.Store(a1, tile + L); TL.Store(a2, tile + 2 * L); TL.Store(a3, tile + 3 * L);
    }

    /// <summary>
    /// The input gradient of one unit and width, as a gather: input row by input row; along W the row splits into SW
    /// phases iw = r + SW m, and phase r sees the taps kw = first + j SW at dy column q0 + m - j (a stride-1
    /// correlation with reversed taps), blocks of 8 (or 4) consecutive m in registers. dy planes enter a ring of
    /// ceil(KD / SD) slots (plane od in slot od mod the ring), padded along W so that no phase reads outside its row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InputGradPass<TL, TV>(float* dy, float* w, float* dx, float* scratch, Conv3dShape s, int accumulate,
        int n, int c0, int cn, int id0, int id1) where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count, taps = s.KD * s.KH * s.KW;
        int wp = InputGradRowWidth(s), left = InputGradLeft(s), slots = InputGradRing(s);
        long plane = (long)s.OH * wp * L;
        float* ring = scratch;
        float* wt = ring + slots * plane;
        float* tile = wt + taps * L;
        Clear<TL, TV>(ring, slots * plane / L);
        PackTaps(w, wt, L, taps, c0, cn);
        long pitch = (long)s.OD * s.OH * s.OW, inPitch = (long)s.D * s.H * s.W;
        float* gc = dy + (long)(n * s.Cout + c0) * pitch;
        int next = 0;
        bool gaps = s.SW > s.KW;  // phases without taps: their dx is zero
        for (int id = id0; id < id1; id++)
        {
            int kd0 = (id + s.PD) % s.SD, od0 = (id + s.PD - kd0) / s.SD;
            int jd = kd0 < s.KD ? (s.KD - 1 - kd0) / s.SD + 1 : 0;
            int top = Math.Min(od0, s.OD - 1);
            for (int od = Math.Max(next, Math.Max(0, od0 - jd + 1)); od <= top; od++)
                Interleave<TL, TV>(gc + (long)od * s.OH * s.OW, pitch, cn, s.OH, s.OW, ring + od % slots * plane, wp, left);
            next = Math.Max(next, top + 1);
            for (int ih = 0; ih < s.H; ih++)
            {
                int kh0 = (ih + s.PH) % s.SH, oh0 = (ih + s.PH - kh0) / s.SH;
                if (gaps) Clear<TL, TV>(tile, s.W);
                for (int r = 0; r < s.SW && r < s.W; r++)
                {
                    int first = (r + s.PW) % s.SW;
                    if (first >= s.KW) continue;
                    int jw = (s.KW - 1 - first) / s.SW + 1;
                    int q0 = (r + s.PW - first) / s.SW + left;
                    int count = RoundToBlocks((s.W - r + s.SW - 1) / s.SW);
                    for (int m = 0; m < count; m += 8)
                    {
                        float* go = ring + (long)(q0 + m) * L;
                        float* to = tile + (long)(r + m * s.SW) * L;
                        if (count - m >= 8 && L == 16) InputGradBlock8Slide<TL, TV>(go, wt, to, s, kd0, od0, kh0, oh0, first, jw, slots, plane, wp * L);
                        else if (count - m >= 8) InputGradBlock8<TL, TV>(go, wt, to, s, kd0, od0, kh0, oh0, first, jw, slots, plane, wp * L);
                        else InputGradBlock4<TL, TV>(go, wt, to, s, kd0, od0, kh0, oh0, first, jw, slots, plane, wp * L);
                    }
                }
                Deinterleave<TL, TV>(tile, dx + (long)(n * s.Cin + c0) * inPitch + ((long)id * s.H + ih) * s.W, inPitch, cn, s.W, accumulate != 0);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InputGradBlock8<TL, TV>(float* go, float* wt, float* tile, Conv3dShape s, int kd0, int od0, int kh0, int oh0,
        int first, int jw, int slots, long plane, int row) where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count, step = s.SW * L;
        TV a0 = TL.Zero, a1 = TL.Zero, a2 = TL.Zero, a3 = TL.Zero, a4 = TL.Zero, a5 = TL.Zero, a6 = TL.Zero, a7 = TL.Zero;
        for (int kd = kd0, od = od0; kd < s.KD && od >= 0; kd += s.SD, od--)
        {
            if (od >= s.OD) continue;
            float* gd = go + od % slots * plane;
            for (int kh = kh0, oh = oh0; kh < s.KH && oh >= 0; kh += s.SH, oh--)
            {
                if (oh >= s.OH) continue;
                float* p = gd + (long)oh * row;
                float* wk = wt + ((kd * s.KH + kh) * s.KW + first) * L;
                for (int j = 0; j < jw; j++, p -= L, wk += s.SW * L)
                {
                    var v = TL.Load(wk);
                    a0 = TL.Fma(v, TL.Load(p), a0);
                    a1 = TL.Fma(v, TL.Load(p + L), a1);
                    a2 = TL.Fma(v, TL.Load(p + 2 * L), a2);
                    a3 = TL.Fma(v, TL.Load(p + 3 * L), a3);
                    a4 = TL.Fma(v, TL.Load(p + 4 * L), a4);
                    a5 = TL.Fma(v, TL.Load(p + 5 * L), a5);
                    a6 = TL.Fma(v, TL.Load(p + 6 * L), a6);
                    a7 = TL.Fma(v, TL.Load(p + 7 * L), a7);
                }
            }
        }
        TL.Store(a0, tile); TL.Store(a1, tile + step); TL.Store(a2, tile + 2 * step); TL.Store(a3, tile + 3 * step);
        TL.Store(a4, tile + 4 * step); TL.Store(a5, tile + 5 * step); TL.Store(a6, tile + 6 * step); TL.Store(a7, tile + 7 * step);
    }

    /// <summary>
    /// <see cref="InputGradBlock8{TL,TV}"/> with each dy vector loaded once per row of taps: the 8 dy vectors under the
    /// outputs slide one column back per tap (AVX-512's 32 registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InputGradBlock8Slide<TL, TV>(float* go, float* wt, float* tile, Conv3dShape s, int kd0, int od0, int kh0, int oh0,
        int first, int jw, int slots, long plane, int row) where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count, step = s.SW * L;
        TV a0 = TL.Zero, a1 = TL.Zero, a2 = TL.Zero, a3 = TL.Zero, a4 = TL.Zero, a5 = TL.Zero, a6 = TL.Zero, a7 = TL.Zero;
        for (int kd = kd0, od = od0; kd < s.KD && od >= 0; kd += s.SD, od--)
        {
            if (od >= s.OD) continue;
            float* gd = go + od % slots * plane;
            for (int kh = kh0, oh = oh0; kh < s.KH && oh >= 0; kh += s.SH, oh--)
            {
                if (oh >= s.OH) continue;
                float* p = gd + (long)oh * row;
                float* wk = wt + ((kd * s.KH + kh) * s.KW + first) * L;
                TV g0 = TL.Load(p), g1 = TL.Load(p + L), g2 = TL.Load(p + 2 * L), g3 = TL.Load(p + 3 * L);
                TV g4 = TL.Load(p + 4 * L), g5 = TL.Load(p + 5 * L), g6 = TL.Load(p + 6 * L), g7 = TL.Load(p + 7 * L);
                for (int j = 0; ; )
                {
                    var v = TL.Load(wk);
                    a0 = TL.Fma(v, g0, a0);
                    a1 = TL.Fma(v, g1, a1);
                    a2 = TL.Fma(v, g2, a2);
                    a3 = TL.Fma(v, g3, a3);
                    a4 = TL.Fma(v, g4, a4);
                    a5 = TL.Fma(v, g5, a5);
                    a6 = TL.Fma(v, g6, a6);
                    a7 = TL.Fma(v, g7, a7);
                    if (++j == jw) break;
                    wk += s.SW * L;
                    p -= L;
                    g7 = g6; g6 = g5; g5 = g4; g4 = g3; g3 = g2; g2 = g1; g1 = g0;
                    g0 = TL.Load(p);
                }
            }
        }
        TL.Store(a0, tile); TL.Store(a1, tile + step); TL.Store(a2, tile + 2 * step); TL.Store(a3, tile + 3 * step);
        TL.Store(a4, tile + 4 * step); TL.Store(a5, tile + 5 * step); TL.Store(a6, tile + 6 * step); TL.Store(a7, tile + 7 * step);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InputGradBlock4<TL, TV>(float* go, float* wt, float* tile, Conv3dShape s, int kd0, int od0, int kh0, int oh0,
        int first, int jw, int slots, long plane, int row) where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count, step = s.SW * L;
        TV a0 = TL.Zero, a1 = TL.Zero, a2 = TL.Zero, a3 = TL.Zero;
        for (int kd = kd0, od = od0; kd < s.KD && od >= 0; kd += s.SD, od--)
        {
            if (od >= s.OD) continue;
            float* gd = go + od % slots * plane;
            for (int kh = kh0, oh = oh0; kh < s.KH && oh >= 0; kh += s.SH, oh--)
            {
                if (oh >= s.OH) continue;
                float* p = gd + (long)oh * row;
                float* wk = wt + ((kd * s.KH + kh) * s.KW + first) * L;
                for (int j = 0; j < jw; j++, p -= L, wk += s.SW * L)
                {
                    var v = TL.Load(wk);
                    a0 = TL.Fma(v, TL.Load(p), a0);
                    a1 = TL.Fma(v, TL.Load(p + L), a1);
                    a2 = TL.Fma(v, TL.Load(p + 2 * L), a2);
                    a3 = TL.Fma(v, TL.Load(p + 3 * L), a3);
                }
            }
        }
        TL.Store(a0, tile); TL.Store(a1, tile + step); TL.Store(a2, tile + 2 * step); TL.Store(a3, tile + 3 * step);
    }

    /// <summary>
    /// The weight gradient of one unit and width: the tap sums stay in the scratch (taps x L); per output row, dy is
    /// copied channel-fastest and each in-bounds (kd, kh) row of taps adds dy x the input under it, chunks of 5 (or 3)
    /// taps along W in registers, even and odd outputs in separate accumulators. Input planes enter a ring of KD slots as
    /// in <see cref="ForwardPass{TL,TV}"/>, starting afresh with each sample.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightGradPass<TL, TV>(float* x, float* dy, float* dw, float* scratch, Conv3dShape s, int c0, int cn,
        int r0, int r1) where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count, taps = s.KD * s.KH * s.KW;
        int wp = WeightGradRowWidth(s);
        long plane = (long)s.H * wp * L;
        float* ring = scratch;
        float* gt = ring + s.KD * plane;
        float* sums = gt + s.OW * L;
        Clear<TL, TV>(ring, s.KD * plane / L + s.OW + taps + 5);
        long pitch = (long)s.D * s.H * s.W, outPitch = (long)s.OD * s.OH * s.OW;
        int step = s.SW * L, next = 0, sample = -1;
        for (int r = r0; r < r1; r++)
        {
            int n = r / s.OD, od = r - n * s.OD;
            if (n != sample)
            {
                sample = n;
                next = 0;
            }
            float* xc = x + (long)(n * s.Cin + c0) * pitch;
            float* gc = dy + (long)(n * s.Cout + c0) * outPitch;
            int d0 = od * s.SD - s.PD;
            int kdLo = Math.Max(0, -d0), kdHi = Math.Min(s.KD, s.D - d0);
            for (int id = Math.Max(next, d0 + kdLo); id < d0 + kdHi; id++)
                Interleave<TL, TV>(xc + (long)id * s.H * s.W, pitch, cn, s.H, s.W, ring + id % s.KD * plane, wp, s.PW);
            next = Math.Max(next, d0 + kdHi);
            for (int oh = 0; oh < s.OH; oh++)
            {
                Interleave<TL, TV>(gc + ((long)od * s.OH + oh) * s.OW, outPitch, cn, 1, s.OW, gt, s.OW, 0);
                int h0 = oh * s.SH - s.PH;
                int khLo = Math.Max(0, -h0), khHi = Math.Min(s.KH, s.H - h0);
                for (int kd = kdLo; kd < kdHi; kd++)
                    for (int kh = khLo; kh < khHi; kh++)
                    {
                        float* xr = ring + (d0 + kd) % s.KD * plane + (long)(h0 + kh) * wp * L;
                        float* sr = sums + (kd * s.KH + kh) * s.KW * L;
                        for (int k0 = 0; k0 < s.KW;)
                        {
                            int left = s.KW - k0;
                            if (left >= 4)
                            {
                                if (s.SW == 1) WeightGradChunk5Stride1<TL, TV>(sr + k0 * L, gt, xr + k0 * L, s.OW, Math.Min(5, left));
                                else if (s.SW == 2) WeightGradChunk5Stride2<TL, TV>(sr + k0 * L, gt, xr + k0 * L, s.OW, Math.Min(5, left));
                                else WeightGradChunk5<TL, TV>(sr + k0 * L, gt, xr + k0 * L, s.OW, step, Math.Min(5, left));
                                k0 += 5;
                            }
                            else
                            {
                                if (s.SW == 1) WeightGradChunk3Stride1<TL, TV>(sr + k0 * L, gt, xr + k0 * L, s.OW, left);
                                else WeightGradChunk3<TL, TV>(sr + k0 * L, gt, xr + k0 * L, s.OW, step, left);
                                k0 += 3;
                            }
                        }
                    }
            }
        }
        for (int c = 0; c < cn; c++)
        {
            float* wc = dw + (long)(c0 + c) * taps;
            for (int t = 0; t < taps; t++) wc[t] = sums[t * L + c];
        }
    }

    /// <summary>sums[j] += sum over o &lt; count of g[o] x p[o * step + j], for the first <paramref name="valid"/> of 5 taps j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightGradChunk5<TL, TV>(float* sums, float* g, float* p, int count, int step, int valid)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count;
        TV e0 = TL.Zero, e1 = TL.Zero, e2 = TL.Zero, e3 = TL.Zero, e4 = TL.Zero;
        TV o0 = TL.Zero, o1 = TL.Zero, o2 = TL.Zero, o3 = TL.Zero, o4 = TL.Zero;
        int i = 0;
        for (; i + 1 < count; i += 2, g += 2 * L, p += 2 * step)
        {
            var d = TL.Load(g);
            e0 = TL.Fma(d, TL.Load(p), e0);
            e1 = TL.Fma(d, TL.Load(p + L), e1);
            e2 = TL.Fma(d, TL.Load(p + 2 * L), e2);
            e3 = TL.Fma(d, TL.Load(p + 3 * L), e3);
            e4 = TL.Fma(d, TL.Load(p + 4 * L), e4);
            var f = TL.Load(g + L);
            float* q = p + step;
            o0 = TL.Fma(f, TL.Load(q), o0);
            o1 = TL.Fma(f, TL.Load(q + L), o1);
            o2 = TL.Fma(f, TL.Load(q + 2 * L), o2);
            o3 = TL.Fma(f, TL.Load(q + 3 * L), o3);
            o4 = TL.Fma(f, TL.Load(q + 4 * L), o4);
        }
        if (i < count)
        {
            var d = TL.Load(g);
            e0 = TL.Fma(d, TL.Load(p), e0);
            e1 = TL.Fma(d, TL.Load(p + L), e1);
            e2 = TL.Fma(d, TL.Load(p + 2 * L), e2);
            e3 = TL.Fma(d, TL.Load(p + 3 * L), e3);
            e4 = TL.Fma(d, TL.Load(p + 4 * L), e4);
        }
        TL.Store(TL.Add(TL.Load(sums), TL.Add(e0, o0)), sums);
        if (valid > 1) TL.Store(TL.Add(TL.Load(sums + L), TL.Add(e1, o1)), sums + L);
        if (valid > 2) TL.Store(TL.Add(TL.Load(sums + 2 * L), TL.Add(e2, o2)), sums + 2 * L);
        if (valid > 3) TL.Store(TL.Add(TL.Load(sums + 3 * L), TL.Add(e3, o3)), sums + 3 * L);
        if (valid > 4) TL.Store(TL.Add(TL.Load(sums + 4 * L), TL.Add(e4, o4)), sums + 4 * L);
    }

    /// <summary>
    /// <see cref="WeightGradChunk5{TL,TV}"/> for stride 1: the five inputs under the taps slide one column per output,
    /// so each output costs one dy and one input load for its five FMAs (five independent sums).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightGradChunk5Stride1<TL, TV>(float* sums, float* g, float* p, int count, int valid)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count;
        TV e0 = TL.Zero, e1 = TL.Zero, e2 = TL.Zero, e3 = TL.Zero, e4 = TL.Zero;
        TV x0 = TL.Load(p), x1 = TL.Load(p + L), x2 = TL.Load(p + 2 * L), x3 = TL.Load(p + 3 * L);
        p += 4 * L;
        for (int i = 0; i < count; i++, g += L, p += L)
        {
            var x4 = TL.Load(p);
            var d = TL.Load(g);
            e0 = TL.Fma(d, x0, e0);
            e1 = TL.Fma(d, x1, e1);
            e2 = TL.Fma(d, x2, e2);
            e3 = TL.Fma(d, x3, e3);
            e4 = TL.Fma(d, x4, e4);
            x0 = x1; x1 = x2; x2 = x3; x3 = x4;
        }
        TL.Store(TL.Add(TL.Load(sums), e0), sums);
        if (valid > 1) TL.Store(TL.Add(TL.Load(sums + L), e1), sums + L);
        if (valid > 2) TL.Store(TL.Add(TL.Load(sums + 2 * L), e2), sums + 2 * L);
        if (valid > 3) TL.Store(TL.Add(TL.Load(sums + 3 * L), e3), sums + 3 * L);
        if (valid > 4) TL.Store(TL.Add(TL.Load(sums + 4 * L), e4), sums + 4 * L);
    }

    /// <summary>
    /// <see cref="WeightGradChunk5{TL,TV}"/> for stride 2: the five inputs under the taps slide two columns per output,
    /// so each output costs one dy and two input loads for its five FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightGradChunk5Stride2<TL, TV>(float* sums, float* g, float* p, int count, int valid)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count;
        TV e0 = TL.Zero, e1 = TL.Zero, e2 = TL.Zero, e3 = TL.Zero, e4 = TL.Zero;
        TV x0 = TL.Load(p), x1 = TL.Load(p + L), x2 = TL.Load(p + 2 * L);
        p += 3 * L;
        for (int i = 0; i < count; i++, g += L, p += 2 * L)
        {
            var x3 = TL.Load(p);
            var x4 = TL.Load(p + L);
            var d = TL.Load(g);
            e0 = TL.Fma(d, x0, e0);
            e1 = TL.Fma(d, x1, e1);
            e2 = TL.Fma(d, x2, e2);
            e3 = TL.Fma(d, x3, e3);
            e4 = TL.Fma(d, x4, e4);
            x0 = x2; x1 = x3; x2 = x4;
        }
        TL.Store(TL.Add(TL.Load(sums), e0), sums);
        if (valid > 1) TL.Store(TL.Add(TL.Load(sums + L), e1), sums + L);
        if (valid > 2) TL.Store(TL.Add(TL.Load(sums + 2 * L), e2), sums + 2 * L);
        if (valid > 3) TL.Store(TL.Add(TL.Load(sums + 3 * L), e3), sums + 3 * L);
        if (valid > 4) TL.Store(TL.Add(TL.Load(sums + 4 * L), e4), sums + 4 * L);
    }

    /// <summary>
    /// <see cref="WeightGradChunk3{TL,TV}"/> for stride 1: outputs in pairs (even and odd sums, six chains), the inputs
    /// under the taps sliding two columns a pair: two dy and two input loads for six FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightGradChunk3Stride1<TL, TV>(float* sums, float* g, float* p, int count, int valid)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count;
        TV e0 = TL.Zero, e1 = TL.Zero, e2 = TL.Zero;
        TV o0 = TL.Zero, o1 = TL.Zero, o2 = TL.Zero;
        TV x0 = TL.Load(p), x1 = TL.Load(p + L);
        int i = 0;
        for (; i + 1 < count; i += 2, g += 2 * L, p += 2 * L)
        {
            var x2 = TL.Load(p + 2 * L);
            var x3 = TL.Load(p + 3 * L);
            var d = TL.Load(g);
            var f = TL.Load(g + L);
            e0 = TL.Fma(d, x0, e0);
            e1 = TL.Fma(d, x1, e1);
            e2 = TL.Fma(d, x2, e2);
            o0 = TL.Fma(f, x1, o0);
            o1 = TL.Fma(f, x2, o1);
            o2 = TL.Fma(f, x3, o2);
            x0 = x2;
            x1 = x3;
        }
        if (i < count)
        {
            var d = TL.Load(g);
            e0 = TL.Fma(d, x0, e0);
            e1 = TL.Fma(d, x1, e1);
            e2 = TL.Fma(d, TL.Load(p + 2 * L), e2);
        }
        TL.Store(TL.Add(TL.Load(sums), TL.Add(e0, o0)), sums);
        if (valid > 1) TL.Store(TL.Add(TL.Load(sums + L), TL.Add(e1, o1)), sums + L);
        if (valid > 2) TL.Store(TL.Add(TL.Load(sums + 2 * L), TL.Add(e2, o2)), sums + 2 * L);
    }

    /// <summary><see cref="WeightGradChunk5{TL,TV}"/> for 3 taps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightGradChunk3<TL, TV>(float* sums, float* g, float* p, int count, int step, int valid)
        where TL : struct, ILanes<TV> where TV : struct
    {
        int L = TL.Count;
        TV e0 = TL.Zero, e1 = TL.Zero, e2 = TL.Zero;
        TV o0 = TL.Zero, o1 = TL.Zero, o2 = TL.Zero;
        int i = 0;
        for (; i + 1 < count; i += 2, g += 2 * L, p += 2 * step)
        {
            var d = TL.Load(g);
            e0 = TL.Fma(d, TL.Load(p), e0);
            e1 = TL.Fma(d, TL.Load(p + L), e1);
            e2 = TL.Fma(d, TL.Load(p + 2 * L), e2);
            var f = TL.Load(g + L);
            float* q = p + step;
            o0 = TL.Fma(f, TL.Load(q), o0);
            o1 = TL.Fma(f, TL.Load(q + L), o1);
            o2 = TL.Fma(f, TL.Load(q + 2 * L), o2);
        }
        if (i < count)
        {
            var d = TL.Load(g);
            e0 = TL.Fma(d, TL.Load(p), e0);
            e1 = TL.Fma(d, TL.Load(p + L), e1);
            e2 = TL.Fma(d, TL.Load(p + 2 * L), e2);
        }
        TL.Store(TL.Add(TL.Load(sums), TL.Add(e0, o0)), sums);
        if (valid > 1) TL.Store(TL.Add(TL.Load(sums + L), TL.Add(e1, o1)), sums + L);
        if (valid > 2) TL.Store(TL.Add(TL.Load(sums + 2 * L), TL.Add(e2, o2)), sums + 2 * L);
    }
}
