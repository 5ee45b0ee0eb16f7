using System.Diagnostics;
using ILGpuNet.Tensors;

namespace ILGpuNet.Training.Bench;

/// <summary>Wall-clock timing of device work: warm-up runs, then the median of timed runs, each synchronised.</summary>
public static class BenchTimer
{
    /// <summary>
    /// Median milliseconds of <paramref name="launch"/> after <paramref name="warmup"/> untimed runs (the first
    /// compiles the kernels and fills the buffer pool), the device synchronised around each timed run.
    /// </summary>
    public static double MedianMs(Device device, Action launch, int repeats, int warmup = 3)
    {
        for (int i = 0; i < warmup; i++) launch();
        device.Synchronize();
        var times = new double[Math.Max(1, repeats)];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            launch();
            device.Synchronize();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }
}
