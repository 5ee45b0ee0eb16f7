using BenchmarkDotNet.Attributes;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// Elementwise kernels on the CPU accelerator against a plain C# loop over the same data
/// (issue target: within 2x). 4M floats = 16 MB per operand, beyond the caches. Rates and roofline
/// shares count the minimal bytes: add reads two operands and writes one, silu reads one and writes one.
/// </summary>
[MemoryDiagnoser(false)]
[Config(typeof(RooflineConfig))]
public class ElementwiseBenchmarks
{
    private const int N = 4 << 20;
    private Device device = null!;
    private Tensor x = null!, y = null!, z = null!;
    private float[] hx = null!, hy = null!, hz = null!;

    [GlobalSetup]
    public void Setup()
    {
        device = Device.Cpu;
        var rng = new Random(1);
        hx = Enumerable.Range(0, N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        hy = Enumerable.Range(0, N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        hz = new float[N];
        x = Tensor.FromArray(device, hx, N);
        y = Tensor.FromArray(device, hy, N);
        z = Tensor.Empty(device, N);
    }

    [Benchmark(Description = "add: CPU accelerator kernel")]
    [Work(Bytes = 3.0 * N * sizeof(float))]
    public void AddKernel()
    {
        device.Run(ElementwiseKernels.Zip<AddOp>, N / 4, x.View, y.View, z.View, N);
        device.Synchronize();
    }

    [Benchmark(Baseline = true, Description = "add: plain C# loop")]
    [Work(Bytes = 3.0 * N * sizeof(float))]
    public void AddLoop()
    {
        for (int i = 0; i < N; i++) hz[i] = hx[i] + hy[i];
    }

    [Benchmark(Description = "silu: CPU accelerator kernel")]
    [Work(Bytes = 2.0 * N * sizeof(float))]
    public void SiluKernel()
    {
        device.Run(ElementwiseKernels.Map<SiluOp>, N / 4, x.View, z.View, N);
        device.Synchronize();
    }

    [Benchmark(Description = "silu: plain C# loop")]
    [Work(Bytes = 2.0 * N * sizeof(float))]
    public void SiluLoop()
    {
        for (int i = 0; i < N; i++) hz[i] = hx[i] / (1f + MathF.Exp(-hx[i]));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        x.Dispose();
        y.Dispose();
        z.Dispose();
    }
}
