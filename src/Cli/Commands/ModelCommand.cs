using System.CommandLine;
using System.Globalization;
using ILGpuNet.Layers.Models;

namespace ILGpuNet.Cli.Commands;

/// <summary><c>ilgpunet model</c>: the 3D EfficientNet's configuration, parameters and multiply-adds, from shape arithmetic alone.</summary>
internal static class ModelCommand
{
    public static Command Create(TextWriter output)
    {
        var config = new Option<string>("--config")
        {
            Description = "reference: the blog's model exactly; default: the same with our departures (SiLU in the classifier, stochastic depth honours its argument)",
            DefaultValueFactory = _ => "reference",
        }.AcceptOnlyFromAmong("reference", "default");
        var grid = new Option<string?>("--grid") { Description = "Input grid DxHxW (default 91x109x91, MNI152 2 mm)" };
        var width = new Option<double?>("--width-mult") { Description = "Channel multiplier (EfficientNet rounding: multiples of 8, at least 90 % of the scaled width)" };
        var depth = new Option<double?>("--depth-mult") { Description = "Stage repeat multiplier: ceil(repeats x multiplier)" };
        var heads = new Option<string?>("--heads") { Description = "classification (k logits), regression (age) or double (both, shared trunk)" }
            .AcceptOnlyFromAmong("classification", "regression", "double");
        var classes = new Option<int?>("--classes") { Description = "Classes k of the classification head (default 2)" };
        var summary = new Option<bool>("--summary") { Description = "Print the per-layer table (name, layer, output per sample, parameters, multiply-adds)" };
        var command = new Command("model", "Show the 3D EfficientNet for a configuration: feature map, head inputs, parameters, multiply-adds per sample")
        {
            config, grid, width, depth, heads, classes, summary,
        };
        command.SetAction(parse =>
        {
            var cfg = parse.GetValue(config) == "reference" ? EfficientNet3dConfig.Reference() : new EfficientNet3dConfig();
            if (parse.GetValue(grid) is { } g) cfg = cfg with { Grid = UserInput(() => EfficientNet3dConfig.ParseGrid(g), "--grid: ") };
            if (parse.GetValue(width) is { } w) cfg = cfg with { WidthMultiplier = w };
            if (parse.GetValue(depth) is { } d) cfg = cfg with { DepthMultiplier = d };
            if (parse.GetValue(heads) is { } h)
                cfg = cfg with { Heads = h switch { "regression" => ModelHeads.Regression, "double" => ModelHeads.Double, _ => ModelHeads.Classification } };
            if (parse.GetValue(classes) is { } k) cfg = cfg with { Classes = k };
            UserInput(cfg.Validate);
            var s = ModelSummary.Of(cfg);
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine(string.Create(inv, $"EfficientNet3d ({parse.GetValue(config)}): grid {cfg.GridText}, width x{cfg.WidthMultiplier}, depth x{cfg.DepthMultiplier}, " +
                $"heads {cfg.Heads.ToString().ToLowerInvariant()}{(cfg.HasClassifier ? $" ({cfg.Classes} classes)" : "")}, {cfg.Blocks.Count} MBConv blocks, " +
                $"dropout {cfg.DropoutRate}, stochastic-depth survival {cfg.EffectiveSurvival}, classifier activation {(cfg.ClassifierActivation ? "SiLU" : "none")}"));
            if (parse.GetValue(summary))
            {
                output.Write(s.ToTable());
            }
            else
            {
                var f = cfg.FeatureGrid;
                output.WriteLine(string.Create(inv, $"feature map {cfg.FeatureChannels}x{f.D}x{f.H}x{f.W} -> {cfg.HeadInputs} head inputs"));
                output.WriteLine(string.Create(inv, $"parameters {s.Parameters:N0}, multiply-adds per sample {s.MultiplyAdds:N0}"));
            }
            var binding = BatchLimit.Binding(cfg);
            output.WriteLine(string.Create(inv, $"largest batch {binding.LargestBatch} (tensors hold at most 2^31-1 elements; {binding.Description}: {binding.ShapeText} per sample)"));
            return 0;
        });
        return command;
    }

    /// <summary>Runs a parse or validation of the user's values; what it refuses becomes a one-line user error.</summary>
    private static void UserInput(Action check) => UserInput(() => { check(); return 0; });

    private static T UserInput<T>(Func<T> check, string prefix = "")
    {
        try
        {
            return check();
        }
        catch (ArgumentException e)
        {
            throw new CliException(prefix + e.Message);
        }
    }
}
