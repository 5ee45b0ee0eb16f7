using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ILGpuNet.Training.Bench;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Cli.Commands;

/// <summary>
/// <c>ilgpunet bench</c>: full training steps and inference of the EfficientNet3d on one fixed batch,
/// median ms per step, samples/s, peak memory and, with --profile, the per-op-kind breakdown and the
/// kernel launches of a step. Several batch sizes run in one process, so the kernels compile once.
/// JSON as benchmarks/gpu/README.md specifies (compare.py reads it next to PyTorch's).
/// </summary>
internal static class BenchCommand
{
    private const string BatchPlaceholder = "{batch}";

    public static Command Create(TextWriter output)
    {
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var config = new Option<string>("--config") { Description = "reference (the blog's model exactly) or default (our departures: classifier activation)", DefaultValueFactory = _ => "reference" }
            .AcceptOnlyFromAmong("reference", "default");
        var grid = new Option<string>("--grid") { Description = "Input grid DxHxW", DefaultValueFactory = _ => "91x109x91" };
        var batch = new Option<string>("--batch") { Description = "Samples per step; comma-separated sizes (32,8) run one after another in this process", DefaultValueFactory = _ => "8" };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first (kernel compilation, pool filling)", DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps") { Description = "Timed steps (median reported)", DefaultValueFactory = _ => 10 };
        var width = new Option<double>("--width-mult") { Description = "Width multiplier", DefaultValueFactory = _ => 1.0 };
        var depth = new Option<double>("--depth-mult") { Description = "Depth multiplier", DefaultValueFactory = _ => 1.0 };
        var profile = new Option<bool>("--profile") { Description = "One more step with every kernel timed: time per op kind and launches per step" };
        var json = new Option<string?>("--json") { Description = $"Also write each result to this JSON file; with several batch sizes the name must hold {BatchPlaceholder}" };
        var command = new Command("bench", "Time training steps (forward, loss, backward, Adam) and inference of the EfficientNet3d")
        {
            device, precision, config, grid, batch, warmup, steps, width, depth, profile, json,
        };
        command.SetAction(parse =>
        {
            int[] batches = CommonOptions.ParseBatches(parse.GetValue(batch)!);
            int w = parse.GetValue(warmup), s = parse.GetValue(steps);
            if (w < 0 || s < 1) throw new CliException("--steps must be at least 1, --warmup at least 0");
            var file = parse.GetValue(json);
            if (file != null && batches.Length > 1 && !file.Contains(BatchPlaceholder))
                throw new CliException($"--json: with several batch sizes the file name must hold {BatchPlaceholder} (e.g. bench-b{BatchPlaceholder}.json)");
            var run = new TrainConfig
            {
                Grid = parse.GetValue(grid)!,
                WidthMult = parse.GetValue(width),
                DepthMult = parse.GetValue(depth),
                ReferenceHead = parse.GetValue(config) == "reference",
            };
            run.Validate();
            foreach (int b in batches) CommonOptions.CheckBatch(RunModels.ModelConfig(run), b, $"--batch {b}");
            var dev = CommonOptions.Open(parse.GetValue(device)!, parse.GetValue(precision)!);
            output.WriteLine($"bench on {dev}, {CommonOptions.PrecisionText(dev)}");
            int failed = 0;
            foreach (int b in batches)
            {
                ModelBenchResult result;
                try
                {
                    result = CommonOptions.WithMemoryHint(() => ModelBench.Run(dev, run, b, w, s, parse.GetValue(profile), output), dev, b, "--batch", run.Grid);
                }
                catch (Exception e) when (batches.Length > 1 && e is not OutOfMemoryException)
                {
                    // One batch size failing (a size check, device memory) must not cost the others their figures.
                    failed++;
                    output.WriteLine($"bench: batch {b} FAILED: {e.GetType().Name}: {e.Message}");
                    continue;
                }
                Print(result, output);
                if (file != null)
                    AtomicFile.WriteAllText(Path.GetFullPath(file.Replace(BatchPlaceholder, b.ToString(CultureInfo.InvariantCulture))),
                        JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            }
            output.WriteLine($"{CompileStats.Now()} (whole process)");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    private static void Print(ModelBenchResult result, TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"batch {result.Batch}: training step {result.TrainStepMsMedian:F1} ms median ({result.SamplesPerSecond:F1} samples/s); forward-only inference {result.InferenceMsMedian:F1} ms ({result.InferenceSamplesPerSecond:F1} samples/s)"));
        output.WriteLine(string.Create(inv, $"peak memory in use {result.PeakMemoryBytes / 1048576.0:F0} MiB (pool held {result.PeakReservedBytes / 1048576.0:F0} MiB); {result.CompiledKernels} kernels compiled in {result.CompileSeconds:F1} s during warm-up"));
        if (result.Breakdown is { } kinds)
        {
            output.WriteLine($"kernel launches per training step: {result.LaunchesPerStep} (optimizer step and gradient clipping: {result.OptimizerLaunchesPerStep})");
            output.WriteLine("op kind              ms/step   share   (one profiled step, every launch synchronised)");
            foreach (var k in kinds) output.WriteLine(string.Create(inv, $"{k.Op,-20} {k.Ms,8:F2} {k.Share * 100,6:F1} %"));
            output.WriteLine("slowest kernels                                              ms/step  launches");
            foreach (var k in result.Kernels!.Take(12)) output.WriteLine(string.Create(inv, $"{k.Kernel,-60} {k.Ms,8:F2} {k.Launches,8}"));
        }
    }
}
