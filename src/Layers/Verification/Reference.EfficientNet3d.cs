using ILGpuNet.Kernels;
using ILGpuNet.Layers.Models;

namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>
    /// The whole EfficientNet3d in float64, composed of the op references: x (n, 1, D, H, W) and the state by
    /// state_dict name (parameters and running statistics). BatchNorm normalises with the batch statistics when
    /// <paramref name="batchStatistics"/> (training mode; running statistics are not updated), else with the
    /// running ones. Dropout and stochastic depth are left out: the model matches this in evaluation, or in
    /// training with dropout 0 and survival 1. Returns (logits (n, k) or null, age (n) or null).
    /// </summary>
    public static (double[]? Logits, double[]? Age) EfficientNet3d(EfficientNet3dConfig config, IReadOnlyDictionary<string, double[]> state,
        double[] x, int n, bool batchStatistics)
    {
        var g = config.Grid;
        int c = 1;
        double[] h = x;

        double[] Block(string name, double[] input, int cout, int k, int stride, int padding, int groups, bool act, double[]? residual)
        {
            var s = Conv3dShape.Create(n, c, g.D, g.H, g.W, cout, k, k, k, stride, stride, stride, padding, padding, padding, groups);
            var y = Conv3d(input, state[name + ".cnn.weight"], null, s);
            (c, g) = (cout, (s.OD, s.OH, s.OW));
            return BatchNorm(y, state[name + ".bn.weight"], state[name + ".bn.bias"], state[name + ".bn.running_mean"], state[name + ".bn.running_var"],
                n, c, s.OutSpatial, batchStatistics, 1e-5, act ? Silu : null, residual);
        }

        h = Block("first_layer", h, config.Stem, EfficientNet3dConfig.StemKernel, EfficientNet3dConfig.StemStride, EfficientNet3dConfig.StemPadding, 1, true, null);
        int pk = EfficientNet3dConfig.PoolKernel, ps = EfficientNet3dConfig.PoolStride;
        h = MaxPool3d(h, [n, c, g.D, g.H, g.W], (pk, pk, pk), (ps, ps, ps), (0, 0, 0));
        g = EfficientNet3dConfig.ConvOutput(g, pk, ps, 0);

        var blocks = config.Blocks;
        for (int i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            string p = $"features.{i}.";
            var input = h;
            if (b.HasExpand) h = Block(p + "expand", h, b.Hidden, 1, 1, 0, 1, true, null);
            h = Block(p + "depthwise_conv", h, b.Hidden, b.Kernel, b.Stride, b.Padding, b.Hidden, true, null);
            h = SqueezeExcitation(h, state[p + "se.se.1.weight"], state[p + "se.se.1.bias"], state[p + "se.se.3.weight"], state[p + "se.se.3.bias"],
                n, c, g.D * g.H * g.W);
            h = Block(p + "pointwise_conv", h, b.Outputs, 1, 1, 0, 1, false, b.HasResidual ? input : null);
        }

        int inputs = c * g.D * g.H * g.W;
        double[] Head(string name, int outputs)
        {
            var y = Linear(h, state[name + ".1.weight"], state[name + ".1.bias"], n, inputs, EfficientNet3dConfig.HeadHidden1);
            if (config.ClassifierActivation) y = Map(y, Silu);
            y = Linear(y, state[name + ".2.weight"], state[name + ".2.bias"], n, EfficientNet3dConfig.HeadHidden1, EfficientNet3dConfig.HeadHidden2);
            if (config.ClassifierActivation) y = Map(y, Silu);
            return Linear(y, state[name + ".3.weight"], state[name + ".3.bias"], n, EfficientNet3dConfig.HeadHidden2, outputs);
        }

        var classifier = Head("classifier", config.ClassifierOutputs);
        return config.Heads switch
        {
            ModelHeads.Classification => (classifier, null),
            ModelHeads.Regression => (null, classifier),
            _ => (classifier, Head("age_head", 1)),
        };
    }
}
