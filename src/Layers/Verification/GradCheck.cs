using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Verification;

/// <summary>How one input of a checked op is drawn.</summary>
/// <param name="Shape">The input's shape.</param>
/// <param name="Draw">Draws one value; keep away from kinks (ReLU at 0) where finite differences lie.</param>
/// <param name="Differentiable">False for labels, indices and other constants.</param>
public sealed record CheckInput(int[] Shape, Func<Random, double> Draw, bool Differentiable = true)
{
    public static CheckInput Normal(params int[] shape) => new(shape, r => Gaussian(r));

    public static CheckInput Uniform(double lo, double hi, params int[] shape) => new(shape, r => lo + (hi - lo) * r.NextDouble());

    /// <summary>Standard normal values at least <paramref name="gap"/> away from zero.</summary>
    public static CheckInput AwayFromZero(double gap, params int[] shape) =>
        new(shape, r => { double v = Gaussian(r); return v >= 0 ? v + gap : v - gap; });

    public static CheckInput Constant(int[] shape, Func<Random, double> draw) => new(shape, draw, false);

    public static double Gaussian(Random r) =>
        Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}

/// <summary>
/// Checks a differentiable op: the device op on fresh random inputs (new tensors poisoned with NaN)
/// against its float64 reference, then the analytic gradient of sum(w * op(x)) for random w against
/// central finite differences of the reference in float64.
/// </summary>
public sealed class GradCheck(
    string name,
    CheckInput[] inputs,
    Func<Tensor[], Tensor> op,
    Func<double[][], double[]> reference,
    double forwardTolerance = 1e-4,
    double backwardTolerance = 1e-3) : OpCheck
{
    public override string Name => name;

    public override string Shape => string.Join(" ", inputs.Select(i => "[" + string.Join("x", i.Shape) + "]"));

    public IReadOnlyList<string> CoveredOps { get; init; } = [name];

    public override IReadOnlyList<string> Covers => CoveredOps;

    public bool BarrierVariant { get; init; }

    public override bool HasBarrierVariant => BarrierVariant;

    /// <summary>Finite-difference step in float64.</summary>
    public double Step { get; init; } = 1e-6;

    public override CheckResult Run(Device device, int seed)
    {
        var rng = new Random(seed);
        // Values are drawn in double, rounded to float, and the reference sees exactly the rounded values.
        var values = inputs.Select(i => Enumerable.Range(0, (int)Tensor.NumberOf(i.Shape)).Select(_ => (double)(float)i.Draw(rng)).ToArray()).ToArray();
        var expected = reference(values);
        var weights = Enumerable.Range(0, expected.Length).Select(_ => (double)(float)CheckInput.Gaussian(rng)).ToArray();

        var poison = TensorPoison.Scope();
        try
        {
            using var scope = new TensorScope();
            var tensors = inputs.Select((input, k) =>
            {
                var t = Tensor.FromArray(device, values[k].Select(v => (float)v).ToArray(), input.Shape);
                t.RequiresGrad = input.Differentiable;
                return t;
            }).ToArray();
            var output = op(tensors);
            double forward = RelativeError(output.ToArray(), expected);

            double backward = 0;
            bool anyGrad = inputs.Any(i => i.Differentiable);
            if (anyGrad)
            {
                using var w = Tensor.FromArray(device, weights.Select(v => (float)v).ToArray(), output.Shape);
                Autograd.Backward(output, w);
                for (int k = 0; k < inputs.Length; k++)
                {
                    if (!inputs[k].Differentiable) continue;
                    var analytic = tensors[k].Grad?.ToArray();
                    var numeric = FiniteDifferences(values, k, weights);
                    double e = analytic == null ? double.NaN : RelativeError(analytic, numeric);
                    backward = double.IsNaN(e) || double.IsNaN(backward) ? double.NaN : Math.Max(backward, e);
                    tensors[k].Grad?.Dispose();
                    tensors[k].Grad = null;
                }
            }
            bool passed = forward <= forwardTolerance && (!anyGrad || backward <= backwardTolerance);
            return new CheckResult(Name, Shape, VariantOf(device), forward, anyGrad ? backward : double.NaN, passed,
                passed ? null : $"tolerances: forward {forwardTolerance:G2}, backward {backwardTolerance:G2}");
        }
        finally
        {
            poison.Dispose();
        }
    }

    /// <summary>d/dx_k of sum(w * reference(x)) by central differences.</summary>
    private double[] FiniteDifferences(double[][] values, int k, double[] weights)
    {
        var grad = new double[values[k].Length];
        var x = values.Select(v => (double[])v.Clone()).ToArray();
        for (int j = 0; j < grad.Length; j++)
        {
            double original = x[k][j], h = Step * Math.Max(1, Math.Abs(original));
            x[k][j] = original + h;
            double plus = Dot(reference(x), weights);
            x[k][j] = original - h;
            double minus = Dot(reference(x), weights);
            x[k][j] = original;
            grad[j] = (plus - minus) / (2 * h);
        }
        return grad;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>The kernel family a device runs, marked "@cpu" where the CPU accelerator stands in for a GPU.</summary>
    internal static string VariantOf(Device device) => device.Family.Name() + (device.IsCpu && device.Family != KernelFamily.Cpu ? "@cpu" : "");
}
