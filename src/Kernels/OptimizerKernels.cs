using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Fused optimizer updates (all state on the device) and the kernels of global gradient-norm clipping.
/// An update launch covers one parameter tensor or, in the normal case, an optimizer's whole flat buffer
/// (every parameter at once: the update is elementwise with the same hyperparameters). The update kernels
/// walk Float4 groups (launch over n/4 items) and thread 0 does the last n % 4 elements, like
/// ElementwiseKernels; their counters are long, so n may reach int.MaxValue. Hyperparameters that depend on
/// the step (bias corrections) are computed in double on the host and passed as floats. With
/// <c>ScaleGrad</c> set, the gradient is first multiplied by scale[0] (the clipping coefficient, read from
/// device memory) and stored back, exactly as a separate <see cref="ScaleByDeviceScalar"/> pass would.
/// </summary>
[OpKind("optimizer")]
public static partial class OptimizerKernels
{
    /// <summary>
    /// torch.optim.SGD: d = g + wd * p; with momentum, buf = d on the parameter's first step
    /// (<see cref="SgdHyper.First"/> = 1, no dampening) else momentum * buf + (1 - dampening) * d, and
    /// d = d + momentum * buf (nesterov) or d = buf; then p -= lr * d. With momentum 0 buf is never touched.
    /// 1 - dampening comes computed in double, as in PyTorch.
    /// </summary>
    [Kernel]
    public static void SgdStep(ArrayView<float> p, ArrayView<float> g, ArrayView<float> buf, ArrayView<float> scale, SgdHyper h, int n, int chunk)
    {
        var p4 = p.Cast<Float4>();
        var g4 = g.Cast<Float4>();
        var b4 = buf.Cast<Float4>();
        long n4 = n >> 2, step = (long)Work.ThreadCount * chunk;
        bool useMomentum = h.Momentum != 0f, readBuffer = useMomentum && h.First == 0, scaled = h.ScaleGrad != 0;
        float s = scaled ? scale[0] : 1f;
        for (long start = (long)Work.ThreadIndex * chunk; start < n4; start += step)
        {
            long end = Math.Min(start + chunk, n4);
            for (long i = start; i < end; i++)
            {
                var pv = p4[i];
                var gv = g4[i];
                if (scaled)
                {
                    gv = new Float4(s * gv.X, s * gv.Y, s * gv.Z, s * gv.W);
                    g4[i] = gv;
                }
                var bv = readBuffer ? b4[i] : default;
                var x = Sgd(pv.X, gv.X, bv.X, h);
                var y = Sgd(pv.Y, gv.Y, bv.Y, h);
                var z = Sgd(pv.Z, gv.Z, bv.Z, h);
                var w = Sgd(pv.W, gv.W, bv.W, h);
                p4[i] = new Float4(x.Param, y.Param, z.Param, w.Param);
                if (useMomentum) b4[i] = new Float4(x.Buffer, y.Buffer, z.Buffer, w.Buffer);
            }
        }
        if (Work.ThreadIndex == 0)
            for (long i = n4 << 2; i < n; i++)
            {
                float gi = g[i];
                if (scaled)
                {
                    gi = s * gi;
                    g[i] = gi;
                }
                var r = Sgd(p[i], gi, readBuffer ? buf[i] : 0f, h);
                p[i] = r.Param;
                if (useMomentum) buf[i] = r.Buffer;
            }
    }

    private static SgdResult Sgd(float p, float g, float buf, SgdHyper h)
    {
        float d = g + h.WeightDecay * p;
        if (h.Momentum != 0f)
        {
            buf = h.First != 0 ? d : h.Momentum * buf + h.OneMinusDampening * d;
            d = h.Nesterov != 0 ? d + h.Momentum * buf : buf;
        }
        return new SgdResult(p - h.LearningRate * d, buf);
    }

    private readonly struct SgdResult(float param, float buffer)
    {
        public readonly float Param = param;
        public readonly float Buffer = buffer;
    }

    /// <summary>
    /// torch.optim.Adam / AdamW: p *= decay (AdamW: 1 - lr * wd, else 1); g += l2 * p (Adam's weight_decay,
    /// else 0); m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= stepSize * m / (sqrt(v) / bc2Sqrt + eps)
    /// with stepSize = lr / (1 - b1^t) and bc2Sqrt = sqrt(1 - b2^t), in PyTorch's order of operations. The
    /// kernel takes 1 - b1 and 1 - b2 computed in double, as PyTorch does: 1f - 0.999f in float is off by
    /// 1.3e-5 relative.
    /// </summary>
    [Kernel]
    public static void AdamStep(ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, ArrayView<float> scale,
        AdamHyper h, int n, int chunk)
    {
        var p4 = p.Cast<Float4>();
        var g4 = g.Cast<Float4>();
        var m4 = m.Cast<Float4>();
        var v4 = v.Cast<Float4>();
        long n4 = n >> 2, step = (long)Work.ThreadCount * chunk;
        bool scaled = h.ScaleGrad != 0;
        float s = scaled ? scale[0] : 1f;
        for (long start = (long)Work.ThreadIndex * chunk; start < n4; start += step)
        {
            long end = Math.Min(start + chunk, n4);
            for (long i = start; i < end; i++)
            {
                var pv = p4[i];
                var gv = g4[i];
                if (scaled)
                {
                    gv = new Float4(s * gv.X, s * gv.Y, s * gv.Z, s * gv.W);
                    g4[i] = gv;
                }
                var mv = m4[i];
                var vv = v4[i];
                var x = Adam(pv.X, gv.X, mv.X, vv.X, h);
                var y = Adam(pv.Y, gv.Y, mv.Y, vv.Y, h);
                var z = Adam(pv.Z, gv.Z, mv.Z, vv.Z, h);
                var w = Adam(pv.W, gv.W, mv.W, vv.W, h);
                p4[i] = new Float4(x.Param, y.Param, z.Param, w.Param);
                m4[i] = new Float4(x.Mean, y.Mean, z.Mean, w.Mean);
                v4[i] = new Float4(x.Variance, y.Variance, z.Variance, w.Variance);
            }
        }
        if (Work.ThreadIndex == 0)
            for (long i = n4 << 2; i < n; i++)
            {
                float gi = g[i];
                if (scaled)
                {
                    gi = s * gi;
                    g[i] = gi;
                }
                var r = Adam(p[i], gi, m[i], v[i], h);
                p[i] = r.Param;
                m[i] = r.Mean;
                v[i] = r.Variance;
            }
    }

    private static AdamResult Adam(float p, float g, float m, float v, AdamHyper h)
    {
        p *= h.Decay;
        g += h.L2 * p;
        m = (1f - h.OneMinusBeta1) * m + h.OneMinusBeta1 * g;
        v = (1f - h.OneMinusBeta2) * v + h.OneMinusBeta2 * g * g;
        float denom = MathF.Sqrt(v) / h.Bc2Sqrt + h.Eps;
        return new AdamResult(p - h.StepSize * m / denom, m, v);
    }

    private readonly struct AdamResult(float param, float mean, float variance)
    {
        public readonly float Param = param;
        public readonly float Mean = mean;
        public readonly float Variance = variance;
    }

    /// <summary>
    /// Global-norm clipping, combine step (one item): norm[0] = sqrt(sum of squaredNorms[0..count)), added in
    /// index order, and coefficient[0] = min(1, maxNorm / (norm + 1e-6)), as torch.nn.utils.clip_grad_norm_.
    /// squaredNorms are per-tensor sums of squares or the partial sums of one reduction over a flat gradient
    /// buffer. Runs on the device so that the scaling reads the coefficient without a host round trip.
    /// </summary>
    [Kernel]
    public static void ClipCoefficient(ArrayView<float> squaredNorms, ArrayView<float> norm, ArrayView<float> coefficient,
        int count, float maxNorm, int chunk)
    {
        int step = Work.ThreadCount * chunk;
        for (int start = Work.ThreadIndex * chunk; start < 1; start += step)
        {
            float sum = 0f;
            for (int j = 0; j < count; j++) sum += squaredNorms[j];
            float total = MathF.Sqrt(sum);
            norm[0] = total;
            coefficient[0] = MathF.Min(1f, maxNorm / (total + 1e-6f));
        }
    }

    /// <summary>Float4 groups (x 4 values) summed into one partial before it joins a thread's total (SquaredNormPartialsCpu).</summary>
    public const int SquaredNormBlock = 128;

    /// <summary>x *= scale[0], the scale read from device memory (clipping coefficient).</summary>
    [Kernel]
    public static void ScaleByDeviceScalar(ArrayView<float> x, ArrayView<float> scale, int n, int chunk)
    {
        float s = scale[0];
        var x4 = x.Cast<Float4>();
        long n4 = n >> 2, step = (long)Work.ThreadCount * chunk;
        for (long start = (long)Work.ThreadIndex * chunk; start < n4; start += step)
        {
            long end = Math.Min(start + chunk, n4);
            for (long i = start; i < end; i++)
            {
                var v = x4[i];
                x4[i] = new Float4(s * v.X, s * v.Y, s * v.Z, s * v.W);
            }
        }
        if (Work.ThreadIndex == 0)
            for (long i = n4 << 2; i < n; i++) x[i] = s * x[i];
    }
}

/// <summary>Hyperparameters of one <see cref="OptimizerKernels.SgdStep"/> launch.</summary>
public struct SgdHyper
{
    public float LearningRate, Momentum, OneMinusDampening, WeightDecay;

    /// <summary>Nesterov momentum: 1 or 0.</summary>
    public int Nesterov;

    /// <summary>1 when the momentum buffers start this step (buf = d, nothing read), else 0.</summary>
    public int First;

    /// <summary>1: multiply the gradient by scale[0] first and store it back (fused clipping), else 0.</summary>
    public int ScaleGrad;
}

/// <summary>Hyperparameters of one <see cref="OptimizerKernels.AdamStep"/> launch.</summary>
public struct AdamHyper
{
    public float OneMinusBeta1, OneMinusBeta2, Eps, StepSize, Bc2Sqrt, L2, Decay;

    /// <summary>1: multiply the gradient by scale[0] first and store it back (fused clipping), else 0.</summary>
    public int ScaleGrad;
}
