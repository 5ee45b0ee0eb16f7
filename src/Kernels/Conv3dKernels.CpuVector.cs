using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ILGPU;

namespace ILGpuNet.Kernels;

// CPU-accelerator variant on the vector units (AVX-512, AVX2): output channels across the vector lanes, a few output
// voxels of one row per register block, each input value broadcast to all lanes. The vector code sits in methods with
// a scalar twin (ScalarTwin.cs): ILGPU's frontend compiles the twin, the CPU accelerator runs the vector code.
public static partial class Conv3dKernels
{
    /// <summary>Output channels per register block of the vector forward: four AVX-512 vectors.</summary>
    public const int VectorBlockChannels = 64;

    /// <summary>Output voxels (consecutive in a row) per register block of the vector forward.</summary>
    public const int VectorBlockVoxels = 6;

    /// <summary>Whether this machine runs the vector forward (AVX-512 or AVX2 with FMA); else the scalar <see cref="ForwardCpu"/>.</summary>
    public static bool CpuVectorForward => Vector512.IsHardwareAccelerated || (Avx2.IsSupported && Fma.IsSupported);

    /// <summary>Output channels per group rounded up to a whole AVX-512 vector: the row length of the packed weights.</summary>
    public static int CpuVectorChannelPad(Conv3dShape s) => (s.CoutPerGroup + 15) & ~15;

    /// <summary>Floats of one thread's packed weights in <see cref="ForwardVectorCpu"/>'s scratch: G x K x CoutPad.</summary>
    public static long CpuVectorPackLength(Conv3dShape s) => (long)s.Groups * s.CinPerGroup * s.KernelVolume * CpuVectorChannelPad(s);

    /// <summary>
    /// wt (G, K, CoutPad) from w (Cout, K), K = Cin/G x KD x KH x KW: the channels of one tap side by side (one vector
    /// load per 16 channels), zero past Cout/G.
    /// </summary>
    private static void PackWeights(ArrayView<float> w, ArrayView<float> wt, Conv3dShape s, int coPad)
    {
        int coutPg = s.Cout / s.Groups, kdim = s.Cin / s.Groups * s.KD * s.KH * s.KW;
        int rows = s.Groups * kdim;
        for (int row = 0; row < rows; row++)
        {
            int g = row / kdim, k = row - g * kdim;
            for (int c = 0; c < coPad; c++)
                wt[row * coPad + c] = c < coutPg ? w[(g * coutPg + c) * kdim + k] : 0f;
        }
    }

    /// <summary>
    /// <see cref="ForwardCpu"/> on the vector units: y = conv(x) (+ bias) from the padded input xp and the weights w.
    /// Each thread first packs w channel-fastest into its own slice of the scratch (<see cref="CpuVectorPackLength"/>
    /// floats per thread of the launch): a copy of the weights per thread costs far less than the convolution over
    /// them, and no launch of its own. Items: blocks of up to 64 output channels x <see cref="VectorBlockVoxels"/>
    /// consecutive output voxels of one row, channel block fastest. Voxels past OW are computed on the row's
    /// continuation (inside <see cref="CpuInputSlack"/>) and not stored.
    /// </summary>
    [Kernel]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ForwardVectorCpu(ArrayView<float> xp, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y,
        ArrayView<float> scratch, Conv3dShape s, int hasBias, int coPad, int chunk)
    {
        int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
        int kdim = cinPg * s.KD * s.KH * s.KW;
        int cBlocks = (coPad + VectorBlockChannels - 1) / VectorBlockChannels;
        int vBlocks = (s.OW + VectorBlockVoxels - 1) / VectorBlockVoxels;
        int units = s.N * s.Groups * s.OD * s.OH * vBlocks * cBlocks;
        int pw = s.W + 2 * s.PW, phw = (s.H + 2 * s.PH) * pw, pd = s.D + 2 * s.PD;
        int os = s.OD * s.OH * s.OW;
        int packLength = s.Groups * kdim * coPad;
        var wt = scratch.SubView((long)Work.ThreadIndex * packLength, packLength);
        if ((long)Work.ThreadIndex * chunk < units) PackWeights(w, wt, s, coPad);
        fixed (float* xq = &xp[0])
        fixed (float* wq = &wt[0])
        fixed (float* bq = &bias[0])
        fixed (float* yq = &y[0])
        {
            for (var work = Work.Ranges(units, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int u = start; u < end; u++)
                {
                    int r = u;
                    int cb = r % cBlocks; r /= cBlocks;
                    int vb = r % vBlocks; r /= vBlocks;
                    int oh = r % s.OH; r /= s.OH;
                    int od = r % s.OD; r /= s.OD;
                    int g = r % s.Groups, n = r / s.Groups;
                    int co0 = cb * VectorBlockChannels, ow0 = vb * VectorBlockVoxels;
                    int ch0 = g * coutPg + co0;
                    float* xu = xq + ((long)(n * s.Cin + g * cinPg) * pd + od * s.SD) * phw + (oh * s.SH) * pw + ow0 * s.SW;
                    float* yr = yq + (long)(n * s.Cout + ch0) * os + (od * s.OH + oh) * s.OW + ow0;
                    ForwardBlock(xu, wq + (long)g * kdim * coPad + co0, yr, bq + ch0, hasBias, s, coPad,
                        Math.Min(VectorBlockChannels, coutPg - co0), Math.Min(VectorBlockVoxels, s.OW - ow0));
                }
            }
        }
    }

    /// <summary>
    /// One register block of <see cref="ForwardVectorCpu"/>: y[c * OS + j] = sum over taps of wt[k * coPad + c] x the
    /// input under voxel j, for c &lt; channels (at most 64), j &lt; voxels (at most 6). xu: the window origin of voxel 0
    /// in input channel 0 of the group; wt: the packed weights at tap 0 and the block's first channel.
    /// </summary>
    [ScalarTwin(nameof(ForwardBlockScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ForwardBlock(float* xu, float* wt, float* y, float* bias, int hasBias, Conv3dShape s, int coPad,
        int channels, int voxels)
    {
        float* sums = stackalloc float[VectorBlockVoxels * VectorBlockChannels];
        int vectors = (channels + 15) >> 4;
        if (Vector512.IsHardwareAccelerated && vectors == 4) ForwardBlock4x6(xu, wt, sums, s, coPad);
        else if (Vector512.IsHardwareAccelerated)
            for (int v = 0; v < vectors; v++) ForwardBlock1x6(xu, wt + 16 * v, sums + 16 * v, s, coPad);
        else if (Avx2.IsSupported && Fma.IsSupported)
            for (int v = 0; v < vectors; v++) ForwardBlock2x6Avx2(xu, wt + 16 * v, sums + 16 * v, s, coPad);
        else
        {
            ForwardBlockScalar(xu, wt, y, bias, hasBias, s, coPad, channels, voxels);
            return;
        }
        int os = s.OD * s.OH * s.OW;
        for (int c = 0; c < channels; c++)
        {
            float add = hasBias != 0 ? bias[c] : 0f;
            float* yc = y + (long)c * os;
            for (int j = 0; j < voxels; j++) yc[j] = sums[j * VectorBlockChannels + c] + add;
        }
    }

    /// <summary>The scalar twin of <see cref="ForwardBlock"/> (what ILGPU compiles; the fallback without vector units).</summary>
    public static unsafe void ForwardBlockScalar(float* xu, float* wt, float* y, float* bias, int hasBias, Conv3dShape s, int coPad,
        int channels, int voxels)
    {
        int cinPg = s.Cin / s.Groups;
        int pw = s.W + 2 * s.PW, phw = (s.H + 2 * s.PH) * pw, pin = (s.D + 2 * s.PD) * phw;
        int os = s.OD * s.OH * s.OW;
        for (int c = 0; c < channels; c++)
            for (int j = 0; j < voxels; j++)
            {
                float sum = 0f;
                int k = 0;
                for (int ci = 0; ci < cinPg; ci++)
                    for (int kd = 0; kd < s.KD; kd++)
                        for (int kh = 0; kh < s.KH; kh++)
                        {
                            float* xl = xu + (long)ci * pin + kd * phw + kh * pw + j * s.SW;
                            for (int kw = 0; kw < s.KW; kw++, k++) sum += wt[(long)k * coPad + c] * xl[kw];
                        }
                y[(long)c * os + j] = sum + (hasBias != 0 ? bias[c] : 0f);
            }
    }

    /// <summary>64 channels (4 x 16 lanes) x 6 voxels: 24 accumulators; per tap 4 weight loads and 6 broadcasts feed 24 FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardBlock4x6(float* xu, float* wt, float* sums, Conv3dShape s, int coPad)
    {
        int cinPg = s.Cin / s.Groups, sw = s.SW;
        int pw = s.W + 2 * s.PW, phw = (s.H + 2 * s.PH) * pw, pin = (s.D + 2 * s.PD) * phw;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
        float* wk = wt;
        for (int ci = 0; ci < cinPg; ci++)
            for (int kd = 0; kd < s.KD; kd++)
                for (int kh = 0; kh < s.KH; kh++)
                {
                    float* xl = xu + (long)ci * pin + kd * phw + kh * pw;
                    for (int kw = 0; kw < s.KW; kw++, wk += coPad)
                    {
                        var w0 = Vector512.Load(wk);
                        var w1 = Vector512.Load(wk + 16);
                        var w2 = Vector512.Load(wk + 32);
                        var w3 = Vector512.Load(wk + 48);
                        float* xs = xl + kw;
                        var b = Vector512.Create(xs[0]);
                        a00 = Avx512F.FusedMultiplyAdd(w0, b, a00); a01 = Avx512F.FusedMultiplyAdd(w1, b, a01);
                        a02 = Avx512F.FusedMultiplyAdd(w2, b, a02); a03 = Avx512F.FusedMultiplyAdd(w3, b, a03);
                        b = Vector512.Create(xs[sw]);
                        a10 = Avx512F.FusedMultiplyAdd(w0, b, a10); a11 = Avx512F.FusedMultiplyAdd(w1, b, a11);
                        a12 = Avx512F.FusedMultiplyAdd(w2, b, a12); a13 = Avx512F.FusedMultiplyAdd(w3, b, a13);
                        b = Vector512.Create(xs[2 * sw]);
                        a20 = Avx512F.FusedMultiplyAdd(w0, b, a20); a21 = Avx512F.FusedMultiplyAdd(w1, b, a21);
                        a22 = Avx512F.FusedMultiplyAdd(w2, b, a22); a23 = Avx512F.FusedMultiplyAdd(w3, b, a23);
                        b = Vector512.Create(xs[3 * sw]);
                        a30 = Avx512F.FusedMultiplyAdd(w0, b, a30); a31 = Avx512F.FusedMultiplyAdd(w1, b, a31);
                        a32 = Avx512F.FusedMultiplyAdd(w2, b, a32); a33 = Avx512F.FusedMultiplyAdd(w3, b, a33);
                        b = Vector512.Create(xs[4 * sw]);
                        a40 = Avx512F.FusedMultiplyAdd(w0, b, a40); a41 = Avx512F.FusedMultiplyAdd(w1, b, a41);
                        a42 = Avx512F.FusedMultiplyAdd(w2, b, a42); a43 = Avx512F.FusedMultiplyAdd(w3, b, a43);
                        b = Vector512.Create(xs[5 * sw]);
                        a50 = Avx512F.FusedMultiplyAdd(w0, b, a50); a51 = Avx512F.FusedMultiplyAdd(w1, b, a51);
                        a52 = Avx512F.FusedMultiplyAdd(w2, b, a52); a53 = Avx512F.FusedMultiplyAdd(w3, b, a53);
                    }
                }
        const int row = VectorBlockChannels;
        a00.Store(sums); a01.Store(sums + 16); a02.Store(sums + 32); a03.Store(sums + 48);
        a10.Store(sums + row); a11.Store(sums + row + 16); a12.Store(sums + row + 32); a13.Store(sums + row + 48);
        a20.Store(sums + 2 * row); a21.Store(sums + 2 * row + 16); a22.Store(sums + 2 * row + 32); a23.Store(sums + 2 * row + 48);
        a30.Store(sums + 3 * row); a31.Store(sums + 3 * row + 16); a32.Store(sums + 3 * row + 32); a33.Store(sums + 3 * row + 48);
        a40.Store(sums + 4 * row); a41.Store(sums + 4 * row + 16); a42.Store(sums + 4 * row + 32); a43.Store(sums + 4 * row + 48);
        a50.Store(sums + 5 * row); a51.Store(sums + 5 * row + 16); a52.Store(sums + 5 * row + 32); a53.Store(sums + 5 * row + 48);
    }

    /// <summary>16 channels (one AVX-512 vector) x 6 voxels: the channel tail of a block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardBlock1x6(float* xu, float* wt, float* sums, Conv3dShape s, int coPad)
    {
        int cinPg = s.Cin / s.Groups, sw = s.SW;
        int pw = s.W + 2 * s.PW, phw = (s.H + 2 * s.PH) * pw, pin = (s.D + 2 * s.PD) * phw;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        float* wk = wt;
        for (int ci = 0; ci < cinPg; ci++)
            for (int kd = 0; kd < s.KD; kd++)
                for (int kh = 0; kh < s.KH; kh++)
                {
                    float* xl = xu + (long)ci * pin + kd * phw + kh * pw;
                    for (int kw = 0; kw < s.KW; kw++, wk += coPad)
                    {
                        var w0 = Vector512.Load(wk);
                        float* xs = xl + kw;
                        a0 = Avx512F.FusedMultiplyAdd(w0, Vector512.Create(xs[0]), a0);
                        a1 = Avx512F.FusedMultiplyAdd(w0, Vector512.Create(xs[sw]), a1);
                        a2 = Avx512F.FusedMultiplyAdd(w0, Vector512.Create(xs[2 * sw]), a2);
                        a3 = Avx512F.FusedMultiplyAdd(w0, Vector512.Create(xs[3 * sw]), a3);
                        a4 = Avx512F.FusedMultiplyAdd(w0, Vector512.Create(xs[4 * sw]), a4);
                        a5 = Avx512F.FusedMultiplyAdd(w0, Vector512.Create(xs[5 * sw]), a5);
                    }
                }
        const int row = VectorBlockChannels;
        a0.Store(sums); a1.Store(sums + row); a2.Store(sums + 2 * row);
        a3.Store(sums + 3 * row); a4.Store(sums + 4 * row); a5.Store(sums + 5 * row);
    }

    /// <summary>16 channels (two AVX2 vectors) x 6 voxels: 12 accumulators, within AVX2's 16 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardBlock2x6Avx2(float* xu, float* wt, float* sums, Conv3dShape s, int coPad)
    {
        int cinPg = s.Cin / s.Groups, sw = s.SW;
        int pw = s.W + 2 * s.PW, phw = (s.H + 2 * s.PH) * pw, pin = (s.D + 2 * s.PD) * phw;
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector256<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        float* wk = wt;
        for (int ci = 0; ci < cinPg; ci++)
            for (int kd = 0; kd < s.KD; kd++)
                for (int kh = 0; kh < s.KH; kh++)
                {
                    float* xl = xu + (long)ci * pin + kd * phw + kh * pw;
                    for (int kw = 0; kw < s.KW; kw++, wk += coPad)
                    {
                        var w0 = Vector256.Load(wk);
                        var w1 = Vector256.Load(wk + 8);
                        float* xs = xl + kw;
                        var b = Vector256.Create(xs[0]);
                        a00 = Fma.MultiplyAdd(w0, b, a00); a01 = Fma.MultiplyAdd(w1, b, a01);
                        b = Vector256.Create(xs[sw]);
                        a10 = Fma.MultiplyAdd(w0, b, a10); a11 = Fma.MultiplyAdd(w1, b, a11);
                        b = Vector256.Create(xs[2 * sw]);
                        a20 = Fma.MultiplyAdd(w0, b, a20); a21 = Fma.MultiplyAdd(w1, b, a21);
                        b = Vector256.Create(xs[3 * sw]);
                        a30 = Fma.MultiplyAdd(w0, b, a30); a31 = Fma.MultiplyAdd(w1, b, a31);
                        b = Vector256.Create(xs[4 * sw]);
                        a40 = Fma.MultiplyAdd(w0, b, a40); a41 = Fma.MultiplyAdd(w1, b, a41);
                        b = Vector256.Create(xs[5 * sw]);
                        a50 = Fma.MultiplyAdd(w0, b, a50); a51 = Fma.MultiplyAdd(w1, b, a51);
                    }
                }
        const int row = VectorBlockChannels;
        a00.Store(sums); a01.Store(sums + 8);
        a10.Store(sums + row); a11.Store(sums + row + 8);
        a20.Store(sums + 2 * row); a21.Store(sums + 2 * row + 8);
        a30.Store(sums + 3 * row); a31.Store(sums + 3 * row + 8);
        a40.Store(sums + 4 * row); a41.Store(sums + 4 * row + 8);
        a50.Store(sums + 5 * row); a51.Store(sums + 5 * row + 8);
    }
    /// <summary>Whether this machine runs the vector weight gradient (AVX-512); else the scalar <see cref="WeightGradCpu"/>.</summary>
    public static bool CpuVectorWeightGrad => Vector512.IsHardwareAccelerated;

    /// <summary>Filter taps per register block of the vector weight gradient (x 64 output channels).</summary>
    public const int VectorBlockTaps = 6;

    /// <summary>
    /// <see cref="WeightGradCpu"/> on the vector units, the same splits and chunks: partials[split] (Cout x K, W's layout) =
    /// the sum over the split's output rows of dY x im2col(xp)^T. Per chunk of rows and block of 64 output channels, dY is
    /// first transposed into the split's scratch (voxel-major, 64 channels side by side, zero past Cout/G), then every
    /// block of 64 channels x <see cref="VectorBlockTaps"/> taps adds its sums over the chunk's voxels: per voxel 4 dY
    /// vectors and 6 broadcast inputs feed 24 FMAs. scratch: splits x (rowsPerChunk x OW) x 64 floats.
    /// </summary>
    [Kernel]
    public static unsafe void WeightGradVectorCpu(ArrayView<float> xp, ArrayView<float> dy, ArrayView<float> partials, ArrayView<float> scratch,
        Conv3dShape s, int splits, int rowsPerChunk, int chunk)
    {
        int kdim = s.Cin / s.Groups * s.KD * s.KH * s.KW;
        int rows = s.N * s.OD * s.OH;
        long wLen = (long)s.Cout * kdim, scratchLen = (long)rowsPerChunk * s.OW * VectorBlockChannels;
        fixed (float* xq = &xp[0])
        fixed (float* dq = &dy[0])
        fixed (float* pq = &partials[0])
        fixed (float* sq = &scratch[0])
        {
            for (var work = Work.Ranges(splits, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int split = start; split < end; split++)
                {
                    int r0 = (int)((long)rows * split / splits), r1 = (int)((long)rows * (split + 1) / splits);
                    WeightGradSplit(xq, dq, pq + split * wLen, sq + split * scratchLen, s, r0, r1, rowsPerChunk);
                }
            }
        }
    }

    /// <summary>One split of <see cref="WeightGradVectorCpu"/>: part (Cout x K) = the sum over output rows [r0, r1).</summary>
    [ScalarTwin(nameof(WeightGradSplitScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void WeightGradSplit(float* xq, float* dq, float* part, float* scratch, Conv3dShape s, int r0, int r1, int rowsPerChunk)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            WeightGradSplitScalar(xq, dq, part, scratch, s, r0, r1, rowsPerChunk);
            return;
        }
        int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
        int kvol = s.KD * s.KH * s.KW, kdim = cinPg * kvol, khw = s.KH * s.KW;
        int pw = s.W + 2 * s.PW, phw = (s.H + 2 * s.PH) * pw, pd = s.D + 2 * s.PD, pin = pd * phw;
        int os = s.OD * s.OH * s.OW, ow = s.OW, sw = s.SW;
        long wLen = (long)s.Cout * kdim;
        float* sums = stackalloc float[VectorBlockTaps * VectorBlockChannels];
        if (r0 == r1)
        {
            for (long i = 0; i < wLen; i++) part[i] = 0f;
            return;
        }
        for (int rc = r0, re; rc < r1; rc = re)
        {
            re = Work.BlockEnd(rc, rowsPerChunk, r1);
            bool first = rc == r0;
            for (int g = 0; g < s.Groups; g++)
                for (int co0 = 0; co0 < coutPg; co0 += VectorBlockChannels)
                {
                    int channels = Math.Min(VectorBlockChannels, coutPg - co0);
                    // dY of the chunk's voxels, transposed: scratch[v * 64 + c].
                    int voxels = 0;
                    for (int row = rc; row < re; row++, voxels += ow)
                    {
                        int oh = row % s.OH, od = row / s.OH % s.OD, n = row / (s.OH * s.OD);
                        float* d = dq + (long)(n * s.Cout + g * coutPg + co0) * os + (od * s.OH + oh) * ow;
                        float* t = scratch + (long)voxels * VectorBlockChannels;
                        for (int j = 0; j < ow; j++, t += VectorBlockChannels)
                        {
                            int c = 0;
                            for (; c < channels; c++) t[c] = d[(long)c * os + j];
                            for (; c < VectorBlockChannels; c++) t[c] = 0f;
                        }
                    }
                    for (int k0 = 0; k0 < kdim; k0 += VectorBlockTaps)
                    {
                        int o0 = TapOffset(k0, kdim, kvol, khw, s.KW, pin, phw, pw);
                        int o1 = TapOffset(k0 + 1, kdim, kvol, khw, s.KW, pin, phw, pw);
                        int o2 = TapOffset(k0 + 2, kdim, kvol, khw, s.KW, pin, phw, pw);
                        int o3 = TapOffset(k0 + 3, kdim, kvol, khw, s.KW, pin, phw, pw);
                        int o4 = TapOffset(k0 + 4, kdim, kvol, khw, s.KW, pin, phw, pw);
                        int o5 = TapOffset(k0 + 5, kdim, kvol, khw, s.KW, pin, phw, pw);
                        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
                        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
                        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
                        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
                        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
                        Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
                        float* t = scratch;
                        for (int row = rc; row < re; row++)
                        {
                            int oh = row % s.OH, od = row / s.OH % s.OD, n = row / (s.OH * s.OD);
                            float* xr = xq + ((long)(n * s.Cin + g * cinPg) * pd + od * s.SD) * phw + (oh * s.SH) * pw;
                            for (int j = 0; j < ow; j++, t += VectorBlockChannels, xr += sw)
                            {
                                var d0 = Vector512.Load(t);
                                var d1 = Vector512.Load(t + 16);
                                var d2 = Vector512.Load(t + 32);
                                var d3 = Vector512.Load(t + 48);
                                var b = Vector512.Create(xr[o0]);
                                a00 = Avx512F.FusedMultiplyAdd(d0, b, a00); a01 = Avx512F.FusedMultiplyAdd(d1, b, a01);
                                a02 = Avx512F.FusedMultiplyAdd(d2, b, a02); a03 = Avx512F.FusedMultiplyAdd(d3, b, a03);
                                b = Vector512.Create(xr[o1]);
                                a10 = Avx512F.FusedMultiplyAdd(d0, b, a10); a11 = Avx512F.FusedMultiplyAdd(d1, b, a11);
                                a12 = Avx512F.FusedMultiplyAdd(d2, b, a12); a13 = Avx512F.FusedMultiplyAdd(d3, b, a13);
                                b = Vector512.Create(xr[o2]);
                                a20 = Avx512F.FusedMultiplyAdd(d0, b, a20); a21 = Avx512F.FusedMultiplyAdd(d1, b, a21);
                                a22 = Avx512F.FusedMultiplyAdd(d2, b, a22); a23 = Avx512F.FusedMultiplyAdd(d3, b, a23);
                                b = Vector512.Create(xr[o3]);
                                a30 = Avx512F.FusedMultiplyAdd(d0, b, a30); a31 = Avx512F.FusedMultiplyAdd(d1, b, a31);
                                a32 = Avx512F.FusedMultiplyAdd(d2, b, a32); a33 = Avx512F.FusedMultiplyAdd(d3, b, a33);
                                b = Vector512.Create(xr[o4]);
                                a40 = Avx512F.FusedMultiplyAdd(d0, b, a40); a41 = Avx512F.FusedMultiplyAdd(d1, b, a41);
                                a42 = Avx512F.FusedMultiplyAdd(d2, b, a42); a43 = Avx512F.FusedMultiplyAdd(d3, b, a43);
                                b = Vector512.Create(xr[o5]);
                                a50 = Avx512F.FusedMultiplyAdd(d0, b, a50); a51 = Avx512F.FusedMultiplyAdd(d1, b, a51);
                                a52 = Avx512F.FusedMultiplyAdd(d2, b, a52); a53 = Avx512F.FusedMultiplyAdd(d3, b, a53);
                            }
                        }
                        const int tap = VectorBlockChannels;
                        a00.Store(sums); a01.Store(sums + 16); a02.Store(sums + 32); a03.Store(sums + 48);
                        a10.Store(sums + tap); a11.Store(sums + tap + 16); a12.Store(sums + tap + 32); a13.Store(sums + tap + 48);
                        a20.Store(sums + 2 * tap); a21.Store(sums + 2 * tap + 16); a22.Store(sums + 2 * tap + 32); a23.Store(sums + 2 * tap + 48);
                        a30.Store(sums + 3 * tap); a31.Store(sums + 3 * tap + 16); a32.Store(sums + 3 * tap + 32); a33.Store(sums + 3 * tap + 48);
                        a40.Store(sums + 4 * tap); a41.Store(sums + 4 * tap + 16); a42.Store(sums + 4 * tap + 32); a43.Store(sums + 4 * tap + 48);
                        a50.Store(sums + 5 * tap); a51.Store(sums + 5 * tap + 16); a52.Store(sums + 5 * tap + 32); a53.Store(sums + 5 * tap + 48);
                        int taps = Math.Min(VectorBlockTaps, kdim - k0);
                        for (int c = 0; c < channels; c++)
                        {
                            float* pr = part + (long)(g * coutPg + co0 + c) * kdim + k0;
                            for (int q = 0; q < taps; q++) pr[q] = (first ? 0f : pr[q]) + sums[q * tap + c];
                        }
                    }
                }
        }
    }

    /// <summary>The scalar twin of <see cref="WeightGradSplit"/>: each weight's sum over the rows [r0, r1), voxel by voxel.</summary>
    public static unsafe void WeightGradSplitScalar(float* xq, float* dq, float* part, float* scratch, Conv3dShape s, int r0, int r1, int rowsPerChunk)
    {
        int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
        int kvol = s.KD * s.KH * s.KW, kdim = cinPg * kvol, khw = s.KH * s.KW;
        int pw = s.W + 2 * s.PW, phw = (s.H + 2 * s.PH) * pw, pd = s.D + 2 * s.PD, pin = pd * phw;
        int os = s.OD * s.OH * s.OW, ow = s.OW;
        for (int ch = 0; ch < s.Cout; ch++)
        {
            int g = ch / coutPg;
            for (int k = 0; k < kdim; k++)
            {
                int o = TapOffset(k, kdim, kvol, khw, s.KW, pin, phw, pw);
                float sum = 0f;
                for (int row = r0; row < r1; row++)
                {
                    int oh = row % s.OH, od = row / s.OH % s.OD, n = row / (s.OH * s.OD);
                    float* d = dq + (long)(n * s.Cout + ch) * os + (od * s.OH + oh) * ow;
                    float* xr = xq + ((long)(n * s.Cin + g * cinPg) * pd + od * s.SD) * phw + (oh * s.SH) * pw + o;
                    for (int j = 0; j < ow; j++) sum += d[j] * xr[j * s.SW];
                }
                part[(long)ch * kdim + k] = sum;
            }
        }
    }
}
