using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Fused optimizer updates (one launch per parameter tensor, all state on the device) and the kernels
/// of global gradient-norm clipping. The update kernels walk Float4 groups (launch over n/4 items) and
/// thread 0 does the last n % 4 elements, like ElementwiseKernels. Hyperparameters that depend on the
/// step (bias corrections) are computed in double on the host and passed as floats.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>
    /// torch.optim.SGD for one tensor: d = g + wd * p; with momentum, buf = d on the parameter's first
    /// step (<paramref name="first"/> = 1, no dampening) else momentum * buf + (1 - dampening) * d, and
    /// d = d + momentum * buf (nesterov) or d = buf; then p -= lr * d. With momentum 0 buf is never touched.
    /// 1 - dampening comes computed in double, as in PyTorch.
    /// </summary>
    [Kernel]
    public static void SgdStep(ArrayView<float> p, ArrayView<float> g, ArrayView<float> buf,
        float lr, float momentum, float oneMinusDampening, float weightDecay, int nesterov, int first, int n, int chunk)
    {
        var p4 = p.Cast<Float4>();
        var g4 = g.Cast<Float4>();
        var b4 = buf.Cast<Float4>();
        int n4 = n >> 2, step = Work.ThreadCount * chunk;
        bool useMomentum = momentum != 0f;
        for (int start = Work.ThreadIndex * chunk; start < n4; start += step)
        {
            int end = Math.Min(start + chunk, n4);
            for (int i = start; i < end; i++)
            {
                var pv = p4[i];
                var gv = g4[i];
                var bv = useMomentum && first == 0 ? b4[i] : default;
                var x = Sgd(pv.X, gv.X, bv.X, lr, momentum, oneMinusDampening, weightDecay, nesterov, first);
                var y = Sgd(pv.Y, gv.Y, bv.Y, lr, momentum, oneMinusDampening, weightDecay, nesterov, first);
                var z = Sgd(pv.Z, gv.Z, bv.Z, lr, momentum, oneMinusDampening, weightDecay, nesterov, first);
                var w = Sgd(pv.W, gv.W, bv.W, lr, momentum, oneMinusDampening, weightDecay, nesterov, first);
                p4[i] = new Float4(x.Param, y.Param, z.Param, w.Param);
                if (useMomentum) b4[i] = new Float4(x.Buffer, y.Buffer, z.Buffer, w.Buffer);
            }
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++)
            {
                var r = Sgd(p[i], g[i], useMomentum && first == 0 ? buf[i] : 0f, lr, momentum, oneMinusDampening, weightDecay, nesterov, first);
                p[i] = r.Param;
                if (useMomentum) buf[i] = r.Buffer;
            }
    }

    private static SgdResult Sgd(float p, float g, float buf, float lr, float momentum, float oneMinusDampening, float weightDecay, int nesterov, int first)
    {
        float d = g + weightDecay * p;
        if (momentum != 0f)
        {
            buf = first != 0 ? d : momentum * buf + oneMinusDampening * d;
            d = nesterov != 0 ? d + momentum * buf : buf;
        }
        return new SgdResult(p - lr * d, buf);
    }

    private readonly struct SgdResult(float param, float buffer)
    {
        public readonly float Param = param;
        public readonly float Buffer = buffer;
    }

    /// <summary>
    /// torch.optim.Adam / AdamW for one tensor: p *= decay (AdamW: 1 - lr * wd, else 1); g += l2 * p
    /// (Adam's weight_decay, else 0); m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// p -= stepSize * m / (sqrt(v) / bc2Sqrt + eps) with stepSize = lr / (1 - b1^t) and
    /// bc2Sqrt = sqrt(1 - b2^t), in PyTorch's order of operations. The kernel takes 1 - b1 and 1 - b2
    /// computed in double, as PyTorch does: 1f - 0.999f in float is off by 1.3e-5 relative.
    /// </summary>
    [Kernel]
    public static void AdamStep(ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v,
        float oneMinusBeta1, float oneMinusBeta2, float eps, float stepSize, float bc2Sqrt, float l2, float decay, int n, int chunk)
    {
        var p4 = p.Cast<Float4>();
        var g4 = g.Cast<Float4>();
        var m4 = m.Cast<Float4>();
        var v4 = v.Cast<Float4>();
        int n4 = n >> 2, step = Work.ThreadCount * chunk;
        for (int start = Work.ThreadIndex * chunk; start < n4; start += step)
        {
            int end = Math.Min(start + chunk, n4);
            for (int i = start; i < end; i++)
            {
                var pv = p4[i];
                var gv = g4[i];
                var mv = m4[i];
                var vv = v4[i];
                var x = Adam(pv.X, gv.X, mv.X, vv.X, oneMinusBeta1, oneMinusBeta2, eps, stepSize, bc2Sqrt, l2, decay);
                var y = Adam(pv.Y, gv.Y, mv.Y, vv.Y, oneMinusBeta1, oneMinusBeta2, eps, stepSize, bc2Sqrt, l2, decay);
                var z = Adam(pv.Z, gv.Z, mv.Z, vv.Z, oneMinusBeta1, oneMinusBeta2, eps, stepSize, bc2Sqrt, l2, decay);
                var w = Adam(pv.W, gv.W, mv.W, vv.W, oneMinusBeta1, oneMinusBeta2, eps, stepSize, bc2Sqrt, l2, decay);
                p4[i] = new Float4(x.Param, y.Param, z.Param, w.Param);
                m4[i] = new Float4(x.Mean, y.Mean, z.Mean, w.Mean);
                v4[i] = new Float4(x.Variance, y.Variance, z.Variance, w.Variance);
            }
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++)
            {
                var r = Adam(p[i], g[i], m[i], v[i], oneMinusBeta1, oneMinusBeta2, eps, stepSize, bc2Sqrt, l2, decay);
                p[i] = r.Param;
                m[i] = r.Mean;
                v[i] = r.Variance;
            }
    }

    private static AdamResult Adam(float p, float g, float m, float v,
        float oneMinusBeta1, float oneMinusBeta2, float eps, float stepSize, float bc2Sqrt, float l2, float decay)
    {
        p *= decay;
        g += l2 * p;
        m = (1f - oneMinusBeta1) * m + oneMinusBeta1 * g;
        v = (1f - oneMinusBeta2) * v + oneMinusBeta2 * g * g;
        float denom = MathF.Sqrt(v) / bc2Sqrt + eps;
        return new AdamResult(p - stepSize * m / denom, m, v);
    }

    private readonly struct AdamResult(float param, float mean, float variance)
    {
        public readonly float Param = param;
        public readonly float Mean = mean;
        public readonly float Variance = variance;
    }

    /// <summary>
    /// Global-norm clipping, combine step (one item): norm[0] = sqrt(sum of squaredNorms[0..count)) and
    /// coefficient[0] = min(1, maxNorm / (norm + 1e-6)), as torch.nn.utils.clip_grad_norm_. Runs on the
    /// device so that the scaling reads the coefficient without a host round trip.
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

    /// <summary>x *= scale[0], the scale read from device memory (clipping coefficient).</summary>
    [Kernel]
    public static void ScaleByDeviceScalar(ArrayView<float> x, ArrayView<float> scale, int n, int chunk)
    {
        float s = scale[0];
        var x4 = x.Cast<Float4>();
        int n4 = n >> 2, step = Work.ThreadCount * chunk;
        for (int start = Work.ThreadIndex * chunk; start < n4; start += step)
        {
            int end = Math.Min(start + chunk, n4);
            for (int i = start; i < end; i++)
            {
                var v = x4[i];
                x4[i] = new Float4(s * v.X, s * v.Y, s * v.Z, s * v.W);
            }
        }
        if (Work.ThreadIndex == 0)
            for (int i = n4 << 2; i < n; i++) x[i] = s * x[i];
    }
}
