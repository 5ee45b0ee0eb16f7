using System.CommandLine;
using System.Text.Json;
using ILGpuNet.Training.Bench;

namespace ILGpuNet.Cli.Commands;

/// <summary><c>ilgpunet roofline</c>: the device's measured bandwidth and FP32 peak, the denominators of every share we print.</summary>
internal static class RooflineCommand
{
    public static Command Create(TextWriter output)
    {
        var device = CommonOptions.Device();
        var elements = new Option<long?>("--elements") { Description = "Floats per copy operand (default: 64M on CUDA, 4M on the CPU)" };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per kernel (median reported)", DefaultValueFactory = _ => 20 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file" };
        var command = new Command("roofline", "Measure the device's streaming bandwidth (GB/s) and FP32 FMA peak (GFLOP/s)")
        {
            device, elements, repeats, json,
        };
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Open(parse.GetValue(device)!);
            long n = parse.GetValue(elements) ?? Roofline.DefaultElements(dev);
            int reps = parse.GetValue(repeats);
            if (n < 1024 || n > int.MaxValue) throw new CliException("--elements must be between 1024 and 2^31-1");
            if (reps < 1) throw new CliException("--repeats must be >= 1");
            output.WriteLine($"roofline on {dev}");
            var peaks = Roofline.Measure(dev, reps, n);
            output.WriteLine(Describe(peaks));
            var file = parse.GetValue(json);
            if (file != null)
                AtomicFile.WriteAllText(file.FullName, JsonSerializer.Serialize(new { device = dev.ToString(), roofline = Json(peaks) },
                    new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }

    public static string Describe(RooflinePeaks p) =>
        $"roofline: {p.BandwidthGBps:F1} GB/s (copy kernel {p.CopyKernelBytesPerSecond / 1e9:F1}, driver copy {p.DriverCopyBytesPerSecond / 1e9:F1}), {p.Gflops:F1} GFLOP/s FP32 (FMA chains)";

    /// <summary>The JSON object compare.py reads (benchmarks/gpu/README.md).</summary>
    public static object Json(RooflinePeaks p) => new
    {
        bandwidth_gbps = p.BandwidthGBps,
        fp32_gflops = p.Gflops,
        copy_kernel_gbps = p.CopyKernelBytesPerSecond / 1e9,
        driver_copy_gbps = p.DriverCopyBytesPerSecond / 1e9,
    };
}
