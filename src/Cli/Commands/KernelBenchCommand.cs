using System.CommandLine;
using System.Text.Json;
using ILGpuNet.Training.Bench;

namespace ILGpuNet.Cli.Commands;

/// <summary><c>ilgpunet kernelbench</c>: kernel throughput as shares of the measured roofline (copy bandwidth, FMA peak).</summary>
internal static class KernelBenchCommand
{
    public static Command Create(TextWriter output)
    {
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var elements = new Option<long?>("--elements") { Description = "Floats per operand of the memory-bound kernels (default: 64M on CUDA, 4M on the CPU)" };
        var gemm = new Option<int?>("--gemm") { Description = "GEMM size n for n x n x n (default: 4096 on CUDA, 512 on the CPU; 0 skips)" };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per kernel (median reported)", DefaultValueFactory = _ => 20 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file" };
        var command = new Command("kernelbench", "Time the core kernels as shares of the measured roofline: GB/s of the copy bandwidth, GFLOP/s of the FP32 FMA peak")
        {
            device, precision, elements, gemm, repeats, json,
        };
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Open(parse.GetValue(device)!, parse.GetValue(precision)!);
            long n = parse.GetValue(elements) ?? (dev.IsCpu ? 4L << 20 : 64L << 20);
            int g = parse.GetValue(gemm) ?? (dev.IsCpu ? 512 : 4096);
            int reps = parse.GetValue(repeats);
            if (n < 1024 || n > int.MaxValue) throw new CliException("--elements must be between 1024 and 2^31-1");
            if (g < 0 || reps < 1) throw new CliException("--gemm must be >= 0 and --repeats >= 1");
            var compiled = CompileStats.Now();
            var bench = new KernelBench(dev, reps);
            output.WriteLine($"kernelbench on {dev}, {CommonOptions.PrecisionText(dev)}");
            output.WriteLine($"{"kernel",-26} {"shape",-22} {"median ms",10} {"rate",10} {"unit",-8} {"of roofline",11}");
            var rows = new List<KernelTiming>();
            foreach (var t in bench.Run(n, g))
            {
                rows.Add(t);
                output.WriteLine($"{t.Kernel,-26} {t.Shape,-22} {t.MedianMs,10:F3} {t.Rate,10:F1} {t.Unit,-8} {(double.IsNaN(t.RooflineShare) ? "" : t.RooflineShare.ToString("P0")),11}");
            }
            var peaks = bench.Peaks!;
            output.WriteLine(RooflineCommand.Describe(peaks));
            var compile = CompileStats.Since(compiled);
            output.WriteLine(compile);
            var file = parse.GetValue(json);
            if (file != null)
            {
                var doc = new
                {
                    device = dev.ToString(), copyBytesPerSecond = bench.CopyBytesPerSecond, roofline = RooflineCommand.Json(peaks), kernels = rows,
                    compiled_kernels = compile.Kernels, compile_s = compile.Seconds,
                };
                AtomicFile.WriteAllText(file.FullName, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            }
            return 0;
        });
        return command;
    }
}
