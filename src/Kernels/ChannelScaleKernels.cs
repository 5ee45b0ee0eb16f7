using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// y = x * s[row] with x viewed as (rows, inner) and one scale per row: squeeze-excitation's channel
/// gate (rows = N * C, inner = D * H * W) and stochastic depth's per-sample mask (rows = N). When inner
/// is a multiple of 4 every Float4 lies in one row, so the kernels stream 16-byte groups; otherwise
/// they go element by element (small test shapes).
/// <para>
/// The backward is fused: one pass over dy and x writes dx = dy * s[row] and reduces
/// ds[row] = sum of dy * x. A row is cut into <c>splits</c> slices (in Float4 units when inner % 4 == 0);
/// each (row, slice) item writes one partial, and ReductionKernels.SumRows adds a row's partials in
/// index order, so the sums are deterministic. CUDA gives each item to one warp (shuffle reduction:
/// rows as short as 36 voxels waste no block); the CPU sibling gives it to one thread, no barrier.
/// </para>
/// </summary>
[OpKind("elementwise")]
public static class ChannelScaleKernels
{
    /// <summary>
    /// y = x * s[i / inner]. Launch over n / 4 items when inner % 4 == 0, else over n items.
    /// </summary>
    [Kernel]
    public static void Scale(ArrayView<float> x, ArrayView<float> s, ArrayView<float> y, int n, int inner, int chunk)
    {
        if ((inner & 3) == 0)
        {
            var x4 = x.Cast<Float4>();
            var y4 = y.Cast<Float4>();
            int n4 = n >> 2, inner4 = inner >> 2;
            for (var work = Work.Ranges(n4, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                int row = start / inner4, col = start - row * inner4;
                float scale = s[row];
                for (int g = start; g < end; g++)
                {
                    var v = x4[g];
                    y4[g] = new Float4(v.X * scale, v.Y * scale, v.Z * scale, v.W * scale);
                    if (++col == inner4 && g + 1 < end) { col = 0; scale = s[++row]; }
                }
            }
        }
        else
        {
            for (var work = Work.Ranges(n, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                int row = start / inner, col = start - row * inner;
                float scale = s[row];
                for (int i = start; i < end; i++)
                {
                    y[i] = x[i] * scale;
                    if (++col == inner && i + 1 < end) { col = 0; scale = s[++row]; }
                }
            }
        }
    }

    /// <summary>CPU: y = x * s[i / inner], each thread a contiguous range of the n values, row by row on the vector units.</summary>
    [Kernel]
    public static unsafe void ScaleCpu(ArrayView<float> x, ArrayView<float> s, ArrayView<float> y, int n, int inner, int chunk)
    {
        fixed (float* xq = &x[0])
        fixed (float* yq = &y[0])
            for (var work = Work.Ranges(n, chunk); work.Next();)
                for (int i = work.Start, end = work.End; i < end;)
                {
                    int row = i / inner, stop = (int)Math.Min((long)(row + 1) * inner, end);
                    CpuRows.ScaleAdd(xq + i, yq + i, stop - i, s[row], 0f);
                    i = stop;
                }
    }

    /// <summary>
    /// CPU: item g = (row g / splits, slice g % splits): dx = dy * s[row] over the slice (when
    /// <paramref name="writeDx"/> is 1) and partials[g] = sum over the slice of dy * x.
    /// </summary>
    [Kernel]
    public static unsafe void ScaleBackwardCpu(ArrayView<float> x, ArrayView<float> s, ArrayView<float> dy, ArrayView<float> dx,
        ArrayView<float> partials, int rows, int inner, int splits, int writeDx, int chunk)
    {
        int items = rows * splits;
        // Slices in units of 4 values when rows are a multiple of 4 long (the CUDA sibling's Float4 units; same items).
        int unit = (inner & 3) == 0 ? 4 : 1, units = inner / unit;
        fixed (float* xq = &x[0])
        fixed (float* gq = &dy[0])
        fixed (float* dq = &dx[0])
            for (var work = Work.Ranges(items, chunk); work.Next();)
            {
                int start = work.Start, stop = work.End;
                for (int g = start; g < stop; g++)
                {
                    int row = g / splits, split = g - row * splits;
                    long begin = (long)row * inner + (long)SliceStart(units, split, splits) * unit;
                    int length = (SliceStart(units, split + 1, splits) - SliceStart(units, split, splits)) * unit;
                    partials[g] = CpuRows.ScaleDot(gq + begin, xq + begin, dq + begin, length, s[row], writeDx);
                }
            }
    }

    /// <summary>
    /// CUDA: the same items and partials as <see cref="ScaleBackwardCpu"/>, one warp per item (grid
    /// stride over items by warps), lanes striding over the slice, a shuffle reduction at the end.
    /// Launch with groups of a multiple of the warp size.
    /// </summary>
    [Kernel(UsesBarriers = true)]
    public static void ScaleBackwardCuda(ArrayView<float> x, ArrayView<float> s, ArrayView<float> dy, ArrayView<float> dx,
        ArrayView<float> partials, int rows, int inner, int splits, int writeDx)
    {
        int lanes = Warp.WarpSize, lane = Warp.LaneIdx;
        int warpsPerGroup = Group.DimX / lanes;
        int items = rows * splits, totalWarps = Grid.DimX * warpsPerGroup;
        bool vector = (inner & 3) == 0;
        int units = vector ? inner >> 2 : inner;
        // Every lane of a warp walks the same items, so the shuffles below see the whole warp.
        for (uint next = (uint)(Grid.IdxX * warpsPerGroup + Warp.WarpIdx); next < (uint)items; next += (uint)totalWarps)
        {
            int g = (int)next;
            int row = g / splits, split = g - row * splits;
            int begin = SliceStart(units, split, splits), end = SliceStart(units, split + 1, splits);
            long rowStart = (long)row * units;
            float scale = s[row];
            float acc0 = 0f, acc1 = 0f;
            if (vector)
            {
                var x4 = x.Cast<Float4>();
                var dy4 = dy.Cast<Float4>();
                var dx4 = dx.Cast<Float4>();
                for (long k = rowStart + begin + lane; k < rowStart + end; k += lanes)
                {
                    var gy = dy4[k];
                    var v = x4[k];
                    if (writeDx != 0) dx4[k] = new Float4(gy.X * scale, gy.Y * scale, gy.Z * scale, gy.W * scale);
                    acc0 += gy.X * v.X + gy.Y * v.Y;
                    acc1 += gy.Z * v.Z + gy.W * v.W;
                }
            }
            else
            {
                for (long k = rowStart + begin + lane; k < rowStart + end; k += lanes)
                {
                    float gy = dy[k];
                    if (writeDx != 0) dx[k] = gy * scale;
                    acc0 += gy * x[k];
                }
            }
            float total = acc0 + acc1;
            for (int offset = lanes / 2; offset > 0; offset >>= 1) total += Warp.ShuffleDown(total, offset);
            if (lane == 0) partials[g] = total;
        }
    }

    /// <summary>Start of slice <paramref name="split"/> of <paramref name="splits"/> over [0, units).</summary>
    private static int SliceStart(int units, int split, int splits) => (int)((long)units * split / splits);
}
