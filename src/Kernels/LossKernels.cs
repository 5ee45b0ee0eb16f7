using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// A per-element loss term l(x, t; p) with its partial derivatives; p is the op's scalar parameter
/// (Huber's delta, BCE's positive-class weight). The losses reduce with the mean, so the kernels below
/// sum these terms and the caller scales by 1 / n.
/// </summary>
public interface IPointLoss
{
    float Loss(float x, float t, float p);

    float GradX(float x, float t, float p);

    float GradT(float x, float t, float p);
}

public struct MseLossOp : IPointLoss
{
    public readonly float Loss(float x, float t, float p) { float d = x - t; return d * d; }

    public readonly float GradX(float x, float t, float p) => 2f * (x - t);

    public readonly float GradT(float x, float t, float p) => 2f * (t - x);
}

public struct L1LossOp : IPointLoss
{
    public readonly float Loss(float x, float t, float p) => MathF.Abs(x - t);

    // PyTorch's sign(x - t): 0 where x == t.
    public readonly float GradX(float x, float t, float p) => x > t ? 1f : x < t ? -1f : 0f;

    public readonly float GradT(float x, float t, float p) => x > t ? -1f : x < t ? 1f : 0f;
}

/// <summary>PyTorch's HuberLoss with delta = p: 0.5 d^2 for |d| &lt; delta, else delta * (|d| - 0.5 delta).</summary>
public struct HuberLossOp : IPointLoss
{
    public readonly float Loss(float x, float t, float p)
    {
        float d = x - t, a = MathF.Abs(d);
        return a < p ? 0.5f * d * d : p * (a - 0.5f * p);
    }

    public readonly float GradX(float x, float t, float p) => Clip(x - t, p);

    public readonly float GradT(float x, float t, float p) => -Clip(x - t, p);

    private static float Clip(float d, float delta) => d < -delta ? -delta : d > delta ? delta : d;
}

/// <summary>
/// Binary cross-entropy on logits with positive-class weight p (1 = unweighted):
/// l = -(p t log s(x) + (1 - t) log(1 - s(x))) = (1 - t) x + (1 + (p - 1) t) softplus(-x). Split by the
/// sign of x so that no large terms cancel: x &gt;= 0 gives (1 - t) x, x &lt; 0 gives -p t x, plus
/// (1 + (p - 1) t) log(1 + exp(-|x|)); for p = 1 that is max(x, 0) - x t + log(1 + exp(-|x|)).
/// </summary>
public struct BceWithLogitsOp : IPointLoss
{
    public readonly float Loss(float x, float t, float p)
    {
        float linear = x >= 0f ? (1f - t) * x : -p * t * x;
        return linear + (1f + (p - 1f) * t) * Log1pExpNeg(MathF.Abs(x));
    }

    // d/dx = s(x) (1 + (p - 1) t) - p t, i.e. s(x) - t unweighted.
    public readonly float GradX(float x, float t, float p) => SigmoidOp.Sigmoid(x) * (1f + (p - 1f) * t) - p * t;

    // d/dt = -x + (p - 1) softplus(-x).
    public readonly float GradT(float x, float t, float p) => -x + (p - 1f) * (MathF.Max(-x, 0f) + Log1pExpNeg(MathF.Abs(x)));

    /// <summary>log(1 + exp(-a)) for a &gt;= 0; a short series where 1 + e would round the e away (no log1p in MathF).</summary>
    public static float Log1pExpNeg(float a)
    {
        float e = MathF.Exp(-a);
        return e < 1e-2f ? e * (1f - e * (0.5f - e * (1f / 3f))) : MathF.Log(1f + e);
    }
}

/// <summary>
/// Loss kernels. Pointwise losses (IPointLoss) read prediction and target once as Float4 streams and sum
/// their terms into per-thread (CPU) or per-group (CUDA) partials, which ReductionKernels.SumRows
/// combines in fixed order: deterministic, and no n-sized buffer of terms. Their backward is one fused
/// pass writing the prediction's and/or the target's gradient. Cross-entropy works per row of [N, K]
/// logits. The incoming gradient of the scalar loss is read on the device (dy[0]) so that nothing waits
/// for the host. An optional per-element parameter view (BCE's pos_weight) repeats with
/// <c>period</c> along the last axis; period 0 means the scalar <c>param</c> everywhere.
/// </summary>
[OpKind("loss")]
public static class LossKernels
{
    private static float Param(ArrayView<float> weight, int period, float param, int i) =>
        period == 0 ? param : weight[i % period];

    /// <summary>CPU: partials[thread] = sum of Loss(x[i], t[i]) over the thread's contiguous chunk of Float4 groups.</summary>
    [Kernel]
    public static void PointLossCpu<TOp>(ArrayView<float> x, ArrayView<float> t, ArrayView<float> weight, ArrayView<float> partials,
        int n, int period, float param, int chunk) where TOp : struct, IPointLoss
    {
        var op = default(TOp);
        var x4 = x.Cast<Float4>();
        var t4 = t.Cast<Float4>();
        // One accumulator per lane: four shorter float sums, and no dependency chain across lanes.
        float ax = 0f, ay = 0f, az = 0f, aw = 0f;
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++)
            {
                var u = x4[i];
                var v = t4[i];
                int e = i << 2;
                ax += op.Loss(u.X, v.X, Param(weight, period, param, e));
                ay += op.Loss(u.Y, v.Y, Param(weight, period, param, e + 1));
                az += op.Loss(u.Z, v.Z, Param(weight, period, param, e + 2));
                aw += op.Loss(u.W, v.W, Param(weight, period, param, e + 3));
            }
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++) ax += op.Loss(x[i], t[i], Param(weight, period, param, i));
        partials[Work.ThreadIndex] = (ax + ay) + (az + aw);
    }

    /// <summary>CUDA: partials[group] = sum of Loss over the group's grid-stride share of the Float4 groups (block tree).</summary>
    [Kernel(UsesBarriers = true)]
    public static void PointLossCuda<TOp>(ArrayView<float> x, ArrayView<float> t, ArrayView<float> weight, ArrayView<float> partials,
        int n, int period, float param) where TOp : struct, IPointLoss
    {
        var op = default(TOp);
        var x4 = x.Cast<Float4>();
        var t4 = t.Cast<Float4>();
        float acc = 0f;
        int n4 = n >> 2;
        for (int i = Grid.GlobalIndex.X; i < n4; i += Grid.DimX * Group.DimX)
        {
            var u = x4[i];
            var v = t4[i];
            int e = i << 2;
            acc += (op.Loss(u.X, v.X, Param(weight, period, param, e)) + op.Loss(u.Y, v.Y, Param(weight, period, param, e + 1)))
                 + (op.Loss(u.Z, v.Z, Param(weight, period, param, e + 2)) + op.Loss(u.W, v.W, Param(weight, period, param, e + 3)));
        }
        if (Grid.GlobalIndex.X == 0)
            for (int i = n4 << 2; i < n; i++) acc += op.Loss(x[i], t[i], Param(weight, period, param, i));
        float total = BlockSum(acc);
        if (Group.IdxX == 0) partials[Grid.IdxX] = total;
    }

    /// <summary>
    /// dx = GradX * g and/or dt = GradT * g with g = dy[0] * scale; <paramref name="outputs"/> bit 0 writes
    /// dx, bit 1 writes dt (an unwritten view may alias the other). Launch over n / 4 items.
    /// </summary>
    [Kernel]
    public static void PointLossBackward<TOp>(ArrayView<float> x, ArrayView<float> t, ArrayView<float> weight, ArrayView<float> dy,
        ArrayView<float> dx, ArrayView<float> dt, int n, int period, float param, float scale, int outputs, int chunk)
        where TOp : struct, IPointLoss
    {
        var op = default(TOp);
        var x4 = x.Cast<Float4>();
        var t4 = t.Cast<Float4>();
        var dx4 = dx.Cast<Float4>();
        var dt4 = dt.Cast<Float4>();
        float g = dy[0] * scale;
        bool writeX = (outputs & 1) != 0, writeT = (outputs & 2) != 0;
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int i = start; i < end; i++)
            {
                var u = x4[i];
                var v = t4[i];
                int e = i << 2;
                float p0 = Param(weight, period, param, e), p1 = Param(weight, period, param, e + 1);
                float p2 = Param(weight, period, param, e + 2), p3 = Param(weight, period, param, e + 3);
                if (writeX)
                    dx4[i] = new Float4(g * op.GradX(u.X, v.X, p0), g * op.GradX(u.Y, v.Y, p1), g * op.GradX(u.Z, v.Z, p2), g * op.GradX(u.W, v.W, p3));
                if (writeT)
                    dt4[i] = new Float4(g * op.GradT(u.X, v.X, p0), g * op.GradT(u.Y, v.Y, p1), g * op.GradT(u.Z, v.Z, p2), g * op.GradT(u.W, v.W, p3));
            }
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++)
            {
                float p = Param(weight, period, param, i);
                if (writeX) dx[i] = g * op.GradX(x[i], t[i], p);
                if (writeT) dt[i] = g * op.GradT(x[i], t[i], p);
            }
    }

    /// <summary>
    /// Cross-entropy per row of logits [rows, classes] with class indices stored as floats. stats has
    /// 4 * rows + 1 elements: [row max | log sum exp(x - max) | w[y] * nll | w[y]] and the weight sum. The
    /// launch's last thread to finish (Work.ArrivesLast) reduces the rows in row order: y[0] = sum of w[y] * nll /
    /// sum of w[y], so the loss takes one launch. The max and the log-sum are kept apart (not as one log-sum-exp)
    /// so that huge logits lose no precision. A target outside [0, classes) cannot throw here: its row
    /// gets NaN loss and weight, which turns the loss and every gradient into NaN instead of reading out
    /// of bounds.
    /// </summary>
    [Kernel]
    public static void CrossEntropyRows(ArrayView<float> logits, ArrayView<float> targets, ArrayView<float> classWeights, ArrayView<float> stats,
        ArrayView<float> y, ArrayView<int> arrivals, int rows, int classes, int weighted, int chunk)
    {
        for (var work = Work.Ranges(rows, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int r = start; r < end; r++)
            {
                long row = (long)r * classes;
                float max = logits[row];
                for (int j = 1; j < classes; j++) max = MathF.Max(max, logits[row + j]);
                float sum = 0f;
                for (int j = 0; j < classes; j++) sum += MathF.Exp(logits[row + j] - max);
                float logSum = MathF.Log(sum);
                stats[r] = max;
                stats[rows + r] = logSum;
                float target = targets[r];
                if (target >= 0f && target < classes)  // false for NaN too
                {
                    int c = (int)target;
                    float w = weighted != 0 ? classWeights[c] : 1f;
                    stats[2 * rows + r] = w * ((max - logits[row + c]) + logSum);
                    stats[3 * rows + r] = w;
                }
                else
                {
                    stats[2 * rows + r] = float.NaN;
                    stats[3 * rows + r] = float.NaN;
                }
            }
        }
        if (!Work.ArrivesLast(arrivals, Work.ThreadCount)) return;
        float loss = 0f, weight = 0f;
        for (int r = 0; r < rows; r++)
        {
            loss += stats[2 * rows + r];
            weight += stats[3 * rows + r];
        }
        y[0] = loss / weight;
        stats[4 * rows] = weight;
    }

    /// <summary>
    /// dlogits = (softmax - onehot(y)) * w[y] / sum w * dy[0], one item per logit.
    /// </summary>
    [Kernel]
    public static void CrossEntropyBackward(ArrayView<float> logits, ArrayView<float> targets, ArrayView<float> stats, ArrayView<float> dy,
        ArrayView<float> dlogits, int rows, int classes, int chunk)
    {
        int n = rows * classes;
        float g = dy[0] / stats[4 * rows];
        for (var work = Work.Ranges(n, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            int r = start / classes, j = start - r * classes;
            float max = 0f, logSum = 0f, scale = 0f;
            int c = -1;
            bool fresh = true;
            for (int i = start; i < end; i++)
            {
                if (fresh)
                {
                    max = stats[r];
                    logSum = stats[rows + r];
                    scale = stats[3 * rows + r] * g;
                    float target = targets[r];
                    c = target >= 0f && target < classes ? (int)target : -1;
                    fresh = false;
                }
                float p = MathF.Exp((logits[i] - max) - logSum);
                dlogits[i] = (j == c ? p - 1f : p) * scale;
                if (++j == classes) { j = 0; r++; fresh = true; }
            }
        }
    }

    /// <summary>Sum of <paramref name="value"/> over the group (ReductionKernels.BlockSize threads), valid in thread 0.</summary>
    private static float BlockSum(float value)
    {
        var shared = SharedMemory.Allocate<float>(ReductionKernels.BlockSize);
        int t = Group.IdxX;
        shared[t] = value;
        Group.Barrier();
        for (int width = ReductionKernels.BlockSize / 2; width > 0; width >>= 1)
        {
            if (t < width) shared[t] += shared[t + width];
            Group.Barrier();
        }
        return shared[0];
    }
}
