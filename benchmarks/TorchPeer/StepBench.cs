using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchPeer;

/// <summary>
/// The peer of <c>ilgpunet bench</c> (src/Training/Bench/ModelBench.cs): whole training steps of the reference
/// EfficientNet3d on one fixed random batch (forward, cross-entropy on 2 classes, backward, clip_grad_norm_ at the
/// trainer's default 5 as ours clips, Adam lr 1e-4), gradients set to None before each step as PyTorch's
/// optimizer.zero_grad() does; then eval-mode forward-only inference under no_grad. Warm-up steps first, then the
/// median of the timed ones (wall clock: the CPU backend is synchronous). The phases of the timed steps are also
/// timed: the figures ENGINEERING.md quotes as forward, backward and Adam.
/// </summary>
internal static class StepBench
{
    private const double ClipNorm = 5.0;

    public static int Run(Options o)
    {
        int[] grid = o.Grid("--grid", "91x109x91");
        int batch = o.Int("--batch", 1, 1), warmup = o.Int("--warmup", 2, 0), steps = o.Int("--steps", 5, 1);
        manual_seed(0);
        var model = EfficientNet3d.Build(2, grid);
        var parameters = model.parameters().ToList();
        var optimizer = optim.Adam(parameters, lr: 1e-4);
        var x = randn(new long[] { batch, 1, grid[0], grid[1], grid[2] });
        var y = tensor(Enumerable.Range(0, batch).Select(i => (long)(i % 2)).ToArray());

        var phases = new double[3];
        void TrainStep()
        {
            using var scope = NewDisposeScope();
            long t0 = Stopwatch.GetTimestamp();
            model.zero_grad(set_to_none: true);
            var loss = nn.functional.cross_entropy(model.forward(x), y);
            long t1 = Stopwatch.GetTimestamp();
            loss.backward();
            long t2 = Stopwatch.GetTimestamp();
            nn.utils.clip_grad_norm_(parameters, ClipNorm);
            optimizer.step();
            long t3 = Stopwatch.GetTimestamp();
            phases[0] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
            phases[1] = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            phases[2] = Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
        }
        void Inference()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            model.forward(x);
        }

        Console.WriteLine($"step: {Peer.Describe()}");
        Console.WriteLine($"step: {model.ParameterCount:N0} parameters, input {batch}x1x{string.Join("x", grid)}, {warmup} warm-up + {steps} timed steps");
        model.train();
        for (int i = 0; i < warmup; i++) TrainStep();
        var times = new double[steps];
        var phaseTimes = new double[3][];
        for (int p = 0; p < 3; p++) phaseTimes[p] = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            TrainStep();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            for (int p = 0; p < 3; p++) phaseTimes[p][i] = phases[p];
        }
        model.eval();
        double inferenceMs = Peer.MedianMs(Inference, steps, Math.Max(1, warmup));
        double trainMs = Peer.Median(times);
        long peakRss = Peer.PeakRssBytes();

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"batch {batch}: training step {trainMs:F1} ms median ({batch / (trainMs / 1000):F1} samples/s); forward-only inference {inferenceMs:F1} ms ({batch / (inferenceMs / 1000):F1} samples/s)"));
        Console.WriteLine(string.Create(inv, $"training step phases (medians): forward+loss {Peer.Median(phaseTimes[0]):F1} ms, backward {Peer.Median(phaseTimes[1]):F1} ms, clip+Adam {Peer.Median(phaseTimes[2]):F1} ms"));
        Console.WriteLine(string.Create(inv, $"peak RSS {peakRss / 1048576.0:F0} MiB (VmHWM, whole process)"));
        if (o.Text("--json") is { } file)
            File.WriteAllText(file, JsonSerializer.Serialize(new
            {
                engine = "libtorch",
                torch = __version__,
                device = "cpu",
                threads = get_num_threads(),
                grid,
                batch,
                classes = 2,
                parameters = model.ParameterCount,
                warmup,
                steps,
                train_step_ms_median = trainMs,
                train_step_ms = times,
                forward_ms_median = Peer.Median(phaseTimes[0]),
                backward_ms_median = Peer.Median(phaseTimes[1]),
                update_ms_median = Peer.Median(phaseTimes[2]),
                inference_ms_median = inferenceMs,
                peak_rss_bytes = peakRss,
            }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
