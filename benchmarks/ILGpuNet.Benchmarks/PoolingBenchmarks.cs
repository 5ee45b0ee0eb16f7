using BenchmarkDotNet.Attributes;
using ILGpuNet.Layers;
using ILGpuNet.Tensors;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// The reference model's pooling and gating ops on the CPU accelerator, forward and backward through the
/// tape as training runs them: MaxPool3d(1, stride 2) on the stem output (64 x 46 x 55 x 46 per sample),
/// the fused channel scale on the first block's map (64 x 23 x 28 x 23) against the unfused broadcast
/// Mul, and squeeze-excitation on 256 x 3 x 4 x 3 (r = 64).
/// <para>
/// Bytes to divide by for GB/s, each element read or written once, with P the pooled map's and S the
/// stem output's element count (4 bytes each): pooling forward 2P; pooling forward + backward 5P + S
/// (Autograd.Backward copies the incoming gradient: 2P); channel scale forward + backward 7P (forward 2P,
/// gradient copy 2P, fused backward reads dy and x and writes dx); the unfused Mul moves 11P for the same
/// but is rated on the fused op's 7P, so its rate shows what fusion buys.
/// </para>
/// </summary>
[MemoryDiagnoser(false)]
[Config(typeof(RooflineConfig))]
public class PoolingBenchmarks
{
    /// <summary>Bytes of the pooled map (P) and of the stem output (S) per sample.</summary>
    private const double PooledBytes = 64.0 * 23 * 28 * 23 * sizeof(float), StemBytes = 64.0 * 46 * 55 * 46 * sizeof(float);

    [Params(1, 8)]
    public int Batch { get; set; }

    private Device device = null!;
    private Tensor stem = null!, stemGrad = null!, map = null!, mapGrad = null!, gate = null!, se = null!, seGrad = null!;
    private Tensor w1 = null!, b1 = null!, w2 = null!, b2 = null!;

    [GlobalSetup]
    public void Setup()
    {
        device = Device.Cpu;
        var rng = new RandomSource(17);
        stem = rng.Normal(device, [Batch, 64, 46, 55, 46]);
        stemGrad = rng.Normal(device, [Batch, 64, 23, 28, 23]);
        map = rng.Normal(device, [Batch, 64, 23, 28, 23]);
        mapGrad = rng.Normal(device, [Batch, 64, 23, 28, 23]);
        gate = rng.Uniform(device, [Batch, 64, 1, 1, 1]);
        se = rng.Normal(device, [Batch, 256, 3, 4, 3]);
        seGrad = rng.Normal(device, [Batch, 256, 3, 4, 3]);
        w1 = rng.Normal(device, [64, 256, 1, 1, 1], 0f, 0.06f);
        b1 = rng.Normal(device, [64], 0f, 0.06f);
        w2 = rng.Normal(device, [256, 64, 1, 1, 1], 0f, 0.12f);
        b2 = rng.Normal(device, [256], 0f, 0.12f);
        foreach (var t in new[] { stem, map, gate, se, w1, b1, w2, b2 }) t.RequiresGrad = true;
    }

    [Benchmark(Description = "maxpool k1 s2 forward, stem output")]
    [Work(Bytes = 2 * PooledBytes, PerParam = nameof(Batch))]
    public void MaxPoolStemForward()
    {
        using var scope = new TensorScope();
        using (Autograd.NoGrad()) Ops.MaxPool3d(stem, 1, 2);
        device.Synchronize();
    }

    [Benchmark(Description = "maxpool k1 s2 forward + backward, stem output")]
    [Work(Bytes = 5 * PooledBytes + StemBytes, PerParam = nameof(Batch))]
    public void MaxPoolStemForwardBackward()
    {
        using var scope = new TensorScope();
        Autograd.Backward(Ops.MaxPool3d(stem, 1, 2), stemGrad);
        Drop(stem);
        device.Synchronize();
    }

    [Benchmark(Description = "channel scale (fused) forward + backward, 64 x 23x28x23")]
    [Work(Bytes = 7 * PooledBytes, PerParam = nameof(Batch))]
    public void ChannelScaleForwardBackward()
    {
        using var scope = new TensorScope();
        Autograd.Backward(Ops.ChannelScale(map, gate), mapGrad);
        Drop(map, gate);
        device.Synchronize();
    }

    [Benchmark(Baseline = true, Description = "broadcast Mul (unfused) forward + backward, 64 x 23x28x23")]
    [Work(Bytes = 7 * PooledBytes, PerParam = nameof(Batch))]
    public void UnfusedMulForwardBackward()
    {
        using var scope = new TensorScope();
        Autograd.Backward(Ops.Mul(map, gate), mapGrad);
        Drop(map, gate);
        device.Synchronize();
    }

    [Benchmark(Description = "squeeze-excitation forward + backward, 256 x 3x4x3, r 64")]
    public void SqueezeExcitationForwardBackward()
    {
        using var scope = new TensorScope();
        Autograd.Backward(Ops.SqueezeExcitation(se, w1, b1, w2, b2), seGrad);
        Drop(se, w1, b1, w2, b2);
        device.Synchronize();
    }

    /// <summary>Leaf gradients outlive the scope on purpose: free them so every iteration starts clean.</summary>
    private static void Drop(params Tensor[] leaves)
    {
        foreach (var t in leaves)
        {
            t.Grad?.Dispose();
            t.Grad = null;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { stem, stemGrad, map, mapGrad, gate, se, seGrad, w1, b1, w2, b2 }) t.Dispose();
    }
}
