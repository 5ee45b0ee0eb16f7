namespace ILGpuNet.Training.Bench;

/// <summary>
/// Groups per-kernel profiler times into the op kinds of benchmarks/gpu/README.md, so our breakdown and
/// PyTorch's sum the same things. GEMM kernels serve both 1x1x1 convolutions and Linear layers; the ops tag
/// their launches (<see cref="Tensors.KernelProfiler.Tag"/>), and the tag decides.
/// </summary>
public static class OpKinds
{
    public static string Of(string kernel)
    {
        int bar = kernel.IndexOf('|');
        string? tag = bar > 0 ? kernel[..bar] : null;
        string name = bar > 0 ? kernel[(bar + 1)..] : kernel;
        if (tag is not null) return tag;
        string type = name.Split('.')[0];
        return type switch
        {
            "Conv3dKernels" or "GemmKernels" => "conv3d",
            "DepthwiseConv3dKernels" => "depthwise_conv3d",
            "BatchNormKernels" => "batchnorm",
            "PoolingKernels" => "pooling",
            "LossKernels" or "TrainingStepKernels" => "loss",
            // The SE gate's MLP is PyTorch's two 1x1x1 convolutions on pooled maps (Linear-sized); its dx pass is elementwise.
            "SqueezeExcitationKernels" => name.Contains("InputGrad") ? "elementwise" : "linear",
            "OptimizerKernels" => "optimizer",
            "ChannelScaleKernels" or "StochasticDepthKernels" or "RandomKernels" or "ReductionKernels" => "elementwise",
            "ElementwiseKernels" => name.Contains("Silu") || name.Contains("Sigmoid") || name.Contains("Relu") ? "activation" : "elementwise",
            _ => "other",
        };
    }

    public static List<OpKindTime> Group(IReadOnlyDictionary<string, (double Ms, long Launches)> kernels)
    {
        var byKind = kernels.GroupBy(k => Of(k.Key)).Select(g => (Kind: g.Key, Ms: g.Sum(k => k.Value.Ms))).ToList();
        double total = byKind.Sum(k => k.Ms);
        return byKind.OrderByDescending(k => k.Ms).Select(k => new OpKindTime(k.Kind, k.Ms, total > 0 ? k.Ms / total : 0)).ToList();
    }
}
