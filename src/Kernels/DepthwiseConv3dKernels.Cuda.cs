using ILGPU;

namespace ILGpuNet.Kernels;

// CUDA variants (see DepthwiseConv3dKernels.cs). Element indices are int: tensors hold at most 2^31 - 1
// elements (Tensor.MaxElements).
public static partial class DepthwiseConv3dKernels
{
    /// <summary>
    /// y = depthwise conv(x) (+ bias), one output voxel per item (grid-stride; consecutive threads take
    /// consecutive ow, so loads coalesce and a warp shares its channel's weights). The in-bounds tap
    /// ranges are computed once per voxel, so the tap loops carry no checks.
    /// </summary>
    [Kernel]
    public static void ForwardCuda(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> y,
        Conv3dShape s, int hasBias, int chunk)
    {
        int total = s.N * s.Cout * s.OD * s.OH * s.OW;
        int taps = s.KD * s.KH * s.KW, volume = s.D * s.H * s.W;
        for (var work = Work.Ranges(total, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int o = start; o < end; o++)
            {
                int ow = o % s.OW, t = o / s.OW;
                int oh = t % s.OH;
                t /= s.OH;
                int od = t % s.OD, nc = t / s.OD;
                int c = nc % s.Cout;
                float acc = hasBias != 0 ? bias[c] : 0f;
                int d0 = od * s.SD - s.PD, h0 = oh * s.SH - s.PH, w0 = ow * s.SW - s.PW;
                int kdEnd = Math.Min(s.KD, s.D - d0), khEnd = Math.Min(s.KH, s.H - h0), kwEnd = Math.Min(s.KW, s.W - w0);
                int kwBegin = Math.Max(0, -w0);
                int xv = nc * volume, wc = c * taps;
                for (int kd = Math.Max(0, -d0); kd < kdEnd; kd++)
                    for (int kh = Math.Max(0, -h0); kh < khEnd; kh++)
                    {
                        int xr = xv + ((d0 + kd) * s.H + h0 + kh) * s.W + w0;
                        int wr = wc + (kd * s.KH + kh) * s.KW;
                        for (int kw = kwBegin; kw < kwEnd; kw++) acc += weight[wr + kw] * x[xr + kw];
                    }
                y[o] = acc;
            }
        }
    }

    /// <summary>
    /// dx as a gather, one input voxel per item: the sum of w * dy over the outputs whose windows cover
    /// it. Along each axis only taps k = (i + p) mod s, stepping by s, meet an output (o = (i + p - k) / s),
    /// so stride 2 visits an eighth of the taps in 3-D instead of testing all of them.
    /// With <paramref name="accumulate"/> the sums are added to dx (an existing gradient).
    /// </summary>
    [Kernel]
    public static void BackwardInputCuda(ArrayView<float> dy, ArrayView<float> weight, ArrayView<float> dx, Conv3dShape s, int accumulate, int chunk)
    {
        int total = s.N * s.Cin * s.D * s.H * s.W;
        int taps = s.KD * s.KH * s.KW, outVolume = s.OD * s.OH * s.OW;
        for (var work = Work.Ranges(total, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++)
            {
                int iw = i % s.W, t = i / s.W;
                int ih = t % s.H;
                t /= s.H;
                int id = t % s.D, nc = t / s.D;
                int c = nc % s.Cin;
                int gv = nc * outVolume, wc = c * taps;
                float acc = 0f;
                for (int kd = (id + s.PD) % s.SD; kd < s.KD; kd += s.SD)
                {
                    int od = (id + s.PD - kd) / s.SD;
                    if (od >= s.OD) continue;
                    if (od < 0) break;
                    for (int kh = (ih + s.PH) % s.SH; kh < s.KH; kh += s.SH)
                    {
                        int oh = (ih + s.PH - kh) / s.SH;
                        if (oh >= s.OH) continue;
                        if (oh < 0) break;
                        int gr = gv + (od * s.OH + oh) * s.OW;
                        int wr = wc + (kd * s.KH + kh) * s.KW;
                        for (int kw = (iw + s.PW) % s.SW; kw < s.KW; kw += s.SW)
                        {
                            int ow = (iw + s.PW - kw) / s.SW;
                            if (ow >= s.OW) continue;
                            if (ow < 0) break;
                            acc += weight[wr + kw] * dy[gr + ow];
                        }
                    }
                }
                dx[i] = accumulate != 0 ? dx[i] + acc : acc;
            }
        }
    }

    /// <summary>
    /// Weight-gradient partials with a block reduction. Group g = item * splits + split, item =
    /// ((c * KD + kd) * KH + kh) * ceil(KW / 8) + kwBlock: its threads stride over the split's share of
    /// the N * OD*OH*OW output voxels of channel c, each reading dy once for up to
    /// <see cref="TapsPerGroup"/> adjacent taps kw (so dy is read KD*KH times in all, not KD*KH*KW),
    /// then the group sums each tap through shared memory (fixed tree: deterministic) and writes
    /// partials[(c * KD*KH*KW + tap) * splits + split]. Launch with groups of <see cref="BlockSize"/>.
    /// </summary>
    [Kernel(UsesBarriers = true)]
    public static void BackwardWeightCuda(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> partials, Conv3dShape s, int splits)
    {
        var shared = SharedMemory.Allocate<float>(TapsPerGroup * BlockSize);
        int kwBlocks = (s.KW + TapsPerGroup - 1) / TapsPerGroup;
        int item = Grid.IdxX / splits, split = Grid.IdxX - item * splits;
        int kb = item % kwBlocks;
        item /= kwBlocks;
        int kh = item % s.KH;
        item /= s.KH;
        int kd = item % s.KD, c = item / s.KD;
        int kw0 = kb * TapsPerGroup, n0 = Math.Min(TapsPerGroup, s.KW - kw0);
        int outVolume = s.OD * s.OH * s.OW, outPlane = s.OH * s.OW, volume = s.D * s.H * s.W;
        int count = s.N * outVolume;
        int begin = (int)((long)count * split / splits), end = (int)((long)count * (split + 1) / splits);
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f, a5 = 0f, a6 = 0f, a7 = 0f;
        // Unsigned position: e + Group.DimX passes int.MaxValue when count is near it, never 2^32.
        for (uint next = (uint)(begin + Group.IdxX); next < (uint)end; next += (uint)Group.DimX)
        {
            int e = (int)next;
            int n = e / outVolume, o = e - n * outVolume;
            int od = o / outPlane, r = o - od * outPlane;
            int oh = r / s.OW, ow = r - oh * s.OW;
            int id = od * s.SD - s.PD + kd, ih = oh * s.SH - s.PH + kh;
            if (id < 0 || id >= s.D || ih < 0 || ih >= s.H) continue;
            int nc = n * s.Cout + c;
            float d = dy[nc * outVolume + o];
            int iw = ow * s.SW - s.PW + kw0;
            int xr = nc * volume + (id * s.H + ih) * s.W;
            // Taps past n0 (uniform over the group) or outside the row contribute nothing.
            if (iw >= 0 && iw < s.W) a0 += d * x[xr + iw];
            if (n0 > 1 && iw + 1 >= 0 && iw + 1 < s.W) a1 += d * x[xr + iw + 1];
            if (n0 > 2 && iw + 2 >= 0 && iw + 2 < s.W) a2 += d * x[xr + iw + 2];
            if (n0 > 3 && iw + 3 >= 0 && iw + 3 < s.W) a3 += d * x[xr + iw + 3];
            if (n0 > 4 && iw + 4 >= 0 && iw + 4 < s.W) a4 += d * x[xr + iw + 4];
            if (n0 > 5 && iw + 5 >= 0 && iw + 5 < s.W) a5 += d * x[xr + iw + 5];
            if (n0 > 6 && iw + 6 >= 0 && iw + 6 < s.W) a6 += d * x[xr + iw + 6];
            if (n0 > 7 && iw + 7 >= 0 && iw + 7 < s.W) a7 += d * x[xr + iw + 7];
        }
        int tid = Group.IdxX;
        shared[tid] = a0;
        shared[BlockSize + tid] = a1;
        shared[2 * BlockSize + tid] = a2;
        shared[3 * BlockSize + tid] = a3;
        shared[4 * BlockSize + tid] = a4;
        shared[5 * BlockSize + tid] = a5;
        shared[6 * BlockSize + tid] = a6;
        shared[7 * BlockSize + tid] = a7;
        Group.Barrier();
        for (int width = BlockSize / 2; width > 0; width >>= 1)
        {
            if (tid < width)
                for (int j = 0; j < n0; j++) shared[j * BlockSize + tid] += shared[j * BlockSize + tid + width];
            Group.Barrier();
        }
        if (tid < n0)
        {
            int tap = (kd * s.KH + kh) * s.KW + kw0 + tid;
            partials[((long)c * s.KD * s.KH * s.KW + tap) * splits + split] = shared[tid * BlockSize];
        }
    }
}
