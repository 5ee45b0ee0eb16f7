using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace TorchPeer;

/// <summary>A row as <c>ilgpunet opbench --json</c> writes it (OpTiming): the same property names.</summary>
internal sealed record OpTiming(string Op, string Shape, int Batch, double ForwardMs, double BackwardMs, double ForwardRate, double BackwardRate, string Unit);

/// <summary>
/// The peer of <c>ilgpunet opbench</c> (src/Training/Bench/OpBench.cs): the forward under no_grad; the backward
/// timed alone, its forward run untimed before each repeat with the gradients reset to None (an activation's
/// start, so no accumulation pass is timed); 2 warm-up runs, then the median of the repeats (upper median, as ours).
/// </summary>
internal static class OpBench
{
    public static int Run(Options o)
    {
        int repeats = o.Int("--repeats", 10, 1);
        var batches = o.Text("--batch", "1").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int b) && b >= 1 ? b : throw new UsageException($"--batch expects sizes >= 1 such as 1,8, got '{s}'"))
            .ToArray();
        string? filter = o.Text("--op");
        manual_seed(11);
        Console.WriteLine($"ops: {Peer.Describe()}");
        Console.WriteLine($"{"op",-28} {"shape",-32} {"fwd ms",9} {"bwd ms",9} {"fwd rate",9} {"bwd rate",9} unit");
        var rows = new List<OpTiming>();
        foreach (int b in batches)
            foreach (var c in OpCases.All(b))
            {
                if (filter != null && !c.Op.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
                var t = Measure(c, b, repeats);
                rows.Add(t);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{t.Op,-28} {t.Shape,-32} {t.ForwardMs,9:F3} {t.BackwardMs,9:F3} {t.ForwardRate,9:F1} {t.BackwardRate,9:F1} {t.Unit}"));
            }
        if (o.Text("--json") is { } file)
            File.WriteAllText(file, JsonSerializer.Serialize(new { device = "cpu", engine = "libtorch", torch = __version__, threads = get_num_threads(), ops = rows },
                new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        return 0;
    }

    private static OpTiming Measure(OpCase c, int batch, int repeats)
    {
        var inputs = c.Inputs();
        try
        {
            Tensor dy;
            using (var scope = NewDisposeScope())
            using (no_grad())
                dy = scope.MoveToOuter(randn(c.Forward(inputs).shape));
            using var _ = dy;
            double forward = Time(() =>
            {
                using (no_grad()) c.Forward(inputs);
            }, null, repeats);
            if (c.BackwardWork == 0)
                return new OpTiming(c.Op, c.Shape, batch, forward, double.NaN, c.ForwardWork / (forward * 1e-3), double.NaN, c.Unit);
            Tensor? y = null;
            double backward = Time(() => y!.backward([dy]), () =>
            {
                foreach (var t in inputs.Where(t => t.requires_grad)) t.grad = null;
                y = c.Forward(inputs);
            }, repeats);
            return new OpTiming(c.Op, c.Shape, batch, forward, backward, c.ForwardWork / (forward * 1e-3), c.BackwardWork / (backward * 1e-3), c.Unit);
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }

    /// <summary>Median ms of <paramref name="run"/> after 2 warm-up runs, <paramref name="before"/> untimed ahead of each; each run in its own dispose scope.</summary>
    private static double Time(Action run, Action? before, int repeats)
    {
        for (int i = 0; i < 2; i++)
        {
            using var scope = NewDisposeScope();
            before?.Invoke();
            run();
        }
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            using var scope = NewDisposeScope();
            before?.Invoke();
            long start = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[repeats / 2];
    }
}
