using ILGpuNet.Layers;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>Optimizers and gradient clipping through the real autograd on the CPU accelerator.</summary>
public class OptimizerTests
{
    private static readonly Device Cpu = Device.Cpu;

    private static float[] Values(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => scale * (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>loss = sum((p - target)^2), recorded on the tape.</summary>
    private static Tensor Quadratic(Tensor p, Tensor target)
    {
        var d = Ops.Sub(p, target);
        return Ops.Sum(Ops.Mul(d, d));
    }

    public static IEnumerable<object[]> Optimizers() =>
    [
        ["sgd", 300],
        ["sgd-nesterov", 300],
        ["adam", 600],
        ["adamw", 600],
    ];

    private static Optimizer Create(string kind, Tensor p) => kind switch
    {
        "sgd" => new Sgd([p], learningRate: 0.05),
        "sgd-nesterov" => new Sgd([p], learningRate: 0.02, momentum: 0.9, nesterov: true),
        "adam" => new Adam([p], learningRate: 0.02),
        "adamw" => new AdamW([p], learningRate: 0.02, weightDecay: 1e-4),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void MinimisesAQuadratic(string kind, int steps)
    {
        const int n = 37;  // not a multiple of 4: the Float4 tail is updated too
        var targetValues = Values(n, 1, 2f);
        using var p = Tensor.FromArray(Cpu, Values(n, 2, 2f), n);
        p.RequiresGrad = true;
        using var target = Tensor.FromArray(Cpu, targetValues, n);
        using var optimizer = Create(kind, p);
        float first = 0, last = 0;
        for (int step = 0; step < steps; step++)
        {
            using var scope = new TensorScope();
            optimizer.ZeroGrad();
            var loss = Quadratic(p, target);
            if (step == 0) first = loss.Item();
            Autograd.Backward(loss);
            optimizer.Step();
        }
        using (new TensorScope()) last = Quadratic(p, target).Item();
        Assert.Equal(steps, optimizer.StepCount);
        Assert.True(last < 1e-4f * first, $"{kind}: loss {first} -> {last}");
        var final = p.ToArray();
        for (int i = 0; i < n; i++) Assert.Equal(targetValues[i], final[i], 0.01f);
        p.Grad?.Dispose();
    }

    [Fact]
    public void GradientsAccumulateUntilZeroGrad()
    {
        using var p = Tensor.FromArray(Cpu, Values(9, 3), 9);
        p.RequiresGrad = true;
        using var target = Tensor.FromArray(Cpu, Values(9, 4), 9);
        using var optimizer = new Sgd([p], learningRate: 0.1);
        optimizer.ZeroGrad();  // no gradient yet: nothing to zero, nothing created
        Assert.Null(p.Grad);

        using (new TensorScope()) Autograd.Backward(Quadratic(p, target));
        var once = p.Grad!.ToArray();
        var buffer = p.Grad;
        using (new TensorScope()) Autograd.Backward(Quadratic(p, target));
        var twice = p.Grad!.ToArray();
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i], 1e-5f);

        optimizer.ZeroGrad(setToNone: false);
        Assert.Same(buffer, p.Grad);
        Assert.All(p.Grad!.ToArray(), v => Assert.Equal(0f, v));
        optimizer.ZeroGrad();  // PyTorch's default: the gradient is released, the next backward adopts its own
        Assert.Null(p.Grad);
        using (new TensorScope()) Autograd.Backward(Quadratic(p, target));
        Assert.Equal(once, p.Grad!.ToArray());
        p.Grad.Dispose();
    }

    [Theory]
    [InlineData("sgd-nesterov")]
    [InlineData("adamw")]
    public void ParametersWithoutGradientAreUntouched(string kind)
    {
        var frozenValues = Values(6, 5);
        using var frozen = Tensor.FromArray(Cpu, frozenValues, 6);
        frozen.RequiresGrad = true;
        using var trained = Tensor.FromArray(Cpu, Values(6, 6), 6);
        trained.RequiresGrad = true;
        using var target = Tensor.FromArray(Cpu, Values(6, 7), 6);
        Optimizer optimizer = kind == "adamw"
            ? new AdamW([frozen, trained], learningRate: 0.1, weightDecay: 0.5)
            : new Sgd([frozen, trained], learningRate: 0.1, momentum: 0.9, weightDecay: 0.5, nesterov: true);
        using (optimizer)
        {
            for (int step = 0; step < 3; step++)
            {
                using var scope = new TensorScope();
                optimizer.ZeroGrad();
                Autograd.Backward(Quadratic(trained, target));
                optimizer.Step();
            }
            Assert.Null(frozen.Grad);
            Assert.Equal(frozenValues, frozen.ToArray());
            Assert.Equal([0L, 3L], optimizer.ParameterSteps);
            Assert.All(optimizer.StateTensors(), s => Assert.StartsWith("1.", s.Name));
        }
        trained.Grad?.Dispose();
    }

    [Fact]
    public void StateRoundTripsThroughLoadState()
    {
        var start = Values(11, 8);
        var grads = Enumerable.Range(0, 4).Select(s => Values(11, 20 + s)).ToArray();
        using var a = Tensor.FromArray(Cpu, start, 11);
        using var b = Tensor.FromArray(Cpu, start, 11);
        using var g = Tensor.Empty(Cpu, 11);
        using var first = new Adam([a], learningRate: 0.05, weightDecay: 0.1);
        using var second = new Adam([b], learningRate: 0.05, weightDecay: 0.1);
        for (int s = 0; s < 2; s++)
        {
            g.Upload(grads[s]);
            a.Grad = g;
            first.Step();
        }
        b.CopyFrom(a);
        second.LoadState(first.StepCount, first.StateTensors().Select(t => (t.Name, t.Tensor.Clone())).ToList());
        Assert.Equal(first.ParameterSteps, second.ParameterSteps);
        for (int s = 2; s < 4; s++)
        {
            g.Upload(grads[s]);
            a.Grad = g;
            b.Grad = g;
            first.Step();
            second.Step();
        }
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Throws<ArgumentException>(() => second.LoadState(1, [("0.momentum_buffer", g)]));
    }

    [Fact]
    public void LearningRateIsReadEachStep()
    {
        using var p = Tensor.Full(Cpu, 1f, 5);
        using var g = Tensor.Full(Cpu, 2f, 5);
        p.Grad = g;
        using var sgd = new Sgd([p], learningRate: 0.1);
        sgd.Step();
        sgd.LearningRate = 0.01;
        sgd.Step();
        Assert.All(p.ToArray(), v => Assert.Equal(1f - 0.2f - 0.02f, v, 1e-6f));
    }

    [Fact]
    public void ClippingLeavesSmallGradientsAndScalesLargeOnes()
    {
        using var p1 = Tensor.Zeros(Cpu, 3);
        using var p2 = Tensor.Zeros(Cpu, 2, 3);
        using var none = Tensor.Zeros(Cpu, 4);
        float[] g1 = [3f, 0f, 0f], g2 = [0f, 4f, 0f, 0f, 0f, 0f];  // global norm 5
        using var grad1 = Tensor.FromArray(Cpu, g1, 3);
        using var grad2 = Tensor.FromArray(Cpu, g2, 2, 3);
        p1.Grad = grad1;
        p2.Grad = grad2;
        Tensor[] parameters = [p1, p2, none];

        using (var norm = GradClip.ClipGlobalNorm(parameters, maxNorm: 10f))
            Assert.Equal(5f, norm.Item(), 1e-5f);
        Assert.Equal(g1, grad1.ToArray());
        Assert.Equal(g2, grad2.ToArray());

        using (var norm = GradClip.ClipGlobalNorm(parameters, maxNorm: 1f))
            Assert.Equal(5f, norm.Item(), 1e-5f);
        var c1 = grad1.ToArray();
        var c2 = grad2.ToArray();
        Assert.Equal(0.6f, c1[0], 1e-5f);
        Assert.Equal(0.8f, c2[1], 1e-5f);
        double clipped = Math.Sqrt(c1.Concat(c2).Sum(v => (double)v * v));
        Assert.Equal(1.0, clipped, 1e-5);
        Assert.Null(none.Grad);
    }

    [Fact]
    public void ClippingCoversLargeTensorsOnBothReductionVariants()
    {
        foreach (var device in new[] { Cpu, Device.GpuShapedCpu })
        {
            var values = Values(5003, 9, 3f);
            using var p = Tensor.Zeros(device, 5003);
            using var grad = Tensor.FromArray(device, values, 5003);
            p.Grad = grad;
            double norm = Math.Sqrt(values.Sum(v => (double)v * v));
            using var result = GradClip.ClipGlobalNorm([p], maxNorm: 2f);
            Assert.Equal(norm, result.Item(), norm * 1e-5);
            var scaled = grad.ToArray();
            double coefficient = 2 / (norm + 1e-6);
            for (int i = 0; i < values.Length; i += 97) Assert.Equal(values[i] * coefficient, scaled[i], 1e-5);
        }
    }
}
