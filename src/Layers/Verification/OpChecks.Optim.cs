using System.Globalization;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Verification;

public static partial class OpChecks
{
    [CheckFamily]
    private static IEnumerable<OpCheck> Optimizers()
    {
        yield return new OptimizerCheck(new OptimizerSettings("sgd", LearningRate: 0.1));
        yield return new OptimizerCheck(new OptimizerSettings("sgd", LearningRate: 0.05, Momentum: 0.9, WeightDecay: 1e-2, Nesterov: true));
        yield return new OptimizerCheck(new OptimizerSettings("sgd", LearningRate: 0.05, Momentum: 0.8, Dampening: 0.3));
        yield return new OptimizerCheck(new OptimizerSettings("adam", LearningRate: 1e-2, WeightDecay: 1e-2));
        yield return new OptimizerCheck(new OptimizerSettings("adamw", LearningRate: 1e-2, WeightDecay: 0.1, Beta1: 0.8, Beta2: 0.99));
        yield return new OptimizerCheck(new OptimizerSettings("sgd", LearningRate: 0.05, Momentum: 0.9, WeightDecay: 1e-2, Nesterov: true), slots: true);
        yield return new OptimizerCheck(new OptimizerSettings("adam", LearningRate: 1e-2, WeightDecay: 1e-2), slots: true);
        yield return new OptimizerCheck(new OptimizerSettings("adamw", LearningRate: 1e-2, WeightDecay: 0.1, Beta1: 0.8, Beta2: 0.99), slots: true);
        yield return new GradClipCheck(normOverMax: 2.5);
        yield return new GradClipCheck(normOverMax: 0.4);
        yield return new GradClipCheck(normOverMax: 2.5, slots: true);
        yield return new GradClipCheck(normOverMax: 0.4, slots: true);
    }
}

/// <summary>Hyperparameters of an optimizer check; <see cref="Kind"/> is sgd, adam or adamw.</summary>
public sealed record OptimizerSettings(string Kind, double LearningRate, double Momentum = 0, double Dampening = 0,
    double WeightDecay = 0, bool Nesterov = false, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8)
{
    public Optimizer Create(IReadOnlyList<Tensor> parameters) => Kind switch
    {
        "sgd" => new Sgd(parameters, LearningRate, Momentum, Dampening, WeightDecay, Nesterov),
        "adam" => new Adam(parameters, LearningRate, Beta1, Beta2, Eps, WeightDecay),
        "adamw" => new AdamW(parameters, LearningRate, Beta1, Beta2, Eps, WeightDecay),
        _ => throw new ArgumentException($"unknown optimizer '{Kind}'"),
    };

    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var parts = new List<string> { string.Format(c, "lr={0:G3}", LearningRate) };
        if (Kind == "sgd")
        {
            if (Momentum != 0) parts.Add(string.Format(c, "momentum={0:G3}", Momentum));
            if (Dampening != 0) parts.Add(string.Format(c, "dampening={0:G3}", Dampening));
            if (Nesterov) parts.Add("nesterov");
        }
        else
        {
            parts.Add(string.Format(c, "betas=({0:G3},{1:G4})", Beta1, Beta2));
        }
        if (WeightDecay != 0) parts.Add(string.Format(c, "wd={0:G3}", WeightDecay));
        return string.Join(" ", parts);
    }
}

/// <summary>
/// Five optimizer steps on the device against the float64 reference (Reference.Optim.cs): fresh random
/// parameters and new gradients every step (drawn in float64, rounded to float), tensors of odd sizes for
/// the Float4 tails, one parameter without a gradient on step 3 (skipped, its step count stays behind) and
/// a learning-rate change before step 4. ForwardError is the worst per-tensor relative error of the
/// parameters; the state tensors (momentum, moments) must meet the same tolerance. The gradients are
/// tensors of their own (the per-parameter path) or, with <c>slots</c>, handed to Autograd.Accumulate, which
/// puts them in the flat gradient buffer: steps 1-2 then take the one-launch flat path (checked), steps 3-5
/// the per-parameter one (a parameter without a gradient, then unequal step counts).
/// </summary>
public sealed class OptimizerCheck(OptimizerSettings settings, double tolerance = 1e-5, bool slots = false) : OpCheck
{
    private static readonly int[] Sizes = [1, 7, 1001, 12];
    private const int Steps = 5;

    public override string Name => settings.Kind + (slots ? "_flat" : "");

    public override string Shape => string.Join(" ", Sizes.Select(s => $"[{s}]")) + " " + settings;

    public override IReadOnlyList<string> Covers => [settings.Kind switch { "sgd" => "Sgd", "adam" => "Adam", _ => "AdamW" }];

    public override long Work => Steps * Sizes.Sum();

    public override CheckResult Run(Device device, int seed)
    {
        var rng = new Random(seed);
        var p = Sizes.Select(n => Draw(rng, n)).ToArray();
        var referenceState = new Dictionary<string, double[]>();
        var momentum = new double[]?[Sizes.Length];
        var steps = new long[Sizes.Length];

        var poison = TensorPoison.Scope();
        var parameters = Array.Empty<Tensor>();
        try
        {
            using var scope = new TensorScope();
            parameters = Sizes.Select((n, k) => Tensor.FromArray(device, ToFloat(p[k]), n)).ToArray();
            foreach (var t in parameters) t.RequiresGrad = true;
            var grads = Sizes.Select(n => Tensor.Empty(device, n)).ToArray();
            using var optimizer = settings.Create(parameters);
            double lr = settings.LearningRate;
            bool pathsAsExpected = true;
            for (int step = 1; step <= Steps; step++)
            {
                if (step == 4) optimizer.LearningRate = lr = settings.LearningRate * 0.5;
                if (slots) optimizer.ZeroGrad();  // releases the slot views (and frees the slots)
                for (int k = 0; k < Sizes.Length; k++)
                {
                    var g = Draw(rng, Sizes[k]);
                    if (k == 0 && step == 3)
                    {
                        parameters[k].Grad = null;
                        continue;
                    }
                    grads[k].Upload(ToFloat(g));
                    if (slots) Autograd.Accumulate(parameters[k], grads[k], owned: false);  // copied into its slot
                    else parameters[k].Grad = grads[k];
                    steps[k]++;
                    ReferenceStep(k, p[k], g, steps[k], lr, referenceState, momentum);
                }
                optimizer.Step();
                pathsAsExpected &= optimizer.LastStepWasFlat == (slots && step < 3);
            }

            double paramError = 0;
            for (int k = 0; k < Sizes.Length; k++) paramError = Worst(paramError, RelativeError(parameters[k].ToArray(), p[k]));
            double stateError = 0;
            var deviceState = optimizer.StateTensors().ToDictionary(s => s.Name, s => s.Tensor);
            foreach (var (name, expected) in referenceState)
                stateError = Worst(stateError, deviceState.TryGetValue(name, out var t) ? RelativeError(t.ToArray(), expected) : double.NaN);
            bool sameNames = deviceState.Count == referenceState.Count;
            bool stepsMatch = optimizer.StepCount == Steps && optimizer.ParameterSteps.SequenceEqual(steps);
            bool passed = paramError <= tolerance && stateError <= tolerance && sameNames && stepsMatch && pathsAsExpected;
            return new CheckResult(Name, Shape, OpChecks.VariantOf(device), paramError, double.NaN, passed,
                passed ? null : $"tolerance {tolerance:G2}: state error {stateError:E2}, state names {(sameNames ? "match" : "differ")}, " +
                    $"step counts {(stepsMatch ? "match" : "differ")}, flat/per-parameter paths {(pathsAsExpected ? "as expected" : "not as expected")}");
        }
        finally
        {
            foreach (var t in parameters)
            {
                t.Grad?.Dispose();  // slot views are kept out of the scope
                t.Grad = null;
            }
            poison.Dispose();
        }
    }

    private void ReferenceStep(int k, double[] p, double[] g, long step, double lr, Dictionary<string, double[]> state, double[]?[] momentum)
    {
        var s = settings;
        if (s.Kind == "sgd")
        {
            Reference.SgdStep(p, g, ref momentum[k], lr, s.Momentum, s.Dampening, s.WeightDecay, s.Nesterov);
            if (momentum[k] != null) state[Optimizer.StateName(k, Sgd.MomentumBuffer)] = momentum[k]!;
            return;
        }
        var m = Slot(state, Optimizer.StateName(k, Adam.ExpAvg), p.Length);
        var v = Slot(state, Optimizer.StateName(k, Adam.ExpAvgSq), p.Length);
        Reference.AdamStep(p, g, m, v, step, lr, s.Beta1, s.Beta2, s.Eps, s.WeightDecay, decoupled: s.Kind == "adamw");
    }

    private static double[] Slot(Dictionary<string, double[]> state, string name, int n)
    {
        if (!state.TryGetValue(name, out var x)) state[name] = x = new double[n];
        return x;
    }

    internal static double[] Draw(Random rng, int n) =>
        Enumerable.Range(0, n).Select(_ => (double)(float)CheckInput.Gaussian(rng)).ToArray();

    internal static float[] ToFloat(double[] x) => x.Select(v => (float)v).ToArray();

    internal static double Worst(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);
}

/// <summary>
/// GradClip.ClipGlobalNorm against the float64 reference, with maxNorm set so that the total norm is
/// <c>normOverMax</c> times it (above 1: clipped; below: untouched), one parameter without a gradient.
/// ForwardError is the worst of the clipped gradients' and the returned norm's relative errors.
/// With <c>slots</c> the parameters form a flat set and every one has its gradient in its slot: the flat path
/// (one reduction over the flat gradient buffer with its zero padding, one scaling launch).
/// </summary>
public sealed class GradClipCheck(double normOverMax, double tolerance = 1e-5, bool slots = false) : OpCheck
{
    private static readonly int[] Sizes = [1, 7, 1001, 12];

    public override string Name => "clip_grad_norm" + (slots ? "_flat" : "");

    public override string Shape => string.Join(" ", Sizes.Select(s => $"[{s}]")) + string.Format(CultureInfo.InvariantCulture, " norm/max={0:G3}", normOverMax);

    public override IReadOnlyList<string> Covers => ["ClipGlobalNorm"];

    public override long Work => Sizes.Sum();

    public override CheckResult Run(Device device, int seed)
    {
        var rng = new Random(seed);
        var grads = Sizes.Select(n => OptimizerCheck.Draw(rng, n)).ToArray();
        double sum = grads.Sum(g => g.Sum(x => x * x));
        float maxNorm = (float)(Math.Sqrt(sum) / normOverMax);
        var expected = grads.Select(g => (double[])g.Clone()).ToArray();
        double expectedNorm = Reference.ClipGlobalNorm(expected, maxNorm);

        var poison = TensorPoison.Scope();
        var parameters = Array.Empty<Tensor>();
        FlatParameters? flat = null;
        try
        {
            using var scope = new TensorScope();
            // Per-tensor path: the last parameter has no gradient and must be skipped.
            parameters = (slots ? Sizes : Sizes.Append(5)).Select(n => Tensor.Zeros(device, n)).ToArray();
            if (slots)
            {
                foreach (var t in parameters) t.RequiresGrad = true;
                flat = FlatParameters.Create(parameters);
            }
            for (int k = 0; k < Sizes.Length; k++)
            {
                var g = Tensor.FromArray(device, OptimizerCheck.ToFloat(grads[k]), Sizes[k]);
                if (slots) Autograd.Accumulate(parameters[k], g);  // copied into the slot
                else parameters[k].Grad = g;
            }
            bool flatPath = flat?.AllGradsInSlots() ?? false;
            var norm = GradClip.ClipGlobalNorm(parameters, maxNorm);
            double error = RelativeError(norm.ToArray(), [expectedNorm]);
            for (int k = 0; k < Sizes.Length; k++) error = OptimizerCheck.Worst(error, RelativeError(parameters[k].Grad!.ToArray(), expected[k]));
            bool passed = error <= tolerance && (slots ? flatPath : parameters[^1].Grad == null);
            return new CheckResult(Name, Shape, OpChecks.VariantOf(device), error, double.NaN, passed,
                passed ? null : slots && !flatPath ? "the gradients did not land in their slots" : $"tolerance {tolerance:G2}");
        }
        finally
        {
            foreach (var t in parameters)
            {
                t.Grad?.Dispose();  // slot views are kept out of the scope
                t.Grad = null;
            }
            flat?.Dispose();
            poison.Dispose();
        }
    }
}
