using System.CommandLine;
using System.Text.Json;
using ILGpuNet.Training.Bench;

namespace ILGpuNet.Cli.Commands;

/// <summary><c>ilgpunet opbench</c>: the model's operators at their real shapes, forward and backward.</summary>
internal static class OpBenchCommand
{
    public static Command Create(TextWriter output)
    {
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var batches = new Option<string>("--batch") { Description = "Comma-separated batch sizes", DefaultValueFactory = _ => "1,8" };
        var op = new Option<string?>("--op") { Description = "Only ops whose name contains this text" };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per op (median reported)", DefaultValueFactory = _ => 10 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file" };
        var command = new Command("opbench", "Time each operator of the 3D EfficientNet at the reference shapes (input 91x109x91), forward and backward")
        {
            device, precision, batches, op, repeats, json,
        };
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Open(parse.GetValue(device)!, parse.GetValue(precision)!);
            int[] sizes = CommonOptions.ParseBatches(parse.GetValue(batches)!);
            if (parse.GetValue(repeats) < 1) throw new CliException("--repeats must be >= 1");
            var compiled = CompileStats.Now();
            var bench = new OpBench(dev, parse.GetValue(repeats));
            output.WriteLine($"opbench on {dev}, {CommonOptions.PrecisionText(dev)}");
            output.WriteLine($"{"op",-28} {"shape",-32} {"fwd ms",9} {"bwd ms",9} {"fwd rate",9} {"bwd rate",9} unit");
            var rows = new List<OpTiming>();
            foreach (int b in sizes)
                foreach (var t in bench.Run(b, parse.GetValue(op)))
                {
                    rows.Add(t);
                    output.WriteLine($"{t.Op,-28} {t.Shape,-32} {t.ForwardMs,9:F3} {t.BackwardMs,9:F3} {t.ForwardRate,9:F1} {t.BackwardRate,9:F1} {t.Unit}");
                }
            var compile = CompileStats.Since(compiled);
            output.WriteLine(compile);
            var file = parse.GetValue(json);
            if (file != null)
                AtomicFile.WriteAllText(file.FullName, JsonSerializer.Serialize(
                    new { device = dev.ToString(), ops = rows, compiled_kernels = compile.Kernels, compile_s = compile.Seconds },
                    new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            return 0;
        });
        return command;
    }
}
