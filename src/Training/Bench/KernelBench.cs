using ILGPU.Runtime;
using Device = ILGpuNet.Tensors.Device;
using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Tensors;

namespace ILGpuNet.Training.Bench;

/// <summary>One measured kernel: median time and achieved rate, with its share of the device roofline (GB/s or GFLOP/s).</summary>
public sealed record KernelTiming(string Kernel, string Shape, double MedianMs, double Rate, string Unit, double RooflineShare);

/// <summary>
/// Kernel throughput on the device at hand: the roofline first (streaming copy and FMA peak, <see cref="Roofline"/>),
/// then the driver copy, elementwise, reduction and GEMM kernels as shares of it. Used by <c>ilgpunet kernelbench</c>
/// and the GPU script.
/// </summary>
public sealed class KernelBench(Device device, int repeats = 20)
{
    /// <summary>The measured ceilings (set by the first item <see cref="Run"/> yields).</summary>
    public RooflinePeaks? Peaks { get; private set; }

    /// <summary>Roofline bandwidth, bytes read plus written per second (kept under this name for the JSON readers).</summary>
    public double CopyBytesPerSecond => Peaks?.BytesPerSecond ?? 0;

    public IEnumerable<KernelTiming> Run(long elements, int gemmSize)
    {
        var rng = new Random(7);
        using var scope = new TensorScope();
        var a = Random(elements, rng);
        var b = Random(elements, rng);
        var y = Tensor.Empty(device, (int)elements);
        long bytes = elements * sizeof(float);

        var peaks = Peaks = Roofline.Measure(device, repeats, elements);
        yield return new KernelTiming("copy kernel (roofline)", elements.ToString("N0") + " floats", 2 * bytes / peaks.CopyKernelBytesPerSecond * 1e3,
            peaks.CopyKernelBytesPerSecond / 1e9, "GB/s", peaks.CopyKernelBytesPerSecond / peaks.BytesPerSecond);
        int fmaItems = Roofline.FmaItems(device);
        double fmaFlops = (double)fmaItems * RooflineKernels.FlopsPerItem(Roofline.FmaIterations);
        yield return new KernelTiming("fma chains (roofline)", $"{fmaItems:N0} x {RooflineKernels.FlopsPerItem(Roofline.FmaIterations):N0} flops",
            fmaFlops / peaks.FlopsPerSecond * 1e3, peaks.Gflops, "GFLOP/s", 1.0);

        yield return Memory("copy (device to device)", elements, Time(() => a.View.CopyTo(device.Stream, y.View)), 2 * bytes);

        yield return Memory("silu forward", elements, Time(() => device.Run(ElementwiseKernels.Map<SiluOp>, elements / 4, a.View, y.View, (int)elements)), 2 * bytes);
        yield return Memory("silu backward", elements, Time(() => device.Run(ElementwiseKernels.MapBackward<SiluOp>, elements / 4, a.View, b.View, y.View, (int)elements, 0)), 3 * bytes);
        yield return Memory("add", elements, Time(() => device.Run(ElementwiseKernels.Zip<AddOp>, elements / 4, a.View, b.View, y.View, (int)elements)), 3 * bytes);
        yield return Memory("axpby", elements, Time(() => y.Axpby(0.5f, a, 0.25f)), 3 * bytes);
        using var sum = Tensor.Empty(device, 1);
        yield return Memory("sum", elements, Time(() => Reductions.Sum<IdentityOp>(a.View, sum.View, device)), bytes);
        int channels = 64;
        var perChannel = Tensor.Empty(device, channels);
        yield return Memory("channel sum (64 ch)", elements, Time(() => Reductions.ChannelSum<IdentityOp>(a.View, perChannel.View, 1, channels, (int)(elements / channels), device)), bytes);

        if (gemmSize > 0)
        {
            int n = gemmSize;
            var ma = Random((long)n * n, rng).Reshape(n, n);
            var mb = Random((long)n * n, rng).Reshape(n, n);
            var mc = Tensor.Empty(device, n, n);
            double flops = 2.0 * n * n * n;
            foreach (var (name, ta, tb) in new[] { ("gemm NN", false, false), ("gemm NT", false, true), ("gemm TN", true, false) })
            {
                double ms = Time(() => Blas.Gemm(ma, ta, mb, tb, mc, 1f, 0f));
                double rate = flops / (ms * 1e-3) / 1e9;
                yield return new KernelTiming(name, $"{n}x{n}x{n}", ms, rate, "GFLOP/s", peaks.Share(rate, "GFLOP/s"));
            }
        }
    }

    private Tensor Random(long n, Random rng)
    {
        var data = new float[n];
        for (long i = 0; i < n; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return Tensor.FromArray(device, data, (int)n);
    }

    private KernelTiming Memory(string name, long elements, double ms, long bytes)
    {
        double rate = bytes / (ms * 1e-3) / 1e9;
        return new KernelTiming(name, elements.ToString("N0") + " floats", ms, rate, "GB/s", Peaks?.Share(rate, "GB/s") ?? double.NaN);
    }

    private double Time(Action launch) => BenchTimer.MedianMs(device, launch, repeats);
}
