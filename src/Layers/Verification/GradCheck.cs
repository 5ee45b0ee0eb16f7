using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Verification;

/// <summary>How one input of a checked op is drawn.</summary>
/// <param name="Shape">The input's shape.</param>
/// <param name="Draw">Draws the value of element i; keep away from kinks (ReLU at 0) where finite differences lie.</param>
/// <param name="Differentiable">False for labels, indices and other constants.</param>
public sealed record CheckInput(int[] Shape, Func<Random, int, double> Draw, bool Differentiable = true)
{
    /// <summary>Every element drawn alike.</summary>
    public CheckInput(int[] shape, Func<Random, double> draw, bool differentiable = true) : this(shape, (r, _) => draw(r), differentiable)
    {
    }

    public static CheckInput Normal(params int[] shape) => new(shape, Gaussian);

    public static CheckInput Uniform(double lo, double hi, params int[] shape) => new(shape, r => lo + (hi - lo) * r.NextDouble());

    /// <summary>Standard normal values at least <paramref name="gap"/> away from zero.</summary>
    public static CheckInput AwayFromZero(double gap, params int[] shape) =>
        new(shape, r => { double v = Gaussian(r); return v >= 0 ? v + gap : v - gap; });

    public static CheckInput Constant(int[] shape, Func<Random, double> draw) => new(shape, draw, false);

    public static double Gaussian(Random r) =>
        Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}

/// <summary>
/// Checks a differentiable op: the device op on fresh random inputs (new tensors poisoned with NaN) against its
/// float64 reference, then the gradient of sum(w * op(x)) for random w. Where the op has an analytic float64
/// backward (<see cref="Backward"/>), every element of the device gradient meets it, and central finite
/// differences of the forward reference check that backward on a random sample of elements (the first and last
/// always among them); without one, every element meets finite differences.
/// </summary>
public sealed class GradCheck(
    string name,
    CheckInput[] inputs,
    Func<Tensor[], Tensor> op,
    Func<double[][], double[]> reference,
    double forwardTolerance = 1e-4,
    double backwardTolerance = 1e-3) : OpCheck
{
    /// <summary>At most this many elements per input get finite differences when an analytic backward exists.</summary>
    public const int MaxFiniteDifferenceSamples = 64;

    public override string Name => name;

    public override string Shape => string.Join(" ", inputs.Select(i => "[" + string.Join("x", i.Shape) + "]"));

    /// <summary>What tells this case apart (kernel, stride, mode), shown after the shapes.</summary>
    public string Details { get; init; } = "";

    public override string Detail => Details;

    public IReadOnlyList<string> CoveredOps { get; init; } = [name];

    public override IReadOnlyList<string> Covers => CoveredOps;

    /// <summary>
    /// The float64 gradients of sum(dy * reference(x)) with respect to each input, given (x, dy): one array per
    /// input, null for those that are not differentiable. Null when the op has no analytic reference backward.
    /// </summary>
    public Func<double[][], double[], double[]?[]>? Backward { get; init; }

    /// <summary>The check's <see cref="OpCheck.Work"/> where the elements of its inputs (the default) understate it (convolutions, products).</summary>
    public long? WorkEstimate { get; init; }

    public override long Work => WorkEstimate ?? inputs.Sum(i => Tensor.NumberOf(i.Shape));

    /// <summary>The output's shape, when the check asserts it (else only its element count must match).</summary>
    public int[]? OutputShape { get; init; }

    /// <summary>Finite-difference step in float64.</summary>
    public double Step { get; init; } = 1e-6;

    /// <summary>How many elements of each input get finite differences when <see cref="Backward"/> exists (at least 2: the first and last).</summary>
    public int FiniteDifferenceSamples { get; init; } = MaxFiniteDifferenceSamples;

    /// <summary>
    /// The samples that keep finite differences within about 40 million multiply-adds per input for a reference
    /// forward of <paramref name="multiplyAdds"/> (two evaluations per sample): 64 for small shapes, 2 for the largest.
    /// </summary>
    public static int SamplesFor(long multiplyAdds) => (int)Math.Clamp(20_000_000 / Math.Max(1, multiplyAdds), 2, MaxFiniteDifferenceSamples);

    public override CheckResult Run(Device device, int seed)
    {
        var rng = new Random(seed);
        // Values are drawn in double, rounded to float, and the reference sees exactly the rounded values.
        var values = inputs.Select(i => Enumerable.Range(0, (int)Tensor.NumberOf(i.Shape)).Select(j => (double)(float)i.Draw(rng, j)).ToArray()).ToArray();
        var expected = reference(values);
        var weights = Enumerable.Range(0, expected.Length).Select(_ => (double)(float)CheckInput.Gaussian(rng)).ToArray();

        var poison = TensorPoison.Scope();
        var tensors = Array.Empty<Tensor>();
        try
        {
            using var scope = new TensorScope();
            tensors = inputs.Select((input, k) =>
            {
                var t = Tensor.FromArray(device, values[k].Select(v => (float)v).ToArray(), input.Shape);
                t.RequiresGrad = input.Differentiable;
                return t;
            }).ToArray();
            var output = op(tensors);
            double forward = RelativeError(output.ToArray(), expected);
            if (OutputShape != null && !output.Shape.SequenceEqual(OutputShape))
                return Failed(device, forward, $"output [{string.Join(", ", output.Shape)}], expected [{string.Join(", ", OutputShape)}]");

            double backward = 0;
            bool anyGrad = inputs.Any(i => i.Differentiable);
            if (anyGrad)
            {
                using var w = Tensor.FromArray(device, weights.Select(v => (float)v).ToArray(), output.Shape);
                Autograd.Backward(output, w);
                var analytic = Backward?.Invoke(values, weights);
                for (int k = 0; k < inputs.Length; k++)
                {
                    if (!inputs[k].Differentiable)
                    {
                        if (tensors[k].Grad != null) return Failed(device, forward, $"input {k} does not require a gradient but got one");
                        continue;
                    }
                    var grad = tensors[k].Grad?.ToArray();
                    double e = grad == null ? double.NaN : analytic != null ? AgainstAnalytic(grad, analytic[k], values, k, weights, rng)
                        : RelativeError(grad, FiniteDifferences(values, k, weights, AllElements(values[k].Length)));
                    backward = Worst(backward, e);
                }
            }
            double forwardAllowed = OpChecks.Tolerance(forwardTolerance, device), backwardAllowed = OpChecks.Tolerance(backwardTolerance, device);
            bool passed = forward <= forwardAllowed && (!anyGrad || backward <= backwardAllowed);
            return new CheckResult(Name, Shape, OpChecks.VariantOf(device), forward, anyGrad ? backward : double.NaN, passed,
                passed ? null : $"tolerances: forward {forwardAllowed:G2}, backward {backwardAllowed:G2}");
        }
        finally
        {
            foreach (var t in tensors)
            {
                t.Grad?.Dispose();  // gradients are not owned by the scope
                t.Grad = null;
            }
            poison.Dispose();
        }
    }

    private CheckResult Failed(Device device, double forward, string why) =>
        new(Name, Shape, OpChecks.VariantOf(device), forward, double.NaN, false, why);

    /// <summary>
    /// The worse of: the device gradient against the analytic one (every element), and the analytic one against
    /// finite differences on a sample of elements (proving the reference backward is the forward's derivative).
    /// </summary>
    private double AgainstAnalytic(float[] grad, double[]? analytic, double[][] values, int k, double[] weights, Random rng)
    {
        if (analytic == null || analytic.Length != grad.Length) return double.NaN;
        var sample = Sample(values[k].Length, Math.Max(2, FiniteDifferenceSamples), rng);
        var numeric = FiniteDifferences(values, k, weights, sample);
        return Worst(RelativeError(grad, analytic), RelativeError(sample.Select(j => analytic[j]).ToArray(), numeric));
    }

    /// <summary>Up to <paramref name="count"/> distinct indices below n in ascending order, always 0 and n - 1.</summary>
    public static int[] Sample(int n, int count, Random rng)
    {
        if (n <= count) return AllElements(n);
        var chosen = new SortedSet<int> { 0, n - 1 };
        while (chosen.Count < count) chosen.Add(rng.Next(1, n - 1));
        return chosen.ToArray();
    }

    private static int[] AllElements(int n) => Enumerable.Range(0, n).ToArray();

    /// <summary>d/dx_k[j] of sum(w * reference(x)) by central differences, for each j in <paramref name="at"/>.</summary>
    private double[] FiniteDifferences(double[][] values, int k, double[] weights, int[] at)
    {
        var grad = new double[at.Length];
        var x = values.Select(v => (double[])v.Clone()).ToArray();
        for (int i = 0; i < at.Length; i++)
        {
            int j = at[i];
            double original = x[k][j], h = Step * Math.Max(1, Math.Abs(original));
            x[k][j] = original + h;
            double plus = Dot(reference(x), weights);
            x[k][j] = original - h;
            double minus = Dot(reference(x), weights);
            x[k][j] = original;
            grad[i] = (plus - minus) / (2 * h);
        }
        return grad;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static double Worst(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);
}
