using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;

namespace ILGpuNet.Training.Explain;

/// <summary>
/// Saliency maps of an <see cref="EfficientNet3d"/> computed with our own autograd, on the model's input grid
/// (tensor order, W fastest), in evaluation mode (running BatchNorm statistics, no dropout, no stochastic depth):
/// <list type="bullet">
/// <item>gradient: |d y / d x| for the chosen output y (a class logit or the age), one backward pass per batch;
/// the samples of a batch are independent in evaluation mode, so seeding every row's y with 1 gives each its own gradient;</item>
/// <item>SmoothGrad: the gradient map averaged over <see cref="SaliencyOptions.Samples"/> copies of the input with
/// Gaussian noise of sd <see cref="SaliencyOptions.Noise"/> x (max - min);</item>
/// <item>Grad-CAM: the trunk's output A (the last MBConv block, before flattening) is made a leaf and only the heads
/// are differentiated: channel weights a_c = mean over the feature grid of d y / d A_c, map = ReLU(sum_c a_c A_c),
/// upsampled trilinearly (align_corners = False, as PyTorch's interpolate) to the input grid.</item>
/// </list>
/// Parameters are frozen for the pass (no parameter gradients are computed) and the model's mode and flags are restored.
/// </summary>
public static class Saliency
{
    /// <summary>One map per input, each the length of the model's grid.</summary>
    public static float[][] Compute(EfficientNet3d model, IReadOnlyList<float[]> inputs, SaliencyOptions options, Device device)
    {
        CheckTarget(model.Config, options);
        var grid = model.Config.Grid;
        long voxels = (long)grid.D * grid.H * grid.W;
        foreach (var input in inputs)
            if (input.LongLength != voxels) throw new ArgumentException($"an input has {input.LongLength} values, the model's grid {grid.D}x{grid.H}x{grid.W} needs {voxels}");

        bool wasTraining = model.Training;
        var parameters = model.Parameters();
        var required = parameters.Select(p => p.RequiresGrad).ToArray();
        model.Eval();
        foreach (var p in parameters) p.RequiresGrad = false;
        try
        {
            return options.Method switch
            {
                SaliencyMethod.Gradient => Batched(inputs, options.BatchSize, batch => AbsoluteGradients(model, batch, options, device)),
                SaliencyMethod.SmoothGrad => inputs.Select(input => SmoothGrad(model, input, options, device)).ToArray(),
                SaliencyMethod.GradCam => Batched(inputs, options.BatchSize, batch => GradCam(model, batch, options, device)),
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Method, "not a saliency method"),
            };
        }
        finally
        {
            for (int i = 0; i < parameters.Count; i++) parameters[i].RequiresGrad = required[i];
            model.Train(wasTraining);
        }
    }

    /// <summary>Null when the model has the output the options ask for, else why not (a user error).</summary>
    public static string? TargetProblem(EfficientNet3dConfig config, SaliencyOptions options) => options.Target switch
    {
        SaliencyTarget.Class when !config.HasClassifier => "the model has no classification head (a regression model): use --target age",
        SaliencyTarget.Class when options.Class >= config.Classes => $"--class {options.Class}: the model has {config.Classes} classes (0-{config.Classes - 1})",
        SaliencyTarget.Age when config.Heads == ModelHeads.Classification => "the model has no age head: use --target class",
        _ => null,
    };

    private static void CheckTarget(EfficientNet3dConfig config, SaliencyOptions options)
    {
        if (TargetProblem(config, options) is { } problem) throw new UserErrorException(problem);
    }

    private static float[][] Batched(IReadOnlyList<float[]> inputs, int batchSize, Func<IReadOnlyList<float[]>, float[][]> run)
    {
        var maps = new List<float[]>(inputs.Count);
        for (int start = 0; start < inputs.Count; start += batchSize)
            maps.AddRange(run(inputs.Skip(start).Take(batchSize).ToList()));
        return maps.ToArray();
    }

    /// <summary>SmoothGrad of one input: the mean of the gradient maps of its noisy copies, computed in batches.</summary>
    private static float[] SmoothGrad(EfficientNet3d model, float[] input, SaliencyOptions options, Device device)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (var v in input) { min = Math.Min(min, v); max = Math.Max(max, v); }
        double sigma = options.Noise * (max - min);
        var random = new Random(options.Seed);
        var sum = new double[input.Length];
        for (int done = 0; done < options.Samples;)
        {
            int count = Math.Min(options.BatchSize, options.Samples - done);
            var copies = new float[count][];
            for (int c = 0; c < count; c++)
            {
                var copy = copies[c] = new float[input.Length];
                for (int i = 0; i < copy.Length; i++) copy[i] = (float)(input[i] + sigma * Normal(random));
            }
            foreach (var map in AbsoluteGradients(model, copies, options, device))
                for (int i = 0; i < sum.Length; i++) sum[i] += map[i];
            done += count;
        }
        return sum.Select(v => (float)(v / options.Samples)).ToArray();
    }

    private static double Normal(Random random)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1], so the logarithm is finite.
        double u = 1 - random.NextDouble(), v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    private static float[][] AbsoluteGradients(EfficientNet3d model, IReadOnlyList<float[]> batch, SaliencyOptions options, Device device)
    {
        var grid = model.Config.Grid;
        int n = batch.Count, voxels = grid.D * grid.H * grid.W;
        float[] gradient;
        using (new TensorScope())
        {
            var x = Tensor.FromArray(device, Concatenate(batch), n, 1, grid.D, grid.H, grid.W);
            x.RequiresGrad = true;
            var (y, seed) = Output(model.Forward(x), options, device, model.Config.Classes, n);
            Autograd.Backward(y, seed);
            var g = x.Grad ?? throw new InvalidOperationException("the backward pass gave the input no gradient");
            gradient = g.ToArray();
            g.Dispose();  // a leaf's gradient outlives the scope
            x.Grad = null;
        }
        return Enumerable.Range(0, n).Select(b => gradient.AsSpan(b * voxels, voxels).ToArray().Select(MathF.Abs).ToArray()).ToArray();
    }

    private static float[][] GradCam(EfficientNet3d model, IReadOnlyList<float[]> batch, SaliencyOptions options, Device device)
    {
        var config = model.Config;
        var grid = config.Grid;
        var fg = config.FeatureGrid;
        int n = batch.Count, channels = config.FeatureChannels, cells = fg.D * fg.H * fg.W;
        float[] activations, gradients;
        using (new TensorScope())
        {
            var x = Tensor.FromArray(device, Concatenate(batch), n, 1, grid.D, grid.H, grid.W);
            Tensor features;
            using (Autograd.NoGrad()) features = model.FeatureMap(x);
            features.RequiresGrad = true;  // a leaf: only the heads are differentiated
            var (y, seed) = Output(model.Predict(features), options, device, config.Classes, n);
            Autograd.Backward(y, seed);
            var g = features.Grad ?? throw new InvalidOperationException("the backward pass gave the feature map no gradient");
            activations = features.ToArray();
            gradients = g.ToArray();
            g.Dispose();
            features.Grad = null;
        }
        var maps = new float[n][];
        for (int b = 0; b < n; b++)
        {
            var cam = new double[cells];
            for (int c = 0; c < channels; c++)
            {
                int at = (b * channels + c) * cells;
                double weight = 0;
                for (int s = 0; s < cells; s++) weight += gradients[at + s];
                weight /= cells;
                for (int s = 0; s < cells; s++) cam[s] += weight * activations[at + s];
            }
            var relu = cam.Select(v => (float)Math.Max(0, v)).ToArray();
            maps[b] = Trilinear.Resize(relu, new(fg.D, fg.H, fg.W), new(grid.D, grid.H, grid.W));
        }
        return maps;
    }

    /// <summary>The output a map explains and its seed gradient: a one-hot row per sample for a class logit, ones for the age.</summary>
    private static (Tensor Output, Tensor Seed) Output(ModelOutput output, SaliencyOptions options, Device device, int classes, int n)
    {
        if (options.Target == SaliencyTarget.Age)
        {
            var age = output.Age ?? throw new UserErrorException("the model has no age head: use --target class");
            return (age, Tensor.Full(device, 1f, n));
        }
        var logits = output.Logits ?? throw new UserErrorException("the model has no classification head: use --target age");
        var seed = new float[n * classes];
        for (int b = 0; b < n; b++) seed[b * classes + options.Class] = 1;
        return (logits, Tensor.FromArray(device, seed, n, classes));
    }

    private static float[] Concatenate(IReadOnlyList<float[]> batch)
    {
        var data = new float[batch.Sum(b => (long)b.Length)];
        long at = 0;
        foreach (var b in batch)
        {
            Array.Copy(b, 0, data, at, b.Length);
            at += b.Length;
        }
        return data;
    }
}
