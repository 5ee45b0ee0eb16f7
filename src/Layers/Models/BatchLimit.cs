using System.Globalization;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Models;

/// <summary>
/// One tensor of a training step whose size grows with the batch: <see cref="PerSample"/> elements per sample
/// (shape <see cref="Shape"/>) plus <see cref="Fixed"/> elements whatever the batch (read-past slack).
/// </summary>
public sealed record BatchTensor(string Description, int[] Shape, long Fixed = 0)
{
    public long PerSample => Shape.Aggregate(1L, (n, d) => n * d);

    public long ElementsAt(int batch) => batch * PerSample + Fixed;

    /// <summary>The largest batch whose tensor stays within <see cref="Tensor.MaxElements"/>.</summary>
    public int LargestBatch => (int)Math.Min(int.MaxValue, (Tensor.MaxElements - Fixed) / PerSample);

    public string ShapeText => string.Join(" x ", Shape);
}

/// <summary>
/// The largest batch a configuration can run at its grid under the one-tensor bound (<see cref="Tensor.MaxElements"/>,
/// 2^31 - 1 elements: the kernels index with int), from shape arithmetic alone, like <see cref="ModelSummary"/>.
/// It lists every per-sample tensor of a forward and backward pass on either device: each layer's input and output
/// (activations and their gradients have the same shapes) and the scratch buffers the ops allocate, namely the CPU
/// convolution's zero-padded input copy and the CPU depthwise convolution's padded output gradient. The dilated
/// output gradient of a dense convolution's input gradient is not among them: the only dense convolution with a
/// kernel larger than 1 is the stem, and its input (the volume) needs no gradient. At 91 x 109 x 91 the stem's
/// output (64 x 46 x 55 x 46 per sample) binds: batch 288. Device memory usually runs out first; that is
/// <see cref="BufferPool"/>'s message.
/// </summary>
public static class BatchLimit
{
    public static IReadOnlyList<BatchTensor> Tensors(EfficientNet3dConfig config)
    {
        config.Validate();
        var tensors = new List<BatchTensor>();
        var g = config.Grid;
        int c = 1;
        tensors.Add(new BatchTensor("the input volume", [1, g.D, g.H, g.W]));

        // The stem: a dense convolution; the CPU forward reads a zero-padded copy of its input (plus slack).
        var stem = Conv3dShape.Create(1, 1, g.D, g.H, g.W, config.Stem, EfficientNet3dConfig.StemKernel, EfficientNet3dConfig.StemKernel,
            EfficientNet3dConfig.StemKernel, EfficientNet3dConfig.StemStride, EfficientNet3dConfig.StemStride, EfficientNet3dConfig.StemStride,
            EfficientNet3dConfig.StemPadding, EfficientNet3dConfig.StemPadding, EfficientNet3dConfig.StemPadding);
        tensors.Add(new BatchTensor("the stem's zero-padded input copy (CPU)",
            [1, g.D + 2 * stem.PD, g.H + 2 * stem.PH, g.W + 2 * stem.PW], Conv3dKernels.CpuInputSlack(stem)));
        (c, g) = (config.Stem, (stem.OD, stem.OH, stem.OW));
        tensors.Add(new BatchTensor("the stem's output", [c, g.D, g.H, g.W]));
        g = EfficientNet3dConfig.ConvOutput(g, EfficientNet3dConfig.PoolKernel, EfficientNet3dConfig.PoolStride, 0);
        tensors.Add(new BatchTensor("the max pool's output", [c, g.D, g.H, g.W]));

        var blocks = config.Blocks;
        for (int i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            if (b.HasExpand)
            {
                c = b.Hidden;
                tensors.Add(new BatchTensor($"features.{i}.expand's output", [c, g.D, g.H, g.W]));
            }
            var s = Conv3dShape.Create(1, c, g.D, g.H, g.W, c, b.Kernel, b.Kernel, b.Kernel, b.Stride, b.Stride, b.Stride,
                b.Padding, b.Padding, b.Padding, c);
            var (left, right) = Ops.DepthwiseGradPadding(s);
            tensors.Add(new BatchTensor($"features.{i}.depthwise_conv's padded output gradient (CPU)", [c, s.OD, s.OH, left + s.OW + right]));
            g = (s.OD, s.OH, s.OW);
            tensors.Add(new BatchTensor($"features.{i}.depthwise_conv's output", [c, g.D, g.H, g.W]));
            c = b.Outputs;
            tensors.Add(new BatchTensor($"features.{i}.pointwise_conv's output", [c, g.D, g.H, g.W]));
        }
        tensors.Add(new BatchTensor("the classifier's input", [config.HeadInputs]));
        return tensors;
    }

    /// <summary>The tensor that limits the batch (the first of the largest per sample).</summary>
    public static BatchTensor Binding(EfficientNet3dConfig config) => Tensors(config).MinBy(t => t.LargestBatch)!;

    /// <summary>The largest batch whose every tensor holds at most <see cref="Tensor.MaxElements"/> elements.</summary>
    public static int LargestBatch(EfficientNet3dConfig config) => Binding(config).LargestBatch;

    /// <summary>
    /// Null when <paramref name="batch"/> fits, else the one-line reason, starting with <paramref name="batchText"/>
    /// (how the user gave the batch, e.g. "--batch-size 300").
    /// </summary>
    public static string? Problem(EfficientNet3dConfig config, int batch, string batchText)
    {
        var tensors = Tensors(config);
        var over = tensors.Where(t => t.ElementsAt(batch) > Tensor.MaxElements).MaxBy(t => t.ElementsAt(batch));
        if (over is null) return null;
        int largest = tensors.Min(t => t.LargestBatch);
        return string.Create(CultureInfo.InvariantCulture,
            $"{batchText} at {config.GridText}: {over.Description} ({over.ShapeText} per sample) would need {over.ElementsAt(batch):N0} elements in one tensor; " +
            $"tensors are limited to 2^31-1 elements (32-bit kernel indexing); the largest batch that fits is {largest}.");
    }
}
