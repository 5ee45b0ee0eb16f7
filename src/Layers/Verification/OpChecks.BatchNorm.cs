using System.Globalization;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    [CheckFamily]
    private static IEnumerable<OpCheck> BatchNorm()
    {
        // Training (batch statistics): batch 2 with Spatial % 4 == 0 (Float4 passes), batch 1 with an odd
        // spatial size (scalar passes), odd sizes, rank 2 (N, C) and rank 3 inputs.
        yield return BatchNormCheck([2, 3, 2, 3, 4], training: true);
        yield return BatchNormCheck([1, 3, 3, 5, 7], training: true);
        yield return BatchNormCheck([3, 5, 3, 1, 7], training: true);
        yield return BatchNormCheck([7, 5], training: true);
        yield return BatchNormCheck([4, 3, 5], training: true);
        // Evaluation (running statistics): constants, so dx has no statistics terms.
        yield return BatchNormCheck([2, 3, 2, 3, 4], training: false);
        yield return BatchNormCheck([3, 2, 5, 1, 3], training: false);
        // Fused SiLU and fused residual add (with and without stochastic depth's per-sample scale).
        yield return BatchNormCheck([2, 4, 3, 3, 4], training: true, silu: true);
        yield return BatchNormCheck([1, 3, 3, 5, 7], training: true, silu: true);
        yield return BatchNormCheck([2, 3, 2, 3, 4], training: false, silu: true);
        yield return BatchNormCheck([2, 3, 2, 3, 4], training: true, residual: true);
        yield return BatchNormCheck([3, 3, 1, 5, 3], training: true, residual: true, branch: [1.25f, 0f, 1.25f]);
        yield return BatchNormCheck([2, 3, 4, 1, 5], training: false, residual: true, branch: [0f, 1.25f]);
        yield return BatchNormCheck([2, 4, 3, 3, 4], training: true, silu: true, residual: true, branch: [1.25f, 0.5f]);
        // A channel with gamma = beta = 0 puts every SiLU input z at exactly 0: the CPU backward, which reads the
        // sigmoid as y / z from the forward's output, must take its limit 1/2 there (training and evaluation).
        yield return BatchNormCheck([2, 3, 2, 3, 4], training: true, silu: true, zeroChannel: 1);
        yield return BatchNormCheck([1, 3, 3, 5, 7], training: false, silu: true, zeroChannel: 2);
        // Gamma and beta constants: evaluation then needs no sums (dx = gamma * invstd * g, coefficients only), and
        // training must leave them without a gradient.
        yield return BatchNormCheck([2, 3, 2, 3, 4], training: false, constantAffine: true);
        yield return BatchNormCheck([1, 3, 3, 5, 7], training: false, silu: true, constantAffine: true);
        yield return BatchNormCheck([2, 4, 3, 3, 4], training: true, silu: true, constantAffine: true);
        // The running-statistics update against float64.
        yield return new BatchNormRunningStatsCheck([2, 3, 2, 3, 4]);
        yield return new BatchNormRunningStatsCheck([1, 4, 3, 5, 7]);
    }

    /// <summary>
    /// GradCheck of Ops.BatchNorm3d: inputs x (mean 1.5, std 2), weight, bias, then running mean and
    /// variance as constants, then the residual when fused. Gradients flow to x, weight, bias (unless
    /// <paramref name="constantAffine"/>) and the residual; <paramref name="zeroChannel"/> has gamma = beta = 0.
    /// </summary>
    private static GradCheck BatchNormCheck(int[] shape, bool training, bool silu = false, bool residual = false, float[]? branch = null,
        int zeroChannel = -1, bool constantAffine = false)
    {
        int n = shape[0], c = shape[1], s = (int)(Tensor.NumberOf(shape) / ((long)n * c));
        var affine = new CheckInput([c], (r, i) => i == zeroChannel ? 0 : CheckInput.Gaussian(r), Differentiable: !constantAffine);
        var inputs = new List<CheckInput>
        {
            new(shape, r => 1.5 + 2 * CheckInput.Gaussian(r)),
            affine,
            affine,
            CheckInput.Constant([c], CheckInput.Gaussian),
            CheckInput.Constant([c], r => 0.5 + r.NextDouble()),
        };
        if (residual) inputs.Add(CheckInput.Normal(shape));
        string name = "batchnorm3d" + (silu ? "_silu" : "") + (residual ? "_add" : "");
        double[]? branchValues = branch?.Select(v => (double)v).ToArray();
        return new GradCheck(name, inputs.ToArray(),
            t => Ops.BatchNorm3d(t[0], t[1], t[2], t[3], t[4], training, 0.1f, 1e-5f, silu, residual ? t[5] : null,
                branch != null ? Tensor.FromArray(t[0].Device, branch, n) : null),
            x => Reference.BatchNorm(x[0], x[1], x[2], x[3], x[4], n, c, s, training, 1e-5, silu ? Reference.Silu : null,
                residual ? x[5] : null, branchValues))
        {
            Details = (training ? "train" : "eval") + (branch != null ? " branch " + string.Join(",", branch.Select(v => v.ToString(CultureInfo.InvariantCulture))) : "")
                + (zeroChannel >= 0 ? $" gamma=beta=0 on channel {zeroChannel}" : "") + (constantAffine ? " gamma,beta const" : ""),
            CoveredOps = [name, "BatchNorm3d"],
        };
    }
}

/// <summary>
/// The running statistics after two training forwards (momentum 0.3, then 0.1) and one evaluation forward
/// (which must leave them alone) against Reference.BatchNormRunningUpdate; data with mean 3, std 2.
/// ForwardError is the worst relative error of running_mean and running_var.
/// </summary>
public sealed class BatchNormRunningStatsCheck(int[] shape, double tolerance = 1e-5) : OpCheck
{
    public override string Name => "batchnorm3d_running_stats";

    public override string Shape => "[" + string.Join("x", shape) + "]";

    public override IReadOnlyList<string> Covers => [Name, "BatchNorm3d"];

    public override long Work => 3 * Tensor.NumberOf(shape);

    public override CheckResult Run(Device device, int seed)
    {
        var rng = new Random(seed);
        int n = shape[0], c = shape[1], s = (int)(Tensor.NumberOf(shape) / ((long)n * c));
        double[] Draw(int count, Func<double> f) => Enumerable.Range(0, count).Select(_ => (double)(float)f()).ToArray();
        var batches = new[] { 0, 1, 2 }.Select(_ => Draw(n * c * s, () => 3 + 2 * CheckInput.Gaussian(rng))).ToArray();
        var gamma = Draw(c, () => CheckInput.Gaussian(rng));
        var beta = Draw(c, () => CheckInput.Gaussian(rng));
        var mean = Draw(c, () => CheckInput.Gaussian(rng));
        var variance = Draw(c, () => 0.5 + rng.NextDouble());
        float[] momenta = [0.3f, 0.1f];

        var poison = TensorPoison.Scope();
        try
        {
            using var scope = new TensorScope();
            Tensor Upload(double[] v, params int[] dims) => Tensor.FromArray(device, v.Select(a => (float)a).ToArray(), dims);
            var w = Upload(gamma, c);
            var b = Upload(beta, c);
            var runningMean = Upload(mean, c);
            var runningVar = Upload(variance, c);
            for (int k = 0; k < 3; k++)
            {
                bool training = k < 2;
                Ops.BatchNorm3d(Upload(batches[k], shape), w, b, runningMean, runningVar, training, training ? momenta[k] : 0.5f);
                if (training) Reference.BatchNormRunningUpdate(batches[k], mean, variance, n, c, s, momenta[k]);
            }
            double error = OptimizerCheck.Worst(RelativeError(runningMean.ToArray(), mean), RelativeError(runningVar.ToArray(), variance));
            bool passed = error <= tolerance;
            return new CheckResult(Name, Shape, OpChecks.VariantOf(device), error, double.NaN, passed,
                passed ? null : string.Format(CultureInfo.InvariantCulture, "tolerance {0:G2}", tolerance));
        }
        finally
        {
            poison.Dispose();
        }
    }
}
