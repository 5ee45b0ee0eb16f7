using System.Globalization;
using System.Text;
using ILGpuNet.Kernels;

namespace ILGpuNet.Layers.Models;

/// <summary>One layer of the summary: its output per sample (C, D, H, W or features), trainable parameters, multiply-adds per sample.</summary>
public sealed record ModelSummaryRow(string Name, string Layer, int[] Output, long Parameters, long MultiplyAdds)
{
    public string OutputText => string.Join("x", Output);
}

/// <summary>
/// Per-layer shapes, parameters and multiply-adds of an <see cref="EfficientNet3dConfig"/>, by shape arithmetic
/// (no tensors). Multiply-adds per sample, as PyTorch counters report the reference (9,187,226 parameters,
/// 2,741,831,680 multiply-adds at 91 x 109 x 91 with 2 classes): every convolution, squeeze-excitation's two 1x1x1
/// convolutions on the pooled map included, counts output elements x Cin / groups x kernel volume
/// (<see cref="Conv3dShape.MultiplyAdds"/>), every Linear layer in x out. Bias additions, BatchNorm, activations,
/// pooling, SE's channel scaling, residual adds and dropout count nothing.
/// </summary>
public sealed class ModelSummary
{
    private ModelSummary(EfficientNet3dConfig config, IReadOnlyList<ModelSummaryRow> rows)
    {
        Config = config;
        Rows = rows;
    }

    public EfficientNet3dConfig Config { get; }

    public IReadOnlyList<ModelSummaryRow> Rows { get; }

    /// <summary>Trainable parameters (BatchNorm running statistics are buffers, not counted).</summary>
    public long Parameters => Rows.Sum(r => r.Parameters);

    public long MultiplyAdds => Rows.Sum(r => r.MultiplyAdds);

    public static ModelSummary Of(EfficientNet3dConfig config)
    {
        config.Validate();
        var rows = new List<ModelSummaryRow>();
        var g = config.Grid;
        int c = 1;

        // A CNNBlock3d: the convolution plus its BatchNorm's weight and bias.
        void Block(string name, string layer, int cout, int k, int stride, int padding, int groups)
        {
            var s = Conv3dShape.Create(1, c, g.D, g.H, g.W, cout, k, k, k, stride, stride, stride, padding, padding, padding, groups);
            rows.Add(new ModelSummaryRow(name, layer, [cout, s.OD, s.OH, s.OW], (long)cout * (c / groups) * k * k * k + 2L * cout, s.MultiplyAdds));
            (c, g) = (cout, (s.OD, s.OH, s.OW));
        }

        Block("first_layer", $"Conv3d {EfficientNet3dConfig.StemKernel}^3 s{EfficientNet3dConfig.StemStride} + BN + SiLU",
            config.Stem, EfficientNet3dConfig.StemKernel, EfficientNet3dConfig.StemStride, EfficientNet3dConfig.StemPadding, 1);
        g = EfficientNet3dConfig.ConvOutput(g, EfficientNet3dConfig.PoolKernel, EfficientNet3dConfig.PoolStride, 0);
        rows.Add(new ModelSummaryRow("max_pool", $"MaxPool3d {EfficientNet3dConfig.PoolKernel}^3 s{EfficientNet3dConfig.PoolStride}", [c, g.D, g.H, g.W], 0, 0));

        var blocks = config.Blocks;
        for (int i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            string prefix = $"features.{i}.";
            if (b.HasExpand) Block(prefix + "expand", "Conv3d 1^3 + BN + SiLU", b.Hidden, 1, 1, 0, 1);
            Block(prefix + "depthwise_conv", $"Conv3d {b.Kernel}^3 s{b.Stride} depthwise + BN + SiLU", b.Hidden, b.Kernel, b.Stride, b.Padding, b.Hidden);
            // Two 1x1x1 convolutions with bias on the (c, 1, 1, 1) pooled map.
            rows.Add(new ModelSummaryRow(prefix + "se", $"SqueezeExcitation {b.Hidden}->{b.Reduced}->{b.Hidden}", [c, g.D, g.H, g.W],
                2L * b.Hidden * b.Reduced + b.Reduced + b.Hidden, 2L * b.Hidden * b.Reduced));
            Block(prefix + "pointwise_conv", "Conv3d 1^3 + BN" + (b.HasResidual ? " + residual" : ""), b.Outputs, 1, 1, 0, 1);
        }

        int inputs = c * g.D * g.H * g.W;
        Head("classifier", config.ClassifierOutputs);
        if (config.Heads == ModelHeads.Double) Head("age_head", 1);
        return new ModelSummary(config, rows);

        void Head(string name, int outputs)
        {
            rows.Add(new ModelSummaryRow(name + ".0", $"Dropout {config.DropoutRate.ToString(CultureInfo.InvariantCulture)} (flattened {c}x{g.D}x{g.H}x{g.W})", [inputs], 0, 0));
            int[] widths = [inputs, EfficientNet3dConfig.HeadHidden1, EfficientNet3dConfig.HeadHidden2, outputs];
            for (int j = 1; j < widths.Length; j++)
            {
                bool silu = config.ClassifierActivation && j < widths.Length - 1;
                rows.Add(new ModelSummaryRow($"{name}.{j}", $"Linear {widths[j - 1]}->{widths[j]}" + (silu ? " + SiLU" : ""), [widths[j]],
                    (long)widths[j - 1] * widths[j] + widths[j], (long)widths[j - 1] * widths[j]));
            }
        }
    }

    /// <summary>The per-layer table and the totals, for the <c>model</c> command.</summary>
    public string ToTable()
    {
        var inv = CultureInfo.InvariantCulture;
        int nameWidth = Math.Max(4, Rows.Max(r => r.Name.Length));
        int layerWidth = Math.Max(5, Rows.Max(r => r.Layer.Length));
        int outWidth = Math.Max(6, Rows.Max(r => r.OutputText.Length));
        var sb = new StringBuilder();
        string Line(string name, string layer, string output, string parameters, string macs) =>
            $"{name.PadRight(nameWidth)}  {layer.PadRight(layerWidth)}  {output.PadLeft(outWidth)}  {parameters,12}  {macs,16}";
        sb.AppendLine(Line("name", "layer", "output", "parameters", "multiply-adds"));
        sb.AppendLine(new string('-', nameWidth + layerWidth + outWidth + 12 + 16 + 8));
        foreach (var r in Rows)
            sb.AppendLine(Line(r.Name, r.Layer, r.OutputText, r.Parameters.ToString("N0", inv), r.MultiplyAdds.ToString("N0", inv)));
        sb.AppendLine(new string('-', nameWidth + layerWidth + outWidth + 12 + 16 + 8));
        sb.AppendLine(Line("total", "", "", Parameters.ToString("N0", inv), MultiplyAdds.ToString("N0", inv)));
        var f = Config.FeatureGrid;
        sb.AppendLine(string.Create(inv, $"input 1x{Config.GridText}; feature map {Config.FeatureChannels}x{f.D}x{f.H}x{f.W} -> {Config.HeadInputs} head inputs; " +
            $"{Parameters:N0} trainable parameters ({Parameters * 4.0 / (1 << 20):F1} MiB float32), {MultiplyAdds / 1e9:F3} G multiply-adds per sample"));
        sb.AppendLine("multiply-adds: convolutions (SE's included) and Linear layers; bias, BatchNorm, activations, pooling and adds count nothing");
        return sb.ToString();
    }
}
