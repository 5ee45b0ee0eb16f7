using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using Device = ILGpuNet.Tensors.Device;

namespace ILGpuNet.Training.Bench;

/// <summary>
/// The device's measured ceilings: streaming bandwidth (bytes read plus written per second) and FP32
/// arithmetic (flops per second, 2 per FMA). Bandwidth is the better of our Float4 copy kernel and the
/// driver's device-to-device copy, so a share of it never flatters a kernel because our copy is slow.
/// </summary>
public sealed record RooflinePeaks(double CopyKernelBytesPerSecond, double DriverCopyBytesPerSecond, double FlopsPerSecond)
{
    public double BytesPerSecond => Math.Max(CopyKernelBytesPerSecond, DriverCopyBytesPerSecond);
    public double BandwidthGBps => BytesPerSecond / 1e9;
    public double Gflops => FlopsPerSecond / 1e9;

    /// <summary>Share of the ceiling that matches <paramref name="unit"/> (GB/s or GFLOP/s); NaN for other units.</summary>
    public double Share(double rate, string unit) => unit switch
    {
        "GB/s" => rate / BandwidthGBps,
        "GFLOP/s" => rate / Gflops,
        _ => double.NaN,
    };
}

/// <summary>Measures <see cref="RooflinePeaks"/> with <see cref="RooflineKernels"/> (used by kernelbench, roofline and the benchmarks).</summary>
public static class Roofline
{
    /// <summary>FMA-loop iterations per item: long enough that launch overhead and the one load/store per item vanish.</summary>
    public const int FmaIterations = 512;

    /// <summary>Floats per copy operand by default: far beyond the last-level cache (64M on CUDA = 256 MB; 4M on the CPU).</summary>
    public static long DefaultElements(Device device) => device.IsCpu ? 4L << 20 : 64L << 20;

    /// <summary>
    /// Items of the FMA kernel: four per resident CUDA thread (every SM full, a short grid-stride tail);
    /// on the CPU accelerator a fixed 4096 (268 MFLOP, a fraction of a second per run).
    /// </summary>
    public static int FmaItems(Device device) => device.IsCpu ? 4096 : device.MaxThreads * 4;

    public static RooflinePeaks Measure(Device device, int repeats = 20, long? elements = null)
    {
        long n = elements ?? DefaultElements(device);
        if (n < 4 || n > int.MaxValue) throw new ArgumentException($"roofline copy size must be between 4 and 2^31-1 floats, got {n}");
        using var scope = new TensorScope();
        var x = Tensor.Empty(device, (int)n);
        var y = Tensor.Empty(device, (int)n);
        x.Fill(1f);
        double bytes = 2.0 * n * sizeof(float);
        double kernelMs = BenchTimer.MedianMs(device, () => device.Run(RooflineKernels.Copy, n / 4, x.View, y.View, (int)n), repeats);
        double driverMs = BenchTimer.MedianMs(device, () => x.View.CopyTo(device.Stream, y.View), repeats);

        int items = FmaItems(device);
        var seeds = Tensor.Empty(device, items);
        var sums = Tensor.Empty(device, items);
        seeds.Fill(0.5f);
        // v -> 0.999 v + 0.001 contracts towards 1: values stay finite and normal whatever the iteration count.
        double fmaMs = BenchTimer.MedianMs(device,
            () => device.Run(RooflineKernels.Fma, items, seeds.View, sums.View, items, FmaIterations, 0.999f, 0.001f), repeats);
        double flops = (double)items * RooflineKernels.FlopsPerItem(FmaIterations);
        return new RooflinePeaks(bytes / (kernelMs * 1e-3), bytes / (driverMs * 1e-3), flops / (fmaMs * 1e-3));
    }
}
