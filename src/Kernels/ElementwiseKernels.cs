using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Pointwise kernels over contiguous views. Items are Float4 groups (launch over n/4 items); the last
/// n % 4 elements are done by thread 0. Views must start 16-byte aligned (Work.cs).
/// </summary>
[OpKind("elementwise", ByOpStruct = true)]
public static class ElementwiseKernels
{
    /// <summary>y = op(x).</summary>
    [Kernel]
    public static void Map<TOp>(ArrayView<float> x, ArrayView<float> y, int n, int chunk) where TOp : struct, IUnaryOp
    {
        var op = default(TOp);
        var x4 = x.Cast<Float4>();
        var y4 = y.Cast<Float4>();
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++)
            {
                var v = x4[i];
                y4[i] = new Float4(op.Forward(v.X), op.Forward(v.Y), op.Forward(v.Z), op.Forward(v.W));
            }
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++) y[i] = op.Forward(x[i]);
    }

    /// <summary>dx = op'(x) * dy, or dx += ... when <paramref name="accumulate"/> is 1.</summary>
    [Kernel]
    public static void MapBackward<TOp>(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, int n, int accumulate, int chunk)
        where TOp : struct, IUnaryOp
    {
        var op = default(TOp);
        var x4 = x.Cast<Float4>();
        var dy4 = dy.Cast<Float4>();
        var dx4 = dx.Cast<Float4>();
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++)
            {
                var v = x4[i];
                var g = dy4[i];
                var r = new Float4(op.Backward(v.X, g.X), op.Backward(v.Y, g.Y), op.Backward(v.Z, g.Z), op.Backward(v.W, g.W));
                if (accumulate != 0)
                {
                    var old = dx4[i];
                    r = new Float4(old.X + r.X, old.Y + r.Y, old.Z + r.Z, old.W + r.W);
                }
                dx4[i] = r;
            }
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++)
                dx[i] = op.Backward(x[i], dy[i]) + (accumulate != 0 ? dx[i] : 0f);
    }

    /// <summary>y = op(a, b) for same-shaped operands.</summary>
    [Kernel]
    public static void Zip<TOp>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int n, int chunk) where TOp : struct, IBinaryOp
    {
        var op = default(TOp);
        var a4 = a.Cast<Float4>();
        var b4 = b.Cast<Float4>();
        var y4 = y.Cast<Float4>();
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++)
            {
                var u = a4[i];
                var v = b4[i];
                y4[i] = new Float4(op.Forward(u.X, v.X), op.Forward(u.Y, v.Y), op.Forward(u.Z, v.Z), op.Forward(u.W, v.W));
            }
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++) y[i] = op.Forward(a[i], b[i]);
    }

    /// <summary>
    /// y = op(a, b) where b is broadcast: a is viewed as (outer, mid, inner) and b holds one value per
    /// mid (bOuterStride = 0, e.g. a per-channel bias over NCDHW) or per (outer, mid) (bOuterStride = mid,
    /// e.g. squeeze-excitation scales of shape N x C). One item per element.
    /// </summary>
    [Kernel]
    public static void ZipBroadcast<TOp>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int n, int inner, int mid, int bOuterStride, int chunk)
        where TOp : struct, IBinaryOp
    {
        var op = default(TOp);
        for (var work = Work.Ranges(n, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            int row = start / inner;  // index of the (outer, mid) row; walked incrementally below
            int col = start - row * inner;
            for (int i = start; i < end; i++)
            {
                int bIndex = row % mid + row / mid * bOuterStride;
                y[i] = op.Forward(a[i], b[bIndex]);
                if (++col == inner) { col = 0; row++; }
            }
        }
    }

    /// <summary>
    /// Gradient of ZipBroadcast for the full-size operand a: da (+)= GradA(a, b, dy).
    /// </summary>
    [Kernel]
    public static void ZipBroadcastGradA<TOp>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> dy, ArrayView<float> da,
        int n, int inner, int mid, int bOuterStride, int accumulate, int chunk)
        where TOp : struct, IBinaryOp
    {
        var op = default(TOp);
        for (var work = Work.Ranges(n, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            int row = start / inner;
            int col = start - row * inner;
            for (int i = start; i < end; i++)
            {
                int bIndex = row % mid + row / mid * bOuterStride;
                float g = op.GradA(a[i], b[bIndex], dy[i]);
                da[i] = accumulate != 0 ? da[i] + g : g;
                if (++col == inner) { col = 0; row++; }
            }
        }
    }

    /// <summary>
    /// Per-element terms of the broadcast operand's gradient, t = GradB(a, b, dy), written full size;
    /// the caller reduces them over the broadcast axes (ReductionKernels).
    /// </summary>
    [Kernel]
    public static void ZipBroadcastGradBTerms<TOp>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> dy, ArrayView<float> terms,
        int n, int inner, int mid, int bOuterStride, int chunk)
        where TOp : struct, IBinaryOp
    {
        var op = default(TOp);
        for (var work = Work.Ranges(n, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            int row = start / inner;
            int col = start - row * inner;
            for (int i = start; i < end; i++)
            {
                int bIndex = row % mid + row / mid * bOuterStride;
                terms[i] = op.GradB(a[i], b[bIndex], dy[i]);
                if (++col == inner) { col = 0; row++; }
            }
        }
    }

    /// <summary>
    /// y[i] = scale * b[(i / inner) % mid]: expands b over the (outer, mid, inner) view of y; the
    /// backward of every sum over broadcast axes.
    /// </summary>
    [Kernel]
    public static void Expand(ArrayView<float> b, ArrayView<float> y, int n, int inner, int mid, float scale, int chunk)
    {
        for (var work = Work.Ranges(n, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            int row = start / inner;
            int col = start - row * inner;
            for (int i = start; i < end; i++)
            {
                y[i] = scale * b[row % mid];
                if (++col == inner) { col = 0; row++; }
            }
        }
    }

    /// <summary>y = alpha * x + beta * y (beta = 0 never reads y, so y may hold garbage).</summary>
    [Kernel]
    public static void Axpby(ArrayView<float> x, ArrayView<float> y, float alpha, float beta, int n, int chunk)
    {
        var x4 = x.Cast<Float4>();
        var y4 = y.Cast<Float4>();
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++)
            {
                var v = x4[i];
                if (beta == 0f)
                {
                    y4[i] = new Float4(alpha * v.X, alpha * v.Y, alpha * v.Z, alpha * v.W);
                }
                else
                {
                    var u = y4[i];
                    y4[i] = new Float4(alpha * v.X + beta * u.X, alpha * v.Y + beta * u.Y, alpha * v.Z + beta * u.Z, alpha * v.W + beta * u.W);
                }
            }
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++) y[i] = beta == 0f ? alpha * x[i] : alpha * x[i] + beta * y[i];
    }

    /// <summary>y = value everywhere.</summary>
    [Kernel]
    public static void Fill(ArrayView<float> y, float value, int n, int chunk)
    {
        var y4 = y.Cast<Float4>();
        var v = new Float4(value, value, value, value);
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++) y4[i] = v;
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++) y[i] = value;
    }
}
