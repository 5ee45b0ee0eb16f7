using System.Diagnostics;
using ILGpuNet.Layers.Bench;
using ILGpuNet.Tensors;

namespace ILGpuNet.Training.Bench;

/// <summary>Forward and backward timings of one op at one shape, with the achieved rates.</summary>
public sealed record OpTiming(string Op, string Shape, int Batch, double ForwardMs, double BackwardMs, double ForwardRate, double BackwardRate, string Unit);

/// <summary>
/// Times the operator bench cases (<see cref="OpBenches"/>, declared next to each op: the 3D EfficientNet's ops at
/// the reference model's real shapes, input 91x109x91), forward and backward, in GFLOP/s or GB/s. The backward is
/// timed alone, its forward run untimed before it. A first row times a plain copy of the stem's output: the memory
/// roofline the GB/s rows compare against, on a machine that may be busy.
/// </summary>
public sealed class OpBench(Device device, int repeats = 10)
{
    public IEnumerable<OpTiming> Run(int batch, string? filter = null)
    {
        foreach (var c in Cases(batch))
        {
            if (filter != null && !c.Op.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            yield return Measure(c, batch);
        }
    }

    /// <summary>The copy row, then the registered op cases, at batch <paramref name="b"/> (also driven by the BenchmarkDotNet operator benchmarks).</summary>
    public static IEnumerable<OpCase> Cases(int b) => [CopyRoofline(b), .. OpBenches.All(b)];

    /// <summary>The roofline of the memory-bound rows, measured at the same moment: a device copy of the stem's output.</summary>
    private static OpCase CopyRoofline(int b)
    {
        long copyBytes = (long)b * 64 * 46 * 55 * 46 * 4;
        return new OpCase("copy (roofline)", $"{b}x64x46x55x46",
            t => [t.Input(b, 64, 46, 55, 46, grad: false)], t => t[0].Clone(), 2.0 * copyBytes / 1e9, 0, "GB/s");
    }

    private OpTiming Measure(OpCase c, int batch)
    {
        var inputs = c.Inputs(operands);
        try
        {
            int[] outShape;
            using (new TensorScope())
            using (Autograd.NoGrad())
                outShape = c.Forward(inputs).Shape;
            using var dy = operands.Input(outShape, grad: false);
            double forward = Time(() =>
            {
                using (Autograd.NoGrad()) c.Forward(inputs);
            });
            if (c.BackwardWork == 0)
                return new OpTiming(c.Op, c.Shape, batch, forward, double.NaN, c.ForwardWork / (forward * 1e-3), double.NaN, c.Unit);
            Tensor? y = null;
            double backward = Time(() => Autograd.Backward(y!, dy), () =>
            {
                // Gradients start empty as an activation's do, so the backward is not timed with an accumulation pass.
                foreach (var t in inputs)
                {
                    t.Grad?.Dispose();
                    t.Grad = null;
                }
                y = c.Forward(inputs);
            });
            return new OpTiming(c.Op, c.Shape, batch, forward, backward, c.ForwardWork / (forward * 1e-3), c.BackwardWork / (backward * 1e-3), c.Unit);
        }
        finally
        {
            foreach (var t in inputs)
            {
                t.Grad?.Dispose();
                t.Dispose();
            }
        }
    }

    /// <summary>
    /// Median milliseconds of <paramref name="run"/> after warm-up, <paramref name="before"/> (untimed) ahead of
    /// each; every run in its own scope so buffers return to the pool.
    /// </summary>
    private double Time(Action run, Action? before = null)
    {
        for (int i = 0; i < 2; i++)
            using (new TensorScope())
            {
                before?.Invoke();
                run();
            }
        device.Synchronize();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            using var scope = new TensorScope();
            before?.Invoke();
            device.Synchronize();
            long start = Stopwatch.GetTimestamp();
            run();
            device.Synchronize();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[repeats / 2];
    }

    /// <summary>Every case's operands and output gradient come from this one random stream, in the order of the rows.</summary>
    private readonly BenchOperands operands = new(device);
}
