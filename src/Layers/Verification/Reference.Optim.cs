namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>
    /// One torch.optim.SGD update of one parameter, in place. <paramref name="buffer"/> is the momentum
    /// buffer, null before the parameter's first update (then it becomes a copy of the decayed gradient).
    /// </summary>
    public static void SgdStep(double[] p, double[] g, ref double[]? buffer, double lr, double momentum, double dampening,
        double weightDecay, bool nesterov)
    {
        var d = new double[p.Length];
        for (int i = 0; i < p.Length; i++) d[i] = g[i] + weightDecay * p[i];
        if (momentum != 0)
        {
            if (buffer == null)
                buffer = (double[])d.Clone();
            else
                for (int i = 0; i < p.Length; i++) buffer[i] = momentum * buffer[i] + (1 - dampening) * d[i];
            for (int i = 0; i < p.Length; i++) d[i] = nesterov ? d[i] + momentum * buffer[i] : buffer[i];
        }
        for (int i = 0; i < p.Length; i++) p[i] -= lr * d[i];
    }

    /// <summary>
    /// One torch.optim.Adam (or, with <paramref name="decoupled"/>, AdamW) update of one parameter, in
    /// place; <paramref name="step"/> is the parameter's update count including this one (1 first).
    /// </summary>
    public static void AdamStep(double[] p, double[] g, double[] m, double[] v, long step, double lr, double beta1, double beta2,
        double eps, double weightDecay, bool decoupled)
    {
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        for (int i = 0; i < p.Length; i++)
        {
            double grad = g[i];
            if (decoupled) p[i] *= 1 - lr * weightDecay;
            else grad += weightDecay * p[i];
            m[i] = beta1 * m[i] + (1 - beta1) * grad;
            v[i] = beta2 * v[i] + (1 - beta2) * grad * grad;
            p[i] -= lr * (m[i] / bc1) / (Math.Sqrt(v[i] / bc2) + eps);
        }
    }

    /// <summary>torch.nn.utils.clip_grad_norm_ over the gradients, in place; returns the total norm before clipping.</summary>
    public static double ClipGlobalNorm(double[][] grads, double maxNorm)
    {
        double sum = 0;
        foreach (var g in grads)
            foreach (var x in g) sum += x * x;
        double norm = Math.Sqrt(sum);
        double coefficient = Math.Min(1, maxNorm / (norm + 1e-6));
        foreach (var g in grads)
            for (int i = 0; i < g.Length; i++) g[i] *= coefficient;
        return norm;
    }
}
