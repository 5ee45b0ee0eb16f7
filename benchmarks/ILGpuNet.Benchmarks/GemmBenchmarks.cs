using BenchmarkDotNet.Attributes;
using ILGpuNet.Tensors;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// GEMM at 512^3 on the CPU accelerator (issue target: at least 2 GFLOP/s; a naive one-thread-per-output
/// kernel reaches ~0.16). GFLOP/s = 2 * 512^3 / time, also as a share of the FMA-chain peak.
/// </summary>
[Config(typeof(RooflineConfig))]
public class GemmBenchmarks
{
    private const int N = 512;
    private Device device = null!;
    private Tensor a = null!, b = null!, c = null!;

    [Params(false, true)]
    public bool TransposeB { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        device = Device.Cpu;
        var rng = new Random(2);
        a = Tensor.FromArray(device, Enumerable.Range(0, N * N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), N, N);
        b = Tensor.FromArray(device, Enumerable.Range(0, N * N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), N, N);
        c = Tensor.Empty(device, N, N);
    }

    [Benchmark(Description = "gemm 512^3 (CPU accelerator)")]
    [Work(Flops = 2.0 * N * N * N)]
    public void Gemm()
    {
        Blas.Gemm(a, false, b, TransposeB, c);
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        a.Dispose();
        b.Dispose();
        c.Dispose();
    }
}
