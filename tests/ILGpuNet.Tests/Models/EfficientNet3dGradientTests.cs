using ILGpuNet.Layers;
using ILGpuNet.Layers.Models;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;
using Xunit.Abstractions;

namespace ILGpuNet.Tests.Models;

/// <summary>
/// The whole tiny double-headed model against its float64 reference (Reference.EfficientNet3d, composed of the op
/// references): forward outputs, and the gradients of a random weighted sum of both heads' outputs with respect to
/// a sample of parameter elements and input voxels against central finite differences of the reference.
/// </summary>
public class EfficientNet3dGradientTests(ITestOutputHelper output)
{
    /// <summary>
    /// The last blocks' feature maps are 1 x 1 x 1, so training-mode BatchNorm normalises Batch values per channel
    /// there; with 3 the problem is so ill-conditioned that float32 keeps only ~1e-4 (gradients ~1e-3), with 6 ~1e-6.
    /// </summary>
    private const int Batch = 6;

    /// <summary>
    /// Training mode: BatchNorm with batch statistics (dropout 0 and survival 1 keep the forward deterministic).
    /// Evaluation: running statistics, first moved close to the batch's own by training forwards so that every layer
    /// stays well scaled. The classifier activation is on, so the SiLU between Linear layers is covered.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TinyDoubleHeadedModelMatchesItsFloat64ReferenceForwardAndBackward(bool training)
    {
        var device = Device.Cpu;
        var config = EfficientNet3dTests.Tiny(ModelHeads.Double) with { Classes = 3, DropoutRate = 0f, SurvivalProbability = 1f };
        var draw = new Random(11);
        using var model = new EfficientNet3d(device, config, new RandomSource(5));
        // BatchNorm's affine parameters away from their initial 1 and 0, so their gradients mean something.
        foreach (var (name, t) in model.NamedParameters())
        {
            if (name.EndsWith("bn.weight")) t.Upload(Values(draw, t.Length, 0.5, 1.5));
            if (name.EndsWith("bn.bias")) t.Upload(Values(draw, t.Length, -0.3, 0.3));
        }
        var g = config.Grid;
        var xValues = Values(draw, Batch * g.D * g.H * g.W, -1, 1);
        if (!training)
        {
            // 20 forwards at momentum 0.1 bring the running statistics within 12 % of the batch's: scale enough.
            using var noGrad = Autograd.NoGrad();
            for (int i = 0; i < 20; i++)
                using (new TensorScope()) model.Forward(Tensor.FromArray(device, xValues, Batch, 1, g.D, g.H, g.W));
            model.Eval();
        }
        var state = model.NamedParameters().Concat(model.NamedBuffers())
            .ToDictionary(p => p.Name, p => p.Tensor.ToArray().Select(v => (double)v).ToArray());
        var x64 = xValues.Select(v => (double)v).ToArray();
        var (refLogits, refAge) = Reference.EfficientNet3d(config, state, x64, Batch, batchStatistics: training);
        var wLogits = refLogits!.Select(_ => (double)(float)CheckInput.Gaussian(draw)).ToArray();
        var wAge = refAge!.Select(_ => (double)(float)CheckInput.Gaussian(draw)).ToArray();

        using var scope = new TensorScope();
        var x = Tensor.FromArray(device, xValues, Batch, 1, g.D, g.H, g.W);
        x.RequiresGrad = true;
        var result = model.Forward(x);
        double forwardLogits = OpCheck.RelativeError(result.Logits!.ToArray(), refLogits);
        double forwardAge = OpCheck.RelativeError(result.Age!.ToArray(), refAge);
        output.WriteLine($"forward relative error: logits {forwardLogits:E2}, age {forwardAge:E2}");
        Assert.True(forwardLogits < 2e-5 && forwardAge < 2e-5, $"forward: logits {forwardLogits:E2}, age {forwardAge:E2}");

        var loss = Ops.Add(
            Ops.Sum(Ops.Mul(result.Logits, Tensor.FromArray(device, wLogits.Select(v => (float)v).ToArray(), result.Logits.Shape))),
            Ops.Sum(Ops.Mul(result.Age, Tensor.FromArray(device, wAge.Select(v => (float)v).ToArray(), result.Age.Shape))));
        Autograd.Backward(loss);

        double Objective()
        {
            var (l, a) = Reference.EfficientNet3d(config, state, x64, Batch, batchStatistics: training);
            double s = 0;
            for (int i = 0; i < l!.Length; i++) s += wLogits[i] * l[i];
            for (int i = 0; i < a!.Length; i++) s += wAge[i] * a[i];
            return s;
        }

        // Every parameter tensor of the first layer, one residual block, the expanded last block and both heads,
        // plus a random tenth of the others; one random element of each.
        var parameters = model.NamedParameters().ToList();
        string[] always = ["first_layer.", "features.0.", "features.8.expand.", "features.8.se.", "classifier.", "age_head."];
        var sample = parameters.Where(p => always.Any(p.Name.StartsWith) || draw.NextDouble() < 0.1).ToList();
        var analytic = new List<double>();
        var numeric = new List<double>();
        var names = new List<string>();
        foreach (var (name, tensor) in sample)
        {
            int j = draw.Next((int)tensor.Length);
            analytic.Add(tensor.Grad!.ToArray()[j]);
            numeric.Add(CentralDifference(state[name], j, Objective));
            names.Add($"{name}[{j}]");
        }
        double parameterError = Compare("parameters", names, analytic, numeric);

        var dx = x.Grad!.ToArray();
        analytic.Clear(); numeric.Clear(); names.Clear();
        for (int k = 0; k < 8; k++)
        {
            int j = draw.Next(x64.Length);
            analytic.Add(dx[j]);
            numeric.Add(CentralDifference(x64, j, Objective));
            names.Add($"x[{j}]");
        }
        double inputError = Compare("input", names, analytic, numeric);
        output.WriteLine($"{sample.Count} parameter elements: relative error {parameterError:E2}; 8 input voxels: {inputError:E2}");
        Assert.True(parameterError < 2e-4, $"parameter gradients: relative error {parameterError:E2}");
        Assert.True(inputError < 2e-4, $"input gradients: relative error {inputError:E2}");
    }

    private static float[] Values(Random draw, long n, double lo, double hi) =>
        Enumerable.Range(0, (int)n).Select(_ => (float)(lo + (hi - lo) * draw.NextDouble())).ToArray();

    private static double CentralDifference(double[] values, int j, Func<double> objective)
    {
        double original = values[j], h = 1e-4 * Math.Max(1, Math.Abs(original));
        values[j] = original + h;
        double plus = objective();
        values[j] = original - h;
        double minus = objective();
        values[j] = original;
        return (plus - minus) / (2 * h);
    }

    /// <summary>|analytic - numeric| / |numeric| over the sample (L2); prints each pair.</summary>
    private double Compare(string what, List<string> names, List<double> analytic, List<double> numeric)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < analytic.Count; i++)
        {
            output.WriteLine($"{what} {names[i],-48} analytic {analytic[i],14:E5} numeric {numeric[i],14:E5}");
            diff += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i]);
            norm += numeric[i] * numeric[i];
        }
        return Math.Sqrt(diff / norm);
    }
}
