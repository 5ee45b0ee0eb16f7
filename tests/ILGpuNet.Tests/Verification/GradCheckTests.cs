using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Verification;

/// <summary>GradCheck itself: it catches a wrong device gradient, a wrong analytic reference and a gradient where none belongs.</summary>
public class GradCheckTests
{
    private static readonly int[] Odd = [3, 41];  // 123 elements: more than the finite-difference sample

    private static GradCheck Scale(Func<double[][], double[], double[]?[]>? backward, Func<Tensor[], Tensor>? op = null) =>
        new("scale", [CheckInput.Normal(Odd)], op ?? (x => Ops.Scale(x[0], 3f)), x => Reference.Map(x[0], v => 3 * v)) { Backward = backward };

    [Fact]
    public void AnalyticBackwardPasses()
    {
        var check = Scale((_, dy) => [dy.Select(v => 3 * v).ToArray()]);
        Assert.True(check.Run(Device.Cpu, 1).Passed);
    }

    /// <summary>The sample always holds the last element, so a reference wrong only there is still caught.</summary>
    [Fact]
    public void AnAnalyticBackwardThatIsNotTheForwardsDerivativeFails()
    {
        var wrong = Scale((_, dy) =>
        {
            var g = dy.Select(v => 3 * v).ToArray();
            g[^1] *= 2;
            return [g];
        });
        var result = wrong.Run(Device.Cpu, 1);
        Assert.False(result.Passed);
    }

    [Fact]
    public void ADeviceGradientThatDiffersFromTheAnalyticOneFails()
    {
        // 3.3 x - 0.3 x with the second x a constant copy: the forward is 3 x, the device gradient 3.3.
        var check = Scale((_, dy) => [dy.Select(v => 3 * v).ToArray()],
            x => Ops.Sub(Ops.Scale(x[0], 3.3f), Ops.Scale(Tensor.FromArray(x[0].Device, x[0].ToArray(), x[0].Shape), 0.3f)));
        var result = check.Run(Device.Cpu, 1);
        Assert.True(result.ForwardError < 1e-6);
        Assert.False(result.Passed);
    }

    [Fact]
    public void ConstantInputsMustGetNoGradient()
    {
        var check = new GradCheck("mul", [CheckInput.Normal(Odd), CheckInput.Constant(Odd, CheckInput.Gaussian)],
            x => { x[1].RequiresGrad = true; return Ops.Mul(x[0], x[1]); }, x => Reference.Zip(x[0], x[1], (a, b) => a * b));
        var result = check.Run(Device.Cpu, 1);
        Assert.False(result.Passed);
        Assert.Contains("does not require a gradient", result.Failure);
    }

    [Fact]
    public void TheSampleHoldsTheFirstAndLastElements()
    {
        var sample = GradCheck.Sample(1000, 64, new Random(3));
        Assert.Equal(64, sample.Distinct().Count());
        Assert.Equal(0, sample[0]);
        Assert.Equal(999, sample[^1]);
        Assert.Equal(sample.Order(), sample);
        Assert.Equal(Enumerable.Range(0, 5), GradCheck.Sample(5, 64, new Random(3)));
    }
}
