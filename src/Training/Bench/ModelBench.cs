using System.Diagnostics;
using System.Text.Json.Serialization;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Training.Bench;

/// <summary>One op kind's share of a training step (the kinds of benchmarks/gpu/README.md).</summary>
public sealed record OpKindTime([property: JsonPropertyName("op")] string Op, [property: JsonPropertyName("ms")] double Ms,
    [property: JsonPropertyName("share")] double Share);

/// <summary>The result of <c>ilgpunet bench</c>, in the JSON schema benchmarks/gpu/compare.py reads.</summary>
public sealed record ModelBenchResult
{
    [JsonPropertyName("engine")] public string Engine { get; init; } = "ilgpunet";
    [JsonPropertyName("device")] public required string Device { get; init; }
    [JsonPropertyName("precision")] public string Precision { get; init; } = "strict";
    [JsonPropertyName("grid")] public required int[] Grid { get; init; }
    [JsonPropertyName("batch")] public int Batch { get; init; }
    [JsonPropertyName("classes")] public int Classes { get; init; }
    [JsonPropertyName("width_mult")] public double WidthMult { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("warmup")] public int Warmup { get; init; }
    [JsonPropertyName("steps")] public int Steps { get; init; }
    [JsonPropertyName("train_step_ms_median")] public double TrainStepMsMedian { get; init; }
    [JsonPropertyName("train_step_ms")] public required double[] TrainStepMs { get; init; }
    [JsonPropertyName("forward_ms_median")] public double ForwardMsMedian { get; init; }
    [JsonPropertyName("samples_per_s")] public double SamplesPerSecond { get; init; }
    [JsonPropertyName("inference_ms_median")] public double InferenceMsMedian { get; init; }
    [JsonPropertyName("inference_samples_per_s")] public double InferenceSamplesPerSecond { get; init; }
    [JsonPropertyName("peak_memory_bytes")] public long? PeakMemoryBytes { get; init; }
    [JsonPropertyName("peak_reserved_bytes")] public long? PeakReservedBytes { get; init; }
    [JsonPropertyName("breakdown")] public List<OpKindTime>? Breakdown { get; init; }

    /// <summary>Kernels compiled during this benchmark and the wall seconds it took (in the warm-up steps).</summary>
    [JsonPropertyName("compiled_kernels")] public long CompiledKernels { get; init; }
    [JsonPropertyName("compile_s")] public double CompileSeconds { get; init; }
    [JsonPropertyName("kernels")] public List<KernelTime>? Kernels { get; init; }

    /// <summary>Kernel launches of one profiled training step, and those of the optimizer step and gradient clipping.</summary>
    [JsonPropertyName("launches_per_step")] public long? LaunchesPerStep { get; init; }
    [JsonPropertyName("optimizer_launches_per_step")] public long? OptimizerLaunchesPerStep { get; init; }
}

/// <summary>One kernel's time in a profiled step: the data to pick the next optimisation from.</summary>
public sealed record KernelTime([property: JsonPropertyName("kernel")] string Kernel, [property: JsonPropertyName("ms")] double Ms,
    [property: JsonPropertyName("launches")] long Launches);

/// <summary>
/// Times whole training steps of the EfficientNet3d (forward, cross-entropy, backward, gradient clipping at the
/// trainer's default norm, Adam) and eval-mode
/// inference on one fixed random batch already on the device, after warm-up (kernel compilation, pool
/// filling); medians of synchronised steps. With <c>profile</c>, one more step runs under the
/// <see cref="KernelProfiler"/> and its kernel times are grouped by op kind.
/// </summary>
public static class ModelBench
{
    /// <summary>The trainer's default --grad-clip: the bench step clips as a training step does.</summary>
    public const float ClipNorm = 5f;

    /// <summary>Profiler tag of the launches that update the parameters (gradient clipping and optimizer step).</summary>
    public const string OptimizerTag = "optimizer";

    public static ModelBenchResult Run(Device device, TrainConfig config, int batch, int warmup, int steps, bool profile, TextWriter? log = null)
    {
        var compiled = CompileStats.Now();
        var rng = new RandomSource(config.Seed);
        using var model = RunModels.Create(config, device, rng);
        using var optimizer = new Adam(model.Parameters(), 1e-4);
        var grid = RunModels.InputGrid(config);
        using var x = TensorScope.Keep(Tensor.Empty(device, batch, 1, grid.D, grid.H, grid.W));
        rng.Normal(x);
        var targets = Enumerable.Range(0, batch).Select(i => i % 2).ToArray();
        void TrainStep()
        {
            using var scope = new TensorScope();
            var output = model.Forward(x);
            var loss = Ops.CrossEntropy(output.Logits!, targets);
            Autograd.Backward(loss);
            // What a training step calls: clip_grad_norm_ and the Adam step, fused (3 launches over the flat buffers).
            using (KernelProfiler.Tag(OptimizerTag)) optimizer.ClipGradNormAndStep(ClipNorm);
            optimizer.ZeroGrad();
        }
        void Inference()
        {
            using var scope = new TensorScope();
            using var noGrad = Autograd.NoGrad();
            model.Forward(x);
        }

        model.Train();
        log?.WriteLine($"bench: {model.ParameterCount:N0} parameters, input {batch}x1x{grid}, {warmup} warm-up + {steps} timed steps on {device}");
        for (int i = 0; i < warmup; i++) TrainStep();
        device.Synchronize();
        device.Pool.ResetPeak();
        var times = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            TrainStep();
            device.Synchronize();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        long peakInUse = device.Pool.PeakBytesInUse, peakHeld = device.Pool.PeakBytesHeld;
        double trainMs = Median(times);

        model.Eval();
        double inferenceMs = BenchTimer.MedianMs(device, Inference, steps, Math.Max(1, warmup));
        model.Train();

        List<OpKindTime>? breakdown = null;
        List<KernelTime>? kernels = null;
        long? launches = null, updateLaunches = null;
        if (profile)
        {
            var profiler = KernelProfiler.Run(device, TrainStep);
            breakdown = OpKinds.Group(profiler.Totals);
            launches = profiler.Launches;
            updateLaunches = profiler.Totals.Where(k => OpKinds.Of(k.Key) == OptimizerTag).Sum(k => k.Value.Launches);
            kernels = profiler.Totals.OrderByDescending(k => k.Value.Ms).Select(k => new KernelTime(k.Key, k.Value.Ms, k.Value.Launches)).ToList();
        }
        var compile = CompileStats.Since(compiled);
        return new ModelBenchResult
        {
            Device = device.Name,
            Grid = [grid.D, grid.H, grid.W],
            Batch = batch,
            Classes = 2,
            WidthMult = config.WidthMult,
            Parameters = model.ParameterCount,
            Warmup = warmup,
            Steps = steps,
            TrainStepMsMedian = trainMs,
            TrainStepMs = times,
            SamplesPerSecond = batch / (trainMs / 1000),
            InferenceMsMedian = inferenceMs,
            InferenceSamplesPerSecond = batch / (inferenceMs / 1000),
            PeakMemoryBytes = peakInUse,
            PeakReservedBytes = peakHeld,
            Breakdown = breakdown,
            Kernels = kernels,
            LaunchesPerStep = launches,
            CompiledKernels = compile.Kernels,
            CompileSeconds = compile.Seconds,
            OptimizerLaunchesPerStep = updateLaunches,
        };
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }
}
