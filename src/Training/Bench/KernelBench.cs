using System.Diagnostics;
using ILGPU.Runtime;
using Device = ILGpuNet.Tensors.Device;
using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Tensors;

namespace ILGpuNet.Training.Bench;

/// <summary>One measured kernel: median time and achieved rate, with the share of the device roofline.</summary>
public sealed record KernelTiming(string Kernel, string Shape, double MedianMs, double Rate, string Unit, double RooflineShare);

/// <summary>
/// Kernel throughput on the device at hand: the copy roofline first (device-to-device copy), then the
/// elementwise, reduction and GEMM kernels against it. Used by <c>ilgpunet kernelbench</c> and the GPU script.
/// </summary>
public sealed class KernelBench(Device device, int repeats = 20)
{
    /// <summary>Measured copy bandwidth, bytes read plus written per second.</summary>
    public double CopyBytesPerSecond { get; private set; }

    public IEnumerable<KernelTiming> Run(long elements, int gemmSize)
    {
        var rng = new Random(7);
        using var scope = new TensorScope();
        var a = Random(elements, rng);
        var b = Random(elements, rng);
        var y = Tensor.Empty(device, (int)elements);
        long bytes = elements * sizeof(float);

        double copy = Time(() => a.View.CopyTo(device.Stream, y.View));
        CopyBytesPerSecond = 2 * bytes / (copy * 1e-3);
        yield return Memory("copy (device to device)", elements, copy, 2 * bytes);

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
                yield return new KernelTiming(name, $"{n}x{n}x{n}", ms, flops / (ms * 1e-3) / 1e9, "GFLOP/s", double.NaN);
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
        return new KernelTiming(name, elements.ToString("N0") + " floats", ms, rate, "GB/s", CopyBytesPerSecond > 0 ? rate * 1e9 / CopyBytesPerSecond : double.NaN);
    }

    /// <summary>Median milliseconds of <paramref name="launch"/> after warm-up, the device synchronised around each run.</summary>
    private double Time(Action launch)
    {
        for (int i = 0; i < 3; i++) launch();
        device.Synchronize();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            launch();
            device.Synchronize();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[repeats / 2];
    }
}
