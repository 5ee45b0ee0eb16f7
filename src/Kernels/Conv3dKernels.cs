using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Dense and grouped 3-D convolution (PyTorch's F.conv3d over NCDHW, dilation 1), forward and backward,
/// as implicit GEMMs per group: Y (Cout/G x voxels) = W (Cout/G x K) * im2col(x) (K x voxels) with
/// K = Cin/G * KD*KH*KW, and dW (Cout/G x K) = dY * im2col(x)^T summed over N x output voxels.
/// <list type="bullet">
/// <item>CUDA (Conv3dKernels.Cuda.cs): <see cref="ForwardCuda"/> and <see cref="WeightGradCuda"/> gather
/// im2col on the fly into double-buffered shared tiles (64 x 256 output tile, 8 x 8 per thread).</item>
/// <item>CPU accelerator (Conv3dKernels.Cpu.cs): <see cref="ForwardCpu"/> and
/// <see cref="WeightGradCpu"/>, barrier-free 4 x 4 register blocks over a zero-padded input copy.</item>
/// <item>Both (this file): <see cref="Spread"/> pads (forward, CPU) or dilates and pads (input gradient)
/// a volume, <see cref="PackTransposed"/> turns W into the filter of the transposed convolution, and
/// ReductionKernels.SumRows adds the weight-gradient splits in a fixed order (deterministic).</item>
/// </list>
/// The input gradient of a general convolution is the forward kernel run on the dilated, padded dY
/// with the transposed, flipped filter (stride 1, no padding). 1x1x1 stride-1 convolutions never come
/// here: they are plain GEMMs (Ops.Conv3d). Offsets are 32-bit: each tensor stays below 2^31 elements.
/// </summary>
[OpKind("conv3d")]
public static partial class Conv3dKernels
{
    /// <summary>
    /// dst (planes, DD, DH, DW) from src (planes, SD, SH, SW): dst[a, b, e] = src[qa / stride, qb / stride,
    /// qe / stride] where q = position - low, when every q is a non-negative multiple of its stride and
    /// inside the source; zero elsewhere. Stride 1 is zero padding by low (before) and whatever fills
    /// the destination after; stride s inserts s - 1 zeros between source elements. Items: destination rows.
    /// </summary>
    [Kernel]
    public static void Spread(ArrayView<float> src, ArrayView<float> dst, Conv3dSpread g, int chunk)
    {
        int rows = g.Planes * g.DD * g.DH;
        for (var work = Work.Ranges(rows, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int row = start; row < end; row++)
            {
                int b = row % g.DH, t = row / g.DH;
                int a = t % g.DD, plane = t / g.DD;
                int qa = a - g.LowD, qb = b - g.LowH;
                bool rowOk = qa >= 0 && qb >= 0 && qa % g.StrideD == 0 && qb % g.StrideH == 0
                    && qa / g.StrideD < g.SD && qb / g.StrideH < g.SH;
                int srcRow = ((plane * g.SD + (rowOk ? qa / g.StrideD : 0)) * g.SH + (rowOk ? qb / g.StrideH : 0)) * g.SW;
                int dstRow = row * g.DW;
                for (int e = 0; e < g.DW; e++)
                {
                    int qe = e - g.LowW;
                    int se = qe / g.StrideW;
                    bool ok = rowOk && qe >= 0 && se * g.StrideW == qe && se < g.SW;
                    dst[dstRow + e] = ok ? src[srcRow + se] : 0f;
                }
            }
        }
    }

    /// <summary>
    /// The filter of the transposed convolution: for the shape <paramref name="t"/> of the input-gradient
    /// convolution (Cin = the forward's Cout, Cout = the forward's Cin, same groups and kernel),
    /// wt[g, co, ci, k] = w[g * Cin/G + ci, co, KVol - 1 - k]: in- and output channels swapped within
    /// each group, taps reversed along all three axes. Items: elements of wt.
    /// </summary>
    [Kernel]
    public static void PackTransposed(ArrayView<float> w, ArrayView<float> wt, Conv3dShape t, int n, int chunk)
    {
        int kvol = t.KD * t.KH * t.KW;
        int cinPg = t.Cin / t.Groups, coutPg = t.Cout / t.Groups;
        for (var work = Work.Ranges(n, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++)
            {
                int k = i % kvol, r = i / kvol;
                int ci = r % cinPg, gco = r / cinPg;  // gco = g * coutPg + co
                int g = gco / coutPg, co = gco - g * coutPg;
                wt[i] = w[((g * cinPg + ci) * coutPg + co) * kvol + kvol - 1 - k];
            }
        }
    }
}

/// <summary>Geometry of <see cref="Conv3dKernels.Spread"/>: source and destination sizes, stride and leading offset per axis.</summary>
public struct Conv3dSpread
{
    public int Planes;
    public int SD, SH, SW;
    public int DD, DH, DW;
    public int StrideD, StrideH, StrideW;
    public int LowD, LowH, LowW;
}
