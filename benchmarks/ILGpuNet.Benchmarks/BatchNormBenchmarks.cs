using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using ILGpuNet.Layers;
using ILGpuNet.Tensors;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// Training-mode BatchNorm3d with fused SiLU on the stem's output, 64 x 46 x 55 x 46 per sample, on the
/// CPU accelerator: forward (statistics pass + apply pass), backward alone (sums pass + dx pass, the forward
/// run untimed before each iteration), both, and the unfused composition (BatchNorm3d then Ops.Silu) for
/// comparison. The GB/s column counts the bytes of the minimal passes of the fused op: forward reads x
/// twice and writes y (3 tensors), backward reads x and dy twice and writes dx (5 tensors); the unfused
/// rows are rated on the same bytes, so the column shows what fusion buys; the roofline column divides by
/// the CPU accelerator's measured copy bandwidth.
/// <c>dotnet run -c Release --project benchmarks/ILGpuNet.Benchmarks -- --filter '*BatchNormBenchmarks*'</c>
/// </summary>
[Config(typeof(RooflineConfig))]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 7)]
public class BatchNormBenchmarks
{
    /// <summary>Values per sample of the stem output.</summary>
    public const long SampleElements = 64L * 46 * 55 * 46;

    private Device device = null!;
    private Tensor x = null!, dy = null!, weight = null!, bias = null!, runningMean = null!, runningVar = null!;
    private TensorScope? backwardScope;
    private Tensor? pending;

    [Params(1, 8)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        device = Device.Cpu;
        var rng = new Random(1);
        long n = Batch * SampleElements;
        var data = new float[n];
        for (long i = 0; i < n; i++) data[i] = (float)(rng.NextDouble() * 4 - 1);
        x = Tensor.FromArray(device, data, Batch, 64, 46, 55, 46);
        for (long i = 0; i < n; i++) data[i] = (float)(rng.NextDouble() - 0.5);
        dy = Tensor.FromArray(device, data, x.Shape);
        weight = Tensor.Full(device, 1f, 64);
        bias = Tensor.Zeros(device, 64);
        runningMean = Tensor.Zeros(device, 64);
        runningVar = Tensor.Full(device, 1f, 64);
    }

    [Benchmark(Description = "forward, fused SiLU")]
    [Work(Bytes = 3.0 * SampleElements * sizeof(float), PerParam = nameof(Batch))]
    public void Forward()
    {
        using var scope = new TensorScope();
        Ops.BatchNorm3d(x, weight, bias, runningMean, runningVar, training: true, fuseSilu: true);
        device.Synchronize();
    }

    [IterationSetup(Target = nameof(Backward))]
    public void RecordForward()
    {
        backwardScope = new TensorScope();
        SetRequiresGrad(true);
        pending = Ops.BatchNorm3d(x, weight, bias, runningMean, runningVar, training: true, fuseSilu: true);
        device.Synchronize();
    }

    [Benchmark(Description = "backward, fused SiLU")]
    [Work(Bytes = 5.0 * SampleElements * sizeof(float), PerParam = nameof(Batch))]
    public void Backward()
    {
        Autograd.Backward(pending!, dy);
        device.Synchronize();
    }

    [IterationCleanup(Target = nameof(Backward))]
    public void ReleaseBackward()
    {
        ClearGrads();
        backwardScope?.Dispose();
        backwardScope = null;
    }

    [Benchmark(Description = "forward + backward, fused SiLU")]
    [Work(Bytes = 8.0 * SampleElements * sizeof(float), PerParam = nameof(Batch))]
    public void ForwardBackward()
    {
        using var scope = new TensorScope();
        SetRequiresGrad(true);
        Autograd.Backward(Ops.BatchNorm3d(x, weight, bias, runningMean, runningVar, training: true, fuseSilu: true), dy);
        device.Synchronize();
        ClearGrads();
    }

    [Benchmark(Description = "forward + backward, BatchNorm3d then Silu")]
    [Work(Bytes = 8.0 * SampleElements * sizeof(float), PerParam = nameof(Batch))]
    public void ForwardBackwardUnfused()
    {
        using var scope = new TensorScope();
        SetRequiresGrad(true);
        Autograd.Backward(Ops.Silu(Ops.BatchNorm3d(x, weight, bias, runningMean, runningVar, training: true)), dy);
        device.Synchronize();
        ClearGrads();
    }

    private void SetRequiresGrad(bool value)
    {
        x.RequiresGrad = value;
        weight.RequiresGrad = value;
        bias.RequiresGrad = value;
    }

    private void ClearGrads()
    {
        foreach (var t in new[] { x, weight, bias })
        {
            t.Grad?.Dispose();
            t.Grad = null;
            t.RequiresGrad = false;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { x, dy, weight, bias, runningMean, runningVar }) t.Dispose();
    }
}
