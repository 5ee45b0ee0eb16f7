using ILGpuNet.Layers;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

public class ModuleTests
{
    private sealed class Mlp : Module
    {
        public Mlp(Device device, RandomSource rng)
        {
            First = Child("first", new Linear(device, 4, 16, rng));
            Drop = Child("drop", new Dropout(0.5f, rng));
            Second = Child("second", new Linear(device, 16, 3, rng));
        }

        public Linear First { get; }

        public Dropout Drop { get; }

        public Linear Second { get; }

        public Tensor Forward(Tensor x) => Second.Forward(Drop.Forward(Ops.Relu(First.Forward(x))));
    }

    [Fact]
    public void NamesModesAndInitialisationFollowPyTorch()
    {
        using var model = new Mlp(Device.Cpu, new RandomSource(1));
        Assert.Equal(["first.weight", "first.bias", "second.weight", "second.bias"], model.NamedParameters().Select(p => p.Name));
        Assert.Equal(4 * 16 + 16 + 16 * 3 + 3, model.ParameterCount);
        Assert.True(model.Drop.Training);
        model.Eval();
        Assert.False(model.Drop.Training);
        Assert.False(model.First.Training);
        // kaiming_uniform(a = sqrt(5)) and the bias rule both bound by 1/sqrt(fan_in) = 0.5 here.
        var w = model.First.Weight.ToArray();
        Assert.All(w, v => Assert.InRange(v, -0.5f, 0.5f));
        Assert.True(w.Max() - w.Min() > 0.5f, "weights should spread over the bound");
    }

    [Fact]
    public void ATinyClassifierLearnsASeparableProblem()
    {
        var device = Device.Cpu;
        var rng = new RandomSource(7);
        using var model = new Mlp(device, rng);
        using var optimizer = new Adam(model.Parameters(), 0.02);
        var data = new Random(3);
        var xs = new float[60 * 4];
        var ys = new float[60];
        for (int i = 0; i < 60; i++)
        {
            int label = i % 3;
            ys[i] = label;
            for (int j = 0; j < 4; j++) xs[i * 4 + j] = (float)(data.NextDouble() * 0.5 + (j == label ? 1.5 : 0));
        }
        float first = 0, last = 0;
        for (int step = 0; step < 80; step++)
        {
            using var scope = new TensorScope();
            var x = Tensor.FromArray(device, xs, 60, 4);
            var y = Tensor.FromArray(device, ys, 60);
            optimizer.ZeroGrad();
            var loss = Ops.CrossEntropy(model.Forward(x), y);
            Autograd.Backward(loss);
            optimizer.Step();
            if (step == 0) first = loss.Item();
            last = loss.Item();
        }
        Assert.True(last < 0.2f * first, $"loss {first} -> {last}");
        model.Eval();
        using (Autograd.NoGrad())
        using (new TensorScope())
        {
            var logits = model.Forward(Tensor.FromArray(device, xs, 60, 4)).ToArray();
            int correct = Enumerable.Range(0, 60).Count(i => Enumerable.Range(0, 3).MaxBy(k => logits[i * 3 + k]) == (int)ys[i]);
            Assert.True(correct >= 57, $"{correct}/60 correct");
        }
    }
}
