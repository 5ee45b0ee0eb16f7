using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Bench;
using Device = ILGpuNet.Tensors.Device;

namespace ILGpuNet.Tests.Kernels;

/// <summary>
/// The roofline kernels compute what they claim (a benchmark of a wrong kernel measures nothing), under the
/// launch shapes both devices use: few threads with long chunks (CPU) and chunk 1 grid-stride loops (CUDA).
/// </summary>
public class RooflineKernelTests
{
    private static readonly Device Cpu = Device.Cpu;

    public static IEnumerable<object[]> Launches() => [[1, 1, 1], [2, 2, 1], [1, 2, 3], [2, 2, 1000]];

    private static float[] RandomData(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [MemberData(nameof(Launches))]
    public void CopyReproducesItsInputIncludingTheTail(int groups, int threads, int chunk)
    {
        var copy = Cpu.Kernels.Load<ArrayView<float>, ArrayView<float>, int, int>(RooflineKernels.Copy);
        foreach (int n in new[] { 3, 4, 1031, 4096 })
        {
            var data = RandomData(n, n);
            using var x = Tensor.FromArray(Cpu, data, n);
            using var y = Tensor.Full(Cpu, float.NaN, n);
            copy(Cpu.Stream, new KernelConfig(groups, threads), x.View, y.View, n, chunk);
            Assert.Equal(data, y.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Launches))]
    public void FmaChainsMatchAFloat64Recurrence(int groups, int threads, int chunk)
    {
        var fma = Cpu.Kernels.Load<ArrayView<float>, ArrayView<float>, int, int, float, float, int>(RooflineKernels.Fma);
        const int n = 37, iterations = 5;
        const float a = 0.93f, b = 0.061f;
        var seeds = RandomData(n, 11);
        using var x = Tensor.FromArray(Cpu, seeds, n);
        using var y = Tensor.Full(Cpu, float.NaN, n);
        fma(Cpu.Stream, new KernelConfig(groups, threads), x.View, y.View, n, iterations, a, b, chunk);
        var result = y.ToArray();
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int c = 0; c < RooflineKernels.Chains; c++)
            {
                double v = seeds[i] + c * 0.125;
                for (int k = 0; k < iterations * RooflineKernels.Unroll; k++) v = v * a + b;
                sum += v;
            }
            Assert.Equal(sum, result[i], Math.Abs(sum) * 1e-5 + 1e-6);
        }
    }

    [Fact]
    public void FlopsPerItemCountsTwoPerFma() =>
        Assert.Equal(2L * RooflineKernels.Chains * RooflineKernels.Unroll * 10, RooflineKernels.FlopsPerItem(10));

    [Fact]
    public void MeasuredPeaksArePositiveAndSharesUseTheMatchingCeiling()
    {
        var peaks = Roofline.Measure(Cpu, repeats: 1, elements: 4096);
        Assert.True(peaks.CopyKernelBytesPerSecond > 0 && double.IsFinite(peaks.CopyKernelBytesPerSecond));
        Assert.True(peaks.DriverCopyBytesPerSecond > 0 && double.IsFinite(peaks.DriverCopyBytesPerSecond));
        Assert.True(peaks.FlopsPerSecond > 0 && double.IsFinite(peaks.FlopsPerSecond));
        Assert.Equal(Math.Max(peaks.CopyKernelBytesPerSecond, peaks.DriverCopyBytesPerSecond), peaks.BytesPerSecond);
        Assert.Equal(0.5, peaks.Share(peaks.BandwidthGBps / 2, "GB/s"), 12);
        Assert.Equal(0.25, peaks.Share(peaks.Gflops / 4, "GFLOP/s"), 12);
        Assert.True(double.IsNaN(peaks.Share(1, "ms")));
    }
}
