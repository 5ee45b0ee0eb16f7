using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;
using Xunit.Abstractions;

namespace ILGpuNet.Tests.Layers;

/// <summary>Philox known answers, bit-identical host and device streams, statistics, dropout and RandomSource state.</summary>
public class RandomTests(ITestOutputHelper output)
{
    private static Device Cpu => Device.Cpu;

    // Random123's kat_vectors, philox4x32 rounds 10: counter (4 words), key (2 words) -> output (4 words).
    public static IEnumerable<object[]> KnownAnswers() =>
    [
        [new uint[] { 0, 0, 0, 0 }, new uint[] { 0, 0 }, new uint[] { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 }],
        [new uint[] { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, new uint[] { 0xffffffff, 0xffffffff },
            new uint[] { 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd }],
        [new uint[] { 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344 }, new uint[] { 0xa4093822, 0x299f31d0 },
            new uint[] { 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 }],
    ];

    [Theory]
    [MemberData(nameof(KnownAnswers))]
    public void PhiloxMatchesRandom123KnownAnswers(uint[] counter, uint[] key, uint[] expected)
    {
        var r = Philox.Philox4x32_10(counter[0], counter[1], counter[2], counter[3], key[0], key[1]);
        Assert.Equal(expected, new[] { r.X, r.Y, r.Z, r.W });
        Assert.Equal(expected, IndependentPhilox(counter, key));
    }

    [Fact]
    public void PhiloxAgreesWithAnIndependentImplementation()
    {
        var rng = new Random(5);
        for (int t = 0; t < 2000; t++)
        {
            var c = Enumerable.Range(0, 4).Select(_ => (uint)rng.NextInt64(0, 1L << 32)).ToArray();
            var k = Enumerable.Range(0, 2).Select(_ => (uint)rng.NextInt64(0, 1L << 32)).ToArray();
            var r = Philox.Philox4x32_10(c[0], c[1], c[2], c[3], k[0], k[1]);
            Assert.Equal(IndependentPhilox(c, k), new[] { r.X, r.Y, r.Z, r.W });
        }
    }

    /// <summary>Philox4x32-10 written differently: arrays, Math.BigMul, the round-r key in closed form.</summary>
    private static uint[] IndependentPhilox(uint[] counter, uint[] key)
    {
        var x = (uint[])counter.Clone();
        for (uint round = 0; round < 10; round++)
        {
            uint k0 = unchecked(key[0] + round * 0x9E3779B9u), k1 = unchecked(key[1] + round * 0xBB67AE85u);
            ulong a = Math.BigMul(0xD2511F53u, x[0]), b = Math.BigMul(0xCD9E8D57u, x[2]);
            x = [(uint)(b >> 32) ^ x[1] ^ k0, (uint)b, (uint)(a >> 32) ^ x[3] ^ k1, (uint)a];
        }
        return x;
    }

    [Fact]
    public void StreamStartsWithTheKnownAnswerBlock()
    {
        // Seed 0, offset 0: block 0 is counter (0,0,0,0) under key (0,0), the first known answer.
        using var t = Tensor.Empty(Cpu, 6);
        new RandomSource(0).Uniform(t);
        uint[] kat = [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8];
        var u = t.ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal((kat[i] >> 8) / 16777216f, u[i]);
        // Elements 4 and 5 come from block 1: counter (1, 0, 0, 0).
        var b1 = Philox.Philox4x32_10(1, 0, 0, 0, 0, 0);
        Assert.Equal((b1.X >> 8) / 16777216f, u[4]);
        Assert.Equal((b1.Y >> 8) / 16777216f, u[5]);
    }

    public static IEnumerable<object[]> Streams()
    {
        ulong[] seeds = [0, 1, 0xDEADBEEF_CAFEF00D, ulong.MaxValue];
        ulong[] offsets = [0, 5, 0xFFFF_FFFE, 1UL << 40];  // 0xFFFFFFFE: the block counter carries into its high word
        int[] lengths = [1, 3, 4, 5, 17, 1023, 4099];
        int k = 0;
        foreach (var s in seeds)
            foreach (var o in offsets)
                yield return [s, o, lengths[k++ % lengths.Length]];
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void DeviceStreamsAreBitIdenticalToTheHost(ulong seed, ulong offset, int n)
    {
        foreach (var device in DevicesUnderTest())
        {
            using var scope = new TensorScope();
            var u = new RandomSource(seed, offset).Uniform(device, [n]).ToArray();
            for (int i = 0; i < n; i++)
                Assert.True(BitConverter.SingleToUInt32Bits(u[i]) == BitConverter.SingleToUInt32Bits(Philox.Uniform(seed, offset, i)),
                    $"{device}: uniform {i} of (seed {seed}, offset {offset})");

            float p = 0.37f, scale = Ops.DropoutScale(p);
            var ones = Tensor.Full(device, 1f, n);
            var y = Ops.Dropout(ones, p, training: true, new RandomSource(seed, offset)).ToArray();
            var mask = Reference.DropoutMask(seed, offset, n, p);
            for (int i = 0; i < n; i++) Assert.Equal(mask[i] ? scale : 0f, y[i]);

            // Normals use log/sin/cos: the CPU accelerator runs the host's MathF (exact); CUDA's fast
            // approximations stay within 1e-4 (Philox.Normal4).
            var z = new RandomSource(seed, offset).Normal(device, [n]).ToArray();
            for (int i = 0; i < n; i++)
            {
                float expected = Philox.Normal(seed, offset, i);
                if (device.IsCpu) Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(z[i]));
                else Assert.True(Math.Abs(expected - z[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{device}: normal {i}");
            }
        }
    }

    /// <summary>The CPU accelerator, and a CUDA GPU where there is one.</summary>
    private static IEnumerable<Device> DevicesUnderTest()
    {
        yield return Cpu;
        if (Device.List().Any(d => d.Kind == "cuda")) yield return Device.Open(DeviceKind.Cuda);
    }

    [Fact]
    public void UniformMomentsAreWithinStatisticalBounds()
    {
        const int n = 1_000_000;
        using var t = Tensor.Empty(Cpu, n);
        new RandomSource(2024).Uniform(t);
        var (mean, variance, _) = Moments(t.ToArray());
        output.WriteLine($"uniform: mean {mean:F6}, variance {variance:F6}");
        // Standard errors: mean sqrt(1/12/n) = 2.9e-4, variance sqrt((1/80 - 1/144)/n) = 7.5e-5; 5 sigma.
        Assert.InRange(mean, 0.5 - 1.5e-3, 0.5 + 1.5e-3);
        Assert.InRange(variance, 1.0 / 12 - 3.7e-4, 1.0 / 12 + 3.7e-4);
        Assert.All(t.ToArray(), v => Assert.InRange(v, 0f, 0.99999995f));

        using var ranged = Tensor.Empty(Cpu, n);
        new RandomSource(7).Uniform(ranged, -3f, 5f);
        var (m2, v2, _) = Moments(ranged.ToArray());
        Assert.InRange(m2, 1 - 8 * 1.5e-3, 1 + 8 * 1.5e-3);
        Assert.InRange(v2, 64.0 / 12 - 64 * 3.7e-4, 64.0 / 12 + 64 * 3.7e-4);
    }

    [Fact]
    public void NormalMomentsAreWithinStatisticalBounds()
    {
        const int n = 1_000_000;
        using var t = Tensor.Empty(Cpu, n);
        new RandomSource(99).Normal(t);
        var (mean, variance, withinOneSigma) = Moments(t.ToArray());
        output.WriteLine($"normal: mean {mean:F6}, variance {variance:F6}, P(|z| < 1) {withinOneSigma:F6}");
        // Standard errors: mean 1e-3, variance sqrt(2/n) = 1.4e-3, P(|z|<1) sqrt(0.683*0.317/n) = 4.7e-4; 5 sigma.
        Assert.InRange(mean, -5e-3, 5e-3);
        Assert.InRange(variance, 1 - 7.1e-3, 1 + 7.1e-3);
        Assert.InRange(withinOneSigma, 0.682689 - 2.3e-3, 0.682689 + 2.3e-3);

        using var shifted = Tensor.Empty(Cpu, n);
        new RandomSource(100).Normal(shifted, 2f, 0.5f);
        var (m2, v2, _) = Moments(shifted.ToArray());
        Assert.InRange(m2, 2 - 2.5e-3, 2 + 2.5e-3);
        Assert.InRange(v2, 0.25 * (1 - 7.1e-3), 0.25 * (1 + 7.1e-3));
    }

    /// <summary>Mean, variance, and the fraction within one standard deviation of the mean.</summary>
    private static (double Mean, double Variance, double WithinOneSigma) Moments(float[] v)
    {
        double mean = v.Average(x => (double)x);
        double variance = v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1);
        double sd = Math.Sqrt(variance);
        double within = v.Count(x => Math.Abs(x - mean) < sd) / (double)v.Length;
        return (mean, variance, within);
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    public void DropoutKeepsOneMinusPAndScalesSurvivors(float p)
    {
        const int n = 1_000_000;
        using var scope = new TensorScope();
        var x = Tensor.Full(Cpu, 1f, n);
        var y = Ops.Dropout(x, p, training: true, new RandomSource(31)).ToArray();
        float scale = (float)(1.0 / (1.0 - p));
        int kept = y.Count(v => v != 0f);
        Assert.All(y, v => Assert.True(v == 0f || v == scale));
        double fraction = kept / (double)n, sigma = Math.Sqrt(p * (1 - p) / n);
        output.WriteLine($"p {p}: kept {fraction:F6}, expected {1 - p:F6} +- {5 * sigma:E1}");
        Assert.InRange(fraction, 1 - p - 5 * sigma, 1 - p + 5 * sigma);
    }

    [Fact]
    public void DropoutIsTheIdentityOutsideTrainingOrAtZero()
    {
        using var scope = new TensorScope();
        var x = Tensor.Full(Cpu, 2f, 3, 5);
        x.RequiresGrad = true;
        var rng = new RandomSource(1);
        Assert.Same(x, Ops.Dropout(x, 0.5f, training: false, rng));
        Assert.Same(x, Ops.Dropout(x, 0f, training: true, rng));
        Assert.Null(x.GradFn);
        Assert.Equal(0UL, rng.Offset);  // nothing drawn
        Assert.All(Ops.Dropout(x, 1f, training: true, rng).ToArray(), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Dropout(x, 1.5f, training: true, rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Dropout(x, float.NaN, training: true, rng));
    }

    [Fact]
    public void DropoutBackwardRecomputesTheForwardMask()
    {
        using var scope = new TensorScope();
        const int n = 1001;
        var rng = new RandomSource(77);
        var x = Tensor.Full(Cpu, 3f, n);
        x.RequiresGrad = true;
        var y = Ops.Dropout(x, 0.4f, training: true, rng);
        rng.Uniform(Tensor.Empty(Cpu, 50));  // the source moves on before backward runs
        var yv = y.ToArray();
        Autograd.Backward(y, Tensor.Full(Cpu, 1f, n));
        var g = x.Grad!.ToArray();
        float scale = Ops.DropoutScale(0.4f);
        for (int i = 0; i < n; i++) Assert.Equal(yv[i] != 0f ? scale : 0f, g[i]);
        x.Grad.Dispose();
    }

    [Fact]
    public void ConsecutiveDrawsDifferAndReseedingRepeatsThem()
    {
        using var scope = new TensorScope();
        var rng = new RandomSource(1234);
        var a = rng.Uniform(Cpu, [37]).ToArray();
        var saved = rng.State;
        Assert.Equal((1234UL, 10UL), saved);  // 37 values take ceil(37 / 4) = 10 blocks
        var b = rng.Uniform(Cpu, [37]).ToArray();
        var mask1 = Ops.Dropout(Tensor.Full(Cpu, 1f, 64), 0.5f, true, rng).ToArray();
        var mask2 = Ops.Dropout(Tensor.Full(Cpu, 1f, 64), 0.5f, true, rng).ToArray();
        Assert.NotEqual(a, b);
        Assert.NotEqual(mask1, mask2);

        rng.Reseed(1234);
        Assert.Equal(a, rng.Uniform(Cpu, [37]).ToArray());
        Assert.Equal(b, rng.Uniform(Cpu, [37]).ToArray());
        Assert.Equal(mask1, Ops.Dropout(Tensor.Full(Cpu, 1f, 64), 0.5f, true, rng).ToArray());

        // Resume from a checkpointed state.
        var resumed = new RandomSource(0) { State = saved };
        Assert.Equal(b, resumed.Uniform(Cpu, [37]).ToArray());
        Assert.Equal(mask1, Ops.Dropout(Tensor.Full(Cpu, 1f, 64), 0.5f, true, resumed).ToArray());

        // Another seed gives another stream.
        Assert.NotEqual(a, new RandomSource(1235).Uniform(Cpu, [37]).ToArray());
    }

    [Fact]
    public void RandomKernelsCompileForSm90()
    {
        var results = PtxCompiler.CompileAll("sm_90", "RandomKernels").ToList();
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Kernel}: {r.Error}"));
    }
}
