using ILGpuNet.Layers;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Tensors;

public class AutogradTests
{
    private static readonly Device Cpu = Device.Cpu;

    private static Tensor Param(params float[] values)
    {
        var t = Tensor.FromArray(Cpu, values, values.Length);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void GradientsOfASharedInputAddUp()
    {
        using var x = Param(1f, 2f, 3f);
        using (new TensorScope())
        {
            // y = sum(x*x + x) -> dy/dx = 2x + 1, x reached along three paths
            var y = Ops.Sum(Ops.Add(Ops.Mul(x, x), x));
            Autograd.Backward(y);
        }
        Assert.Equal([3f, 5f, 7f], x.Grad!.ToArray());
        x.Grad.Dispose();
    }

    [Fact]
    public void GradientsAccumulateAcrossBackwardCallsUntilZeroGrad()
    {
        using var x = Param(1f, -2f);
        for (int i = 0; i < 2; i++)
            using (new TensorScope())
                Autograd.Backward(Ops.Sum(Ops.Scale(x, 3f)));
        Assert.Equal([6f, 6f], x.Grad!.ToArray());
        x.ZeroGrad();
        Assert.Equal([0f, 0f], x.Grad!.ToArray());
        x.Grad.Dispose();
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        using var x = Param(1f, 2f);
        using var scope = new TensorScope();
        using (Autograd.NoGrad())
        {
            var y = Ops.Silu(x);
            Assert.False(y.RequiresGrad);
            Assert.Null(y.GradFn);
        }
        Assert.True(Ops.Silu(x).RequiresGrad);
    }

    [Fact]
    public void BackwardConsumesTheTapeAndFreesIntermediateGradients()
    {
        using var x = Param(0.5f, 1.5f);
        using var scope = new TensorScope();
        var hidden = Ops.Sigmoid(x);
        var loss = Ops.Mean(Ops.Mul(hidden, hidden));
        Autograd.Backward(loss);
        Assert.Null(hidden.Grad);
        Assert.Null(hidden.GradFn);
        Assert.Null(loss.GradFn);
        Assert.NotNull(x.Grad);
        Assert.Throws<InvalidOperationException>(() => Autograd.Backward(Ops.Sum(Tensor.Zeros(Cpu, 2))));
        x.Grad!.Dispose();
    }

    [Fact]
    public void ConstantsGetNoGradient()
    {
        using var x = Param(1f, 2f);
        using var c = Tensor.FromArray(Cpu, [3f, 4f], 2);
        using (new TensorScope()) Autograd.Backward(Ops.Sum(Ops.Mul(x, c)));
        Assert.Null(c.Grad);
        Assert.Equal([3f, 4f], x.Grad!.ToArray());
        x.Grad.Dispose();
    }

    [Fact]
    public void ElementwiseKernelMatchesAPlainLoopOnLargeOddSizes()
    {
        int n = 1_000_003;  // many Float4 groups per thread plus a tail
        var rng = new Random(5);
        var data = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray();
        var poison = TensorPoison.Scope();
        try
        {
            using var scope = new TensorScope();
            var y = Ops.Silu(Tensor.FromArray(Cpu, data, n)).ToArray();
            for (int i = 0; i < n; i += 997)
                Assert.Equal(data[i] / (1 + Math.Exp(-data[i])), y[i], 1e-5);
            Assert.All(y, v => Assert.True(float.IsFinite(v)));
        }
        finally
        {
            poison.Dispose();
        }
    }
}
