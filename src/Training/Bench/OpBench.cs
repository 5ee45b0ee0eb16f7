using System.Diagnostics;
using ILGpuNet.Layers;
using ILGpuNet.Tensors;

namespace ILGpuNet.Training.Bench;

/// <summary>
/// One op at one shape: <see cref="Inputs"/> makes its operands (those with a gradient RequiresGrad),
/// <see cref="Forward"/> applies it; the work (GFLOP or GB) of one forward and one backward, in <see cref="Unit"/>
/// per second; BackwardWork 0: no backward.
/// </summary>
public sealed record OpCase(string Op, string Shape, Func<Tensor[]> Inputs, Func<Tensor[], Tensor> Forward,
    double ForwardWork, double BackwardWork, string Unit);

/// <summary>Forward and backward timings of one op at one shape, with the achieved rates.</summary>
public sealed record OpTiming(string Op, string Shape, int Batch, double ForwardMs, double BackwardMs, double ForwardRate, double BackwardRate, string Unit);

/// <summary>
/// The operators of the 3D EfficientNet at the reference model's real shapes (input 91x109x91): GFLOP/s
/// for convolutions (2 flops per multiply-add of the forward count; backward rates count the passes it
/// makes: input and weight gradient, or weight only for the stem), GB/s for memory-bound ops (the bytes
/// of the minimal passes). The backward is timed alone, its forward run untimed before it. A first row
/// times a plain copy of the stem's output: the memory roofline the GB/s rows compare against, on a machine
/// that may be busy.
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

    /// <summary>The benchmarked ops at batch <paramref name="b"/> (also driven by the BenchmarkDotNet operator benchmarks).</summary>
    public IEnumerable<OpCase> Cases(int b)
    {
        double G = 1e9;
        // The roofline of the memory-bound rows, measured at the same moment: a device copy of the stem's output.
        long copyBytes = (long)b * 64 * 46 * 55 * 46 * 4;
        yield return new OpCase("copy (roofline)", $"{b}x64x46x55x46",
            () => [Input(b, 64, 46, 55, 46, grad: false)], t => t[0].Clone(), 2.0 * copyBytes / G, 0, "GB/s");

        // Stem: 1 -> 64 channels, 7x7x7, stride 2, pad 3 on 91x109x91 (93 % of the model's multiply-adds).
        long stemMacs = (long)b * 64 * 46 * 55 * 46 * 343;
        yield return new OpCase("conv3d stem 7x7x7 s2", $"{b}x1x91x109x91 -> 64x46x55x46",
            () => [Input(b, 1, 91, 109, 91, grad: false), Weight(64, 1, 7, 7, 7)],
            t => Ops.Conv3d(t[0], t[1], null, (2, 2, 2), (3, 3, 3)), 2.0 * stemMacs / G, 2.0 * stemMacs / G, "GFLOP/s");

        long stemOut = (long)b * 64 * 46 * 55 * 46 * 4;
        yield return new OpCase("batchnorm3d+silu (train)", $"{b}x64x46x55x46",
            () => [Input(b, 64, 46, 55, 46), Weight(64, init: 1f), Weight(64, init: 0f), Buffer(64, 0f), Buffer(64, 1f)],
            t => Ops.BatchNorm3d(t[0], t[1], t[2], t[3], t[4], training: true, fuseSilu: true), 2.0 * stemOut / G, 3.0 * stemOut / G, "GB/s");

        long poolOut = (long)b * 64 * 23 * 28 * 23 * 4;
        yield return new OpCase("maxpool3d k1 s2", $"{b}x64x46x55x46",
            () => [Input(b, 64, 46, 55, 46)], t => Ops.MaxPool3d(t[0], 1, 2), 2.0 * poolOut / G, (poolOut + stemOut) / G, "GB/s");

        long dw3 = (long)b * 64 * 23 * 28 * 23 * 27;
        yield return new OpCase("depthwise 3x3x3 s1", $"{b}x64x23x28x23",
            () => [Input(b, 64, 23, 28, 23), Weight(64, 1, 3, 3, 3)],
            t => Ops.Conv3d(t[0], t[1], null, (1, 1, 1), (1, 1, 1), 64), 2.0 * dw3 / G, 4.0 * dw3 / G, "GFLOP/s");

        long dw5 = (long)b * 64 * 12 * 14 * 12 * 125;
        yield return new OpCase("depthwise 5x5x5 s2", $"{b}x64x23x28x23",
            () => [Input(b, 64, 23, 28, 23), Weight(64, 1, 5, 5, 5)],
            t => Ops.Conv3d(t[0], t[1], null, (2, 2, 2), (2, 2, 2), 64), 2.0 * dw5 / G, 4.0 * dw5 / G, "GFLOP/s");

        long dw5s1 = (long)b * 128 * 6 * 7 * 6 * 125;
        yield return new OpCase("depthwise 5x5x5 s1", $"{b}x128x6x7x6",
            () => [Input(b, 128, 6, 7, 6), Weight(128, 1, 5, 5, 5)],
            t => Ops.Conv3d(t[0], t[1], null, (1, 1, 1), (2, 2, 2), 128), 2.0 * dw5s1 / G, 4.0 * dw5s1 / G, "GFLOP/s");

        long pw = (long)b * 96 * 64 * 12 * 14 * 12;
        yield return new OpCase("conv3d 1x1x1 64->96", $"{b}x64x12x14x12",
            () => [Input(b, 64, 12, 14, 12), Weight(96, 64, 1, 1, 1)],
            t => Ops.Conv3d(t[0], t[1]), 2.0 * pw / G, 4.0 * pw / G, "GFLOP/s");

        long expand = (long)b * 1536 * 256 * 3 * 4 * 3;
        yield return new OpCase("conv3d 1x1x1 256->1536", $"{b}x256x3x4x3",
            () => [Input(b, 256, 3, 4, 3), Weight(1536, 256, 1, 1, 1)],
            t => Ops.Conv3d(t[0], t[1]), 2.0 * expand / G, 4.0 * expand / G, "GFLOP/s");

        long se = (long)b * 64 * 23 * 28 * 23 * 4;
        yield return new OpCase("squeeze-excitation 64/16", $"{b}x64x23x28x23",
            () => [Input(b, 64, 23, 28, 23), Weight(16, 64, 1, 1, 1), Weight(16), Weight(64, 16, 1, 1, 1), Weight(64)],
            t => Ops.SqueezeExcitation(t[0], t[1], t[2], t[3], t[4]), 3.0 * se / G, 4.0 * se / G, "GB/s");

        long linear = (long)b * 4608 * 400;
        yield return new OpCase("linear 4608->400", $"{b}x4608",
            () => [Input(b, 4608), Weight(400, 4608), Weight(400)],
            t => Ops.Linear(t[0], t[1], t[2]), 2.0 * linear / G, 4.0 * linear / G, "GFLOP/s");
    }

    private OpTiming Measure(OpCase c, int batch)
    {
        var inputs = c.Inputs();
        try
        {
            int[] outShape;
            using (new TensorScope())
            using (Autograd.NoGrad())
                outShape = c.Forward(inputs).Shape;
            using var dy = Input(outShape, grad: false);
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

    private readonly RandomSource rng = new(11);

    private Tensor Input(params int[] shape) => Input(shape, grad: true);

    private Tensor Input(int b, int c, int d, int h, int w, bool grad = true) => Input([b, c, d, h, w], grad);

    private Tensor Input(int[] shape, bool grad)
    {
        var t = TensorScope.Keep(rng.Normal(device, shape));
        t.RequiresGrad = grad;
        return t;
    }

    private Tensor Weight(params int[] shape)
    {
        var t = TensorScope.Keep(rng.Uniform(device, shape, -0.1f, 0.1f));
        t.RequiresGrad = true;
        return t;
    }

    private Tensor Weight(int n, float init)
    {
        var t = Tensor.Full(device, init, n);
        t.RequiresGrad = true;
        return t;
    }

    private Tensor Buffer(int n, float init) => Tensor.Full(device, init, n);
}
