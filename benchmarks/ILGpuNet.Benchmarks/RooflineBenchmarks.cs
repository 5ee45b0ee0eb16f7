using BenchmarkDotNet.Attributes;
using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Bench;
using Device = ILGpuNet.Tensors.Device;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// The roofline kernels on the CPU accelerator: the Float4 copy kernel and the driver copy (bandwidth) over
/// 4M floats per operand, and the FMA-chain kernel (FP32 peak) with the item count <c>ilgpunet roofline</c>
/// uses. Every other benchmark with a [Work] attribute reports its share of these ceilings.
/// <c>dotnet run -c Release --project benchmarks/ILGpuNet.Benchmarks -- --filter '*RooflineBenchmarks*'</c>
/// </summary>
[Config(typeof(RooflineConfig))]
public class RooflineBenchmarks
{
    private const int N = 4 << 20;
    private const int FmaItems = 4096;
    private Device device = null!;
    private Tensor x = null!, y = null!, seeds = null!, sums = null!;

    [GlobalSetup]
    public void Setup()
    {
        device = Device.Cpu;
        x = Tensor.Full(device, 1f, N);
        y = Tensor.Empty(device, N);
        seeds = Tensor.Full(device, 0.5f, FmaItems);
        sums = Tensor.Empty(device, FmaItems);
    }

    [Benchmark(Baseline = true, Description = "copy kernel (Float4), 4M floats")]
    [Work(Bytes = 2.0 * N * sizeof(float))]
    public void CopyKernel()
    {
        device.Run(RooflineKernels.Copy, N / 4, x.View, y.View, N);
        device.Synchronize();
    }

    [Benchmark(Description = "driver copy, 4M floats")]
    [Work(Bytes = 2.0 * N * sizeof(float))]
    public void DriverCopy()
    {
        x.View.CopyTo(device.Stream, y.View);
        device.Synchronize();
    }

    [Benchmark(Description = "fma chains, 4096 items")]
    [Work(Flops = 2.0 * RooflineKernels.Chains * RooflineKernels.Unroll * Roofline.FmaIterations * FmaItems)]
    public void FmaChains()
    {
        device.Run(RooflineKernels.Fma, FmaItems, seeds.View, sums.View, FmaItems, Roofline.FmaIterations, 0.999f, 0.001f);
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { x, y, seeds, sums }) t.Dispose();
    }
}
