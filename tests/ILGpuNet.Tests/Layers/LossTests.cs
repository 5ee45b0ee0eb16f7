using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>Loss behaviour beyond the op checks: extreme logits, values known by hand, gradient scaling, bad targets.</summary>
public class LossTests
{
    private static readonly Device Cpu = Device.Cpu;

    private static Tensor Leaf(float[] data, params int[] shape)
    {
        var t = Tensor.FromArray(Cpu, data, shape);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void CrossEntropyWithHugeLogitsIsFiniteAndMatchesTheReference()
    {
        using var scope = new TensorScope();
        float[] logits = [1e4f, 0f, -1e4f, 1e4f, 1e4f - 1f, 5e3f, -1e4f, -1e4f + 2f, -1e4f + 1f];
        float[] targets = [0, 1, 2];
        var x = Leaf(logits, 3, 3);
        var loss = Ops.CrossEntropy(x, Tensor.FromArray(Cpu, targets, 3));
        Autograd.Backward(loss);
        float value = loss.Item();
        var expected = Reference.CrossEntropy(logits.Select(v => (double)v).ToArray(), [0, 1, 2], null, 3, 3)[0];
        Assert.True(float.IsFinite(value));
        Assert.Equal(expected, value, 1e-4 * Math.Max(1, Math.Abs(expected)));

        var grad = x.Grad!.ToArray();
        for (int r = 0; r < 3; r++)
        {
            double max = Enumerable.Range(0, 3).Max(j => (double)logits[r * 3 + j]);
            double sum = Enumerable.Range(0, 3).Sum(j => Math.Exp(logits[r * 3 + j] - max));
            for (int j = 0; j < 3; j++)
            {
                double p = Math.Exp(logits[r * 3 + j] - max) / sum;
                double g = (p - (j == (int)targets[r] ? 1 : 0)) / 3;
                Assert.True(float.IsFinite(grad[r * 3 + j]));
                Assert.Equal(g, grad[r * 3 + j], 1e-6);
            }
        }
    }

    [Fact]
    public void BceWithLogitsAtPlusMinus100IsFinite()
    {
        using var scope = new TensorScope();
        var x = Leaf([100f, -100f, 100f, -100f, 100f], 5);
        var t = Tensor.FromArray(Cpu, [1f, 0f, 0f, 1f, 0.5f], 5);
        var loss = Ops.BinaryCrossEntropyWithLogits(x, t);
        Autograd.Backward(loss);
        // Per element: ~0, ~0, 100, 100, 50.
        Assert.Equal(250.0 / 5, loss.Item(), 1e-4);
        var grad = x.Grad!.ToArray();
        double[] expected = [0, 0, 0.2, -0.2, 0.1];  // (sigmoid(x) - t) / 5
        for (int i = 0; i < 5; i++)
        {
            Assert.True(float.IsFinite(grad[i]));
            Assert.Equal(expected[i], grad[i], 1e-6);
        }

        // pos_weight multiplies the positive term only.
        var weighted = Ops.BinaryCrossEntropyWithLogits(Tensor.FromArray(Cpu, [-100f, 100f], 2), Tensor.FromArray(Cpu, [1f, 0f], 2),
            Tensor.FromArray(Cpu, [3f], 1));
        Assert.Equal((300.0 + 100.0) / 2, weighted.Item(), 1e-3);
    }

    [Fact]
    public void CrossEntropyMatchesValuesComputedByHand()
    {
        using var scope = new TensorScope();
        Assert.Equal(Math.Log(2), Ops.CrossEntropy(Tensor.Zeros(Cpu, 1, 2), [0]).Item(), 1e-6);
        // log(e + e^2 + e^3) - 3
        Assert.Equal(0.40760596444, Ops.CrossEntropy(Tensor.FromArray(Cpu, [1f, 2f, 3f], 1, 3), [2]).Item(), 1e-6);

        // Rows [0, 0] -> class 0 (nll ln 2) and [0, ln 3] -> class 1 (nll ln 4/3).
        var logits = Tensor.FromArray(Cpu, [0f, 0f, 0f, MathF.Log(3f)], 2, 2);
        Assert.Equal((Math.Log(2) + Math.Log(4.0 / 3)) / 2, Ops.CrossEntropy(logits, [0, 1]).Item(), 1e-6);
        // Weighted mean over the weights of the targets present: (1 ln 2 + 3 ln 4/3) / (1 + 3).
        var weights = Tensor.FromArray(Cpu, [1f, 3f], 2);
        Assert.Equal((Math.Log(2) + 3 * Math.Log(4.0 / 3)) / 4, Ops.CrossEntropy(logits, [0, 1], weights).Item(), 1e-6);
        // Only class 1 present: the denominator is its weight alone, so the weight cancels.
        Assert.Equal(Math.Log(4.0 / 3), Ops.CrossEntropy(Tensor.FromArray(Cpu, [0f, MathF.Log(3f)], 1, 2), [1], weights).Item(), 1e-6);
    }

    [Fact]
    public void RegressionLossesMatchValuesComputedByHand()
    {
        using var scope = new TensorScope();
        var pred = Tensor.FromArray(Cpu, [0.5f, -2f, 3f, 1f, 1f], 5);
        var target = Tensor.FromArray(Cpu, [0f, 0f, 0f, 1f, 1.25f], 5);
        // d = 0.5, -2, 3, 0, -0.25
        Assert.Equal((0.25 + 4 + 9 + 0 + 0.0625) / 5, Ops.MseLoss(pred, target).Item(), 1e-6);
        Assert.Equal((0.5 + 2 + 3 + 0 + 0.25) / 5, Ops.L1Loss(pred, target).Item(), 1e-6);
        Assert.Equal((0.125 + 1.5 + 2.5 + 0 + 0.03125) / 5, Ops.HuberLoss(pred, target).Item(), 1e-6);
        Assert.Equal((0.5 * (0.5 - 0.5 * 0.5) + 0.5 * 1.75 + 0.5 * 2.75 + 0 + 0.03125) / 5, Ops.HuberLoss(pred, target, 0.5f).Item(), 1e-6);

        // L1's derivative is 0 where pred == target (PyTorch's sign), for both operands.
        var p = Leaf([1f, 2f, 3f], 3);
        var t = Leaf([1f, 1f, 4f], 3);
        Autograd.Backward(Ops.L1Loss(p, t));
        Assert.Equal([0f, 1f / 3, -1f / 3], p.Grad!.ToArray());
        Assert.Equal([0f, -1f / 3, 1f / 3], t.Grad!.ToArray());
    }

    [Fact]
    public void BackwardScalesWithTheIncomingGradient()
    {
        using var scope = new TensorScope();
        var random = new Random(5);
        float[] Draw(int n) => Enumerable.Range(0, n).Select(_ => (float)CheckInput.Gaussian(random)).ToArray();
        var logits = Draw(4 * 5);
        var targets = Tensor.FromArray(Cpu, [0f, 4f, 2f, 2f], 4);
        var weights = Tensor.FromArray(Cpu, [1f, 2f, 0.5f, 1f, 3f], 5);
        var pred = Draw(1003);
        var target = Tensor.FromArray(Cpu, Draw(1003), 1003);
        Func<Tensor, Tensor>[] losses =
        [
            x => Ops.CrossEntropy(Ops.Reshape(x, 4, 5), targets, weights),
            x => Ops.MseLoss(x, target),
            x => Ops.HuberLoss(x, target, 0.7f),
            x => Ops.BinaryCrossEntropyWithLogits(x, Tensor.FromArray(Cpu, pred.Select(v => v > 0 ? 0.8f : 0.1f).ToArray(), 1003)),
        ];
        foreach (var (loss, data) in losses.Zip([logits, pred, pred, pred]))
        {
            var once = Leaf(data, data.Length);
            Autograd.Backward(loss(once));
            var thrice = Leaf(data, data.Length);
            Autograd.Backward(Ops.Scale(loss(thrice), 3f));
            var g1 = once.Grad!.ToArray();
            var g3 = thrice.Grad!.ToArray();
            Assert.Contains(g1, v => v != 0);
            for (int i = 0; i < g1.Length; i++) Assert.Equal(3 * g1[i], g3[i], 1e-6f * Math.Max(1, Math.Abs(g3[i])));
        }
    }

    [Fact]
    public void LargeMseMatchesTheReferenceOnBothKernelVariants()
    {
        var random = new Random(11);
        int n = (1 << 18) + 3;
        var x = Enumerable.Range(0, n).Select(_ => (float)CheckInput.Gaussian(random)).ToArray();
        var t = Enumerable.Range(0, n).Select(_ => (float)CheckInput.Gaussian(random)).ToArray();
        double expected = Reference.MseLoss(x.Select(v => (double)v).ToArray(), t.Select(v => (double)v).ToArray())[0];
        foreach (var device in new[] { Cpu, Device.GpuShapedCpu })
        {
            using var scope = new TensorScope();
            float value = Ops.MseLoss(Tensor.FromArray(device, x, n), Tensor.FromArray(device, t, n)).Item();
            Assert.Equal(expected, value, 1e-5 * expected);
        }
    }

    [Fact]
    public void BadClassTargets()
    {
        using var scope = new TensorScope();
        var logits = Tensor.Zeros(Cpu, 2, 3);
        // On the host the labels are checked ...
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.CrossEntropy(logits, [0, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.CheckClassTargets([0f, -1f], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.CheckClassTargets([0.5f], 3));
        // ... on the device they cannot be: the loss turns NaN instead of reading out of bounds.
        Assert.True(float.IsNaN(Ops.CrossEntropy(logits, Tensor.FromArray(Cpu, [0f, 3f], 2)).Item()));
        Assert.True(float.IsNaN(Ops.CrossEntropy(logits, Tensor.FromArray(Cpu, [float.NaN, 1f], 2)).Item()));
        Assert.Throws<ArgumentException>(() => Ops.MseLoss(logits, Tensor.Zeros(Cpu, 3, 2)));
    }
}
