using System.Diagnostics;
using static TorchSharp.torch;

namespace TorchPeer;

/// <summary>What every command shares: libtorch's thread count, its description, wall-clock medians and the peak RSS.</summary>
internal static class Peer
{
    /// <summary>One intra-op thread per processor, as PyTorch's default on a machine this size; float32 throughout.</summary>
    public static void Configure()
    {
        set_num_threads(Environment.ProcessorCount);
        set_default_dtype(float32);
    }

    public static string Describe() =>
        $"libtorch {__version__} (TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}) on the CPU, {get_num_threads()} threads, float32";

    public static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>Median milliseconds of <paramref name="run"/> after <paramref name="warmup"/> untimed runs (BenchTimer.MedianMs's upper median).</summary>
    public static double MedianMs(Action run, int repeats, int warmup)
    {
        for (int i = 0; i < warmup; i++) run();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[repeats / 2];
    }

    /// <summary>The process's peak resident set (VmHWM of /proc/self/status), or -1 where there is none.</summary>
    public static long PeakRssBytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return -1;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line == null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
