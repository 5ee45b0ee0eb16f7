using ILGpuNet.Layers;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>
/// The one-launch flat optimizer step and clipping against the per-parameter path (bit for bit), the
/// fallback, gradient slots through autograd, and the rules of flattening.
/// </summary>
public class FlatOptimizerTests
{
    private static readonly Device Cpu = Device.Cpu;
    private static readonly int[] Sizes = [1, 7, 1001, 12];  // Float4 tails and padding between parameters

    public static IEnumerable<object[]> Kinds() =>
        new[] { "adam", "adamw", "sgd", "sgd-momentum-wd-nesterov", "sgd-dampening" }.Select(k => new object[] { k });

    private static Optimizer Create(string kind, IReadOnlyList<Tensor> p) => kind switch
    {
        "adam" => new Adam(p, learningRate: 1e-2, weightDecay: 1e-2),
        "adamw" => new AdamW(p, learningRate: 1e-2, beta1: 0.8, beta2: 0.99, weightDecay: 0.1),
        "sgd" => new Sgd(p, learningRate: 0.1),
        "sgd-momentum-wd-nesterov" => new Sgd(p, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-2, nesterov: true),
        "sgd-dampening" => new Sgd(p, learningRate: 0.05, momentum: 0.8, dampening: 0.3),
        _ => throw new ArgumentException(kind),
    };

    private static float[] Values(int n, Random rng) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    private static Tensor[] Parameters(int seed)
    {
        var rng = new Random(seed);
        return Sizes.Select(n =>
        {
            var t = TensorScope.Keep(Tensor.FromArray(Cpu, Values(n, rng), n));
            t.RequiresGrad = true;
            return t;
        }).ToArray();
    }

    private static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    private static void AssertSameBits(IReadOnlyList<Tensor> expected, IReadOnlyList<Tensor> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(Bits(expected[i]), Bits(actual[i]));
    }

    private static void AssertSameState(Optimizer expected, Optimizer actual)
    {
        var e = expected.StateTensors().ToList();
        var a = actual.StateTensors().ToList();
        Assert.Equal(e.Select(s => s.Name), a.Select(s => s.Name));
        AssertSameBits(e.Select(s => s.Tensor).ToList(), a.Select(s => s.Tensor).ToList());
        Assert.Equal(expected.ParameterSteps, actual.ParameterSteps);
    }

    private static void Dispose(IEnumerable<Tensor> parameters)
    {
        foreach (var p in parameters)
        {
            p.Grad?.Dispose();
            p.Grad = null;
            p.Dispose();
        }
    }

    /// <summary>
    /// Six steps with a learning-rate change; the flat optimizer gets its gradients through autograd (into the
    /// slots), the other as tensors of their own (per-parameter launches). With <paramref name="skipStep"/>
    /// parameter 0 has no gradient on that step: from then on both take the per-parameter path.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void FlatStepEqualsThePerParameterStepBitForBit(string kind)
    {
        foreach (int skipStep in new[] { 0, 3 })
        {
            var flatParams = Parameters(1);
            var plainParams = Parameters(1);
            var rng = new Random(2);
            using (var flat = Create(kind, flatParams))
            using (var plain = Create(kind, plainParams))
            {
                for (int step = 1; step <= 6; step++)
                {
                    if (step == 4) flat.LearningRate = plain.LearningRate = flat.LearningRate * 0.5;
                    flat.ZeroGrad();
                    plain.ZeroGrad();
                    using (new TensorScope())
                    {
                        for (int k = 0; k < Sizes.Length; k++)
                        {
                            var g = Values(Sizes[k], rng);
                            if (k == 0 && step == skipStep) continue;
                            Autograd.Accumulate(flatParams[k], Tensor.FromArray(Cpu, g, Sizes[k]));
                            plainParams[k].Grad = TensorScope.Keep(Tensor.FromArray(Cpu, g, Sizes[k]));
                        }
                        flat.Step();
                        plain.Step();
                    }
                    Assert.Equal(skipStep == 0 || step < skipStep, flat.LastStepWasFlat);
                    Assert.False(plain.LastStepWasFlat);
                    AssertSameBits(plainParams, flatParams);
                    AssertSameState(plain, flat);
                }
                if (skipStep > 0) Assert.Equal([5L, 6L, 6L, 6L], flat.ParameterSteps);
            }
            Dispose(flatParams);
            Dispose(plainParams);
        }
    }

    /// <summary>Clipping then stepping, separately (3 + 1 launches) or fused (2 + 1): the same bits, clipped or not.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void FusedClippingEqualsClippingThenStepping(string kind)
    {
        var separateParams = Parameters(3);
        var fusedParams = Parameters(3);
        var rng = new Random(4);
        using (var separate = Create(kind, separateParams))
        using (var fused = Create(kind, fusedParams))
        {
            foreach (float maxNorm in new[] { 1f, 0.5f, 100f, 2f })
            {
                separate.ZeroGrad();
                fused.ZeroGrad();
                using var scope = new TensorScope();
                for (int k = 0; k < Sizes.Length; k++)
                {
                    var g = Values(Sizes[k], rng);
                    Autograd.Accumulate(separateParams[k], Tensor.FromArray(Cpu, g, Sizes[k]));
                    Autograd.Accumulate(fusedParams[k], Tensor.FromArray(Cpu, g, Sizes[k]));
                }
                var separateNorm = GradClip.ClipGlobalNorm(separate.Parameters, maxNorm);
                separate.Step();
                var fusedNorm = fused.ClipGradNormAndStep(maxNorm);
                Assert.True(separate.LastStepWasFlat && fused.LastStepWasFlat);
                Assert.Equal(Bits(separateNorm), Bits(fusedNorm));
                AssertSameBits(separateParams, fusedParams);
                AssertSameBits(separateParams.Select(p => p.Grad!).ToList(), fusedParams.Select(p => p.Grad!).ToList());
                AssertSameState(separate, fused);
            }
        }
        Dispose(separateParams);
        Dispose(fusedParams);
    }

    /// <summary>Both reductions of the flat path (CPU Float4 partials, CUDA block sums), over many blocks per thread.</summary>
    [Fact]
    public void FlatClippingMatchesFloat64AndLeavesThePaddingZero()
    {
        int[] sizes = [1, 7, 70001, 12];
        foreach (var device in new[] { Cpu, Device.GpuShapedCpu })
        {
            var rng = new Random(6);
            var parameters = sizes.Select(n =>
            {
                var t = TensorScope.Keep(Tensor.Zeros(device, n));
                t.RequiresGrad = true;
                return t;
            }).ToArray();
            var grads = sizes.Select(n => Values(n, rng).Select(v => 3 * v).ToArray()).ToArray();
            using (var sgd = new Sgd(parameters, learningRate: 0))
            using (new TensorScope())
            {
                for (int k = 0; k < sizes.Length; k++) Autograd.Accumulate(parameters[k], Tensor.FromArray(device, grads[k], sizes[k]));
                Assert.True(sgd.Flat!.AllGradsInSlots());
                double norm = Math.Sqrt(grads.Sum(g => g.Sum(v => (double)v * v)));
                var total = GradClip.ClipGlobalNorm(parameters, maxNorm: 1.5f);
                Assert.Equal(norm, total.Item(), norm * 1e-6);
                double coefficient = 1.5 / (norm + 1e-6);
                for (int k = 0; k < sizes.Length; k++)
                {
                    var clipped = parameters[k].Grad!.ToArray();
                    for (int i = 0; i < clipped.Length; i++) Assert.Equal(grads[k][i] * coefficient, clipped[i], 1e-6);
                }
                // Parameter 0 has one element and three of padding: they stay zero in both flat buffers.
                var flatGrads = sgd.Flat.Grads.ToArray();
                var flatValues = sgd.Flat.Values.ToArray();
                for (int i = 1; i < 4; i++) Assert.Equal(0f, flatGrads[i]);
                for (int i = 1; i < 4; i++) Assert.Equal(0f, flatValues[i]);
            }
            Dispose(parameters);
        }
    }

    [Fact]
    public void ParametersMoveIntoTheFlatBufferKeepingTheirObjectsAndValues()
    {
        var parameters = Parameters(7);
        var before = parameters.Select(p => p.ToArray()).ToArray();
        using (var adam = new Adam(parameters))
        {
            Assert.Same(parameters[2], adam.Parameters[2]);
            var flat = adam.Flat!;
            Assert.Equal(4 + 8 + 1004 + 12, flat.Length);
            for (int k = 0; k < Sizes.Length; k++)
            {
                Assert.Equal(before[k], parameters[k].ToArray());
                Assert.Equal(flat.OffsetOf(k), parameters[k].Offset);
                Assert.Same(flat, parameters[k].GradSlot!.Owner);
            }
            // Writing through a parameter writes the flat buffer.
            parameters[1].Upload(Enumerable.Repeat(2.5f, 7).ToArray());
            Assert.Equal(2.5f, flat.Values.ToArray()[(int)flat.OffsetOf(1) + 6]);

            // One live optimizer per parameter; hyperparameter errors come before anything moves.
            Assert.Throws<ArgumentException>(() => new Sgd([parameters[0]], 0.1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([parameters[0]], beta1: 1.5));
        }
        Assert.Null(parameters[0].GradSlot);
        using (var again = new Sgd(parameters, 0.1)) Assert.NotNull(again.Flat);  // free again after Dispose
        var shared = Parameters(8);
        Assert.Throws<ArgumentException>(() => new Adam([shared[0], shared[0]]));
        using (var view = shared[1].Reshape(7, 1)) Assert.Throws<ArgumentException>(() => new Adam([shared[1]]));
        using (var fine = new Adam(shared)) Assert.Equal(Sizes.Length, fine.Parameters.Count);
        Dispose(parameters);
        Dispose(shared);
    }

    /// <summary>A parameter used twice in one graph: the first gradient takes the slot, the second is added to it.</summary>
    [Fact]
    public void OpsWriteTheFirstGradientIntoTheSlotAndAccumulateTheSecond()
    {
        var rng = new Random(9);
        using var w = TensorScope.Keep(Tensor.FromArray(Cpu, Values(12, rng), 3, 4));
        w.RequiresGrad = true;
        var xValues = Values(8, rng);
        using var adam = new Adam([w]);
        float[] Gradient(bool twice)
        {
            adam.ZeroGrad();
            using var scope = new TensorScope();
            var x = Tensor.FromArray(Cpu, xValues, 2, 4);
            var y = Ops.Linear(x, w);
            var loss = Ops.Sum(Ops.Mul(y, y));
            if (twice) loss = Ops.Add(loss, Ops.Sum(Ops.Linear(x, Ops.Reshape(w, 3, 4))));
            Autograd.Backward(loss);
            Assert.True(w.GradSlot!.Claimed);
            // Alone, the gradient is the slot; with a second contribution it may be a tensor of its own (order of the tape).
            if (!twice) Assert.True(adam.Flat!.AllGradsInSlots());
            return w.Grad!.ToArray();
        }
        var once = Gradient(false);
        var both = Gradient(true);
        // d/dw of sum(x w^T) = column sums of x per output row.
        var expected = once.Select((v, i) => v + xValues[i % 4] + xValues[4 + i % 4]).ToArray();
        for (int i = 0; i < 12; i++) Assert.Equal(expected[i], both[i], 1e-5f);
        adam.ZeroGrad();
        Assert.False(w.GradSlot!.Claimed);
    }

    [Fact]
    public void LoadedStateLivesInTheFlatBuffersAndTheNextStepIsFlat()
    {
        var trained = Parameters(10);
        var restored = Parameters(10);
        var rng = new Random(11);
        var grads = Enumerable.Range(0, 3).Select(_ => Sizes.Select(n => Values(n, rng)).ToArray()).ToArray();
        using (var first = new AdamW(trained, learningRate: 0.05))
        using (var second = new AdamW(restored, learningRate: 0.05))
        {
            void Step(Optimizer o, Tensor[] p, float[][] g)
            {
                o.ZeroGrad();
                using var scope = new TensorScope();
                for (int k = 0; k < Sizes.Length; k++) Autograd.Accumulate(p[k], Tensor.FromArray(Cpu, g[k], Sizes[k]));
                o.Step();
            }
            Step(first, trained, grads[0]);
            Step(first, trained, grads[1]);
            for (int k = 0; k < Sizes.Length; k++) restored[k].CopyFrom(trained[k]);
            using (new TensorScope())
                second.LoadState(first.StepCount, first.StateTensors().Select(s => (s.Name, s.Tensor.Clone())).ToList(), first.ParameterSteps);
            AssertSameState(first, second);
            var m = second.StateTensors().First(s => s.Name == "2." + Adam.ExpAvg).Tensor;
            Assert.Equal(second.Flat!.OffsetOf(2), m.Offset);
            Step(first, trained, grads[2]);
            Step(second, restored, grads[2]);
            Assert.True(second.LastStepWasFlat);
            AssertSameBits(trained, restored);
            AssertSameState(first, second);
        }
        Dispose(trained);
        Dispose(restored);
    }

    [Fact]
    public void SlicesAreAlignedViewsOfTheSameData()
    {
        using var t = TensorScope.Keep(Tensor.FromArray(Cpu, Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 12));
        using var s = TensorScope.Keep(t.Slice(4, 2, 3));
        Assert.Equal(4, s.Offset);
        Assert.Equal([4f, 5f, 6f, 7f, 8f, 9f], s.ToArray());
        s.Fill(-1f);
        Assert.Equal(-1f, t.ToArray()[9]);
        Assert.Equal(10f, t.ToArray()[10]);
        using (var r = s.Reshape(6))
        {
            Assert.True(r.SameDataAs(s));
            Assert.False(r.SameDataAs(t));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Slice(2, 2));  // not 16-byte aligned
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Slice(8, 5));  // past the end
    }

    [Fact]
    public void AGradientThatAliasesTheAccumulatedOneIsRefused()
    {
        using var w = TensorScope.Keep(Tensor.Full(Cpu, 1f, 6));
        w.RequiresGrad = true;
        using var sgd = new Sgd([w], 0.1);
        var g = Autograd.NewGradFor(w);
        Assert.True(w.GradSlot!.Claimed);
        g.Fill(2f);
        Autograd.Accumulate(w, g);
        Assert.Same(g, w.Grad);
        var second = Autograd.NewGradFor(w);  // the slot is taken: a tensor of its own
        Assert.False(w.GradSlot.Holds(second));
        second.Fill(3f);
        Autograd.Accumulate(w, second);
        Assert.All(w.Grad!.ToArray(), v => Assert.Equal(5f, v));
        using var alias = w.Grad.Reshape(2, 3);
        Assert.Throws<InvalidOperationException>(() => Autograd.Accumulate(w, alias, owned: false));
        sgd.ZeroGrad();
        Assert.False(w.GradSlot.Claimed);
    }
}
