using System.Globalization;
using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Checkpoints;

namespace ILGpuNet.Training.Runs;

/// <summary>What <c>import</c> made: the checkpoint, its card and the number of tensors it took.</summary>
public sealed record ImportResult(string Checkpoint, ModelCard Card, int Tensors, long Parameters);

/// <summary>
/// A plain PyTorch state_dict of the reference model (<c>safetensors.torch.save_file(model.state_dict(), path)</c>:
/// float tensors under the seed's names, <c>num_batches_tracked</c> as int64) turned into a checkpoint that
/// predict, evaluate and <c>train --init</c> take: the weights, loaded strictly into the model the options
/// describe, plus a model card (task, grid, preprocessing, age scale) that the state_dict itself cannot carry.
/// Every missing, unexpected or mis-shaped tensor is named in one error; a classifier whose input size does
/// not fit the grid is explained by the grids that would fit it (<see cref="GridHint"/>).
/// </summary>
public static class ModelImport
{
    /// <summary>The grids people use, named when the weights fit one of them.</summary>
    private static readonly (string Grid, string What)[] KnownGrids =
    [
        ("91x109x91", "MNI152 2 mm, the reference"),
        ("46x55x46", "MNI152 2 mm pooled by 2"),
        ("48x56x48", "MNI152 2 mm pooled by 2 and padded, the CPU default"),
    ];

    /// <summary>
    /// Imports <paramref name="stateDict"/> as the model of <paramref name="config"/> (task, grid, widths, head,
    /// preprocessing) and writes the checkpoint to <paramref name="destination"/>. <paramref name="ageScale"/> maps
    /// the age head's output to years (identity: the network predicts years); <paramref name="data"/> describes
    /// what the weights were trained on, for the card.
    /// </summary>
    public static ImportResult Import(string stateDict, string destination, TrainConfig config, AgeScale ageScale, string? data = null)
    {
        if (!File.Exists(stateDict)) throw new FileNotFoundException($"{stateDict}: no such file");
        var modelConfig = RunModels.ModelConfig(config);
        try
        {
            modelConfig.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ConfigException(e.Message);
        }
        using var model = RunModels.Create(config, Device.Cpu, new RandomSource(config.Seed));
        LoadWeights(model, stateDict);
        var card = new ModelCard(config, RunModels.Preprocessing(config).ToString(), ageScale, null,
            data ?? $"imported from {Path.GetFileName(stateDict)} (a PyTorch state_dict)");
        RunCheckpoint.Save(destination, model, null, new RunState { RandomSeed = config.Seed }, card);
        return new ImportResult(destination, card, model.NamedParameters().Count() + model.NamedBuffers().Count(), model.ParameterCount);
    }

    /// <summary>
    /// The weights of <paramref name="path"/> (a checkpoint or a plain state_dict) loaded strictly into
    /// <paramref name="model"/>; a mismatch names every tensor at once and explains the width and grid.
    /// </summary>
    public static void LoadWeights(EfficientNet3d model, string path)
    {
        try
        {
            Checkpoint.Load(model, path, strict: true);
        }
        catch (CheckpointMismatchException e)
        {
            using var file = SafeTensorsFile.Open(path);
            var problems = e.Problems.Select(p => Explain(p, file, model.Config)).ToList();
            throw new CheckpointMismatchException(e.FilePath, e.Missing, e.Unexpected, problems, listed: int.MaxValue);
        }
    }

    /// <summary>
    /// <c>train --init</c>: the weights of <paramref name="path"/> as the start of a new run (the optimizer starts
    /// fresh); returns the lines for the log, with a warning where the checkpoint's card differs from the run in
    /// task or preprocessing (fine-tuning may mean to, but it should be seen).
    /// </summary>
    public static IReadOnlyList<string> LoadInitialWeights(string path, TrainConfig config, EfficientNet3d model)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--init {path}: no such checkpoint");
        LoadWeights(model, path);
        var lines = new List<string>();
        ModelCard? card = RunCheckpoint.TryReadCard(path);
        lines.Add($"init: weights of {Path.GetFileName(path)}" + (card is null ? " (a state_dict without a model card)" : $" (task {card.Config.Task.Name()}, {card.Data ?? "data not recorded"})") +
                  "; the optimizer starts fresh");
        string preprocessing = RunModels.Preprocessing(config).ToString();
        if (card is not null && card.Preprocessing != preprocessing)
            lines.Add($"warning: --init {Path.GetFileName(path)} was trained on input {card.Preprocessing}; this run feeds {preprocessing}");
        if (card is not null && card.Config.Task != config.Task)
            lines.Add($"warning: --init {Path.GetFileName(path)} was trained for task {card.Config.Task.Name()}; this run trains {config.Task.Name()}");
        return lines;
    }

    /// <summary>
    /// The task a state_dict's heads imply when the user names none: <c>age_head.*</c> is the double-headed
    /// brainage model, a classifier with one output the age regression, otherwise a classification (cdr).
    /// </summary>
    public static TrainTask InferTask(string stateDict)
    {
        if (!File.Exists(stateDict)) throw new FileNotFoundException($"{stateDict}: no such file");
        using var file = SafeTensorsFile.Open(stateDict);
        if (file.Tensors.Any(t => t.Name.StartsWith("age_head.", StringComparison.Ordinal))) return TrainTask.BrainAge;
        return file.Contains("classifier.3.weight") && file.Info("classifier.3.weight").Shape is [1, _] ? TrainTask.Age : TrainTask.Cdr;
    }

    /// <summary>A mismatch with what it means: the stem's channels point at the width, the heads' inputs at the grid.</summary>
    private static string Explain(string problem, SafeTensorsFile file, EfficientNet3dConfig config)
    {
        if (!problem.Contains(": shape ", StringComparison.Ordinal)) return problem;  // a dtype problem says all there is
        foreach (var head in new[] { "classifier", "age_head" })
        {
            string name = $"{head}.1.weight";
            if (problem.StartsWith(name + ":", StringComparison.Ordinal) && file.Info(name).Shape is [_, var inputs])
                return $"{problem}: {GridHint(inputs, config)}";
        }
        if (problem.StartsWith("classifier.3.weight:", StringComparison.Ordinal) && file.Info("classifier.3.weight").Shape is [var outputs, _])
            return outputs == 1
                ? $"{problem}: the file's classifier has one output, an age regression (--task age)"
                : $"{problem}: the file's classifier has {outputs} outputs, a {outputs}-class classification (--task cdr or sex)";
        if (problem.StartsWith("first_layer.cnn.weight:", StringComparison.Ordinal) && file.Info("first_layer.cnn.weight").Shape is [var stem, ..])
            return string.Create(CultureInfo.InvariantCulture,
                $"{problem}: the file's stem has {stem} channels, width {config.WidthMultiplier} gives {config.Stem} (the reference's 64 x width, rounded to a multiple of 8): try --width-mult {stem / 64.0:G4}");
        return problem;
    }

    /// <summary>
    /// Why a head's input size does not fit the grid, and which grids it does fit. The head reads the flattened
    /// feature map, channels x D' x H' x W', where each feature size follows from its input size alone
    /// (stride 2 five times: D' = ceil(D / 32) for the reference), so the file's input count fixes the product
    /// D' H' W' and each factorisation of it is a box of grids; the box nearest the user's grid is named.
    /// </summary>
    public static string GridHint(long inputs, EfficientNet3dConfig config)
    {
        var inv = CultureInfo.InvariantCulture;
        var f = config.FeatureGrid;
        string given = $"--grid {config.GridText} gives {config.FeatureChannels} channels x {f.D}x{f.H}x{f.W} = {config.HeadInputs}";
        if (inputs % config.FeatureChannels != 0)
            return string.Create(inv, $"the file's head takes {inputs} inputs, not a multiple of the model's {config.FeatureChannels} feature channels: the weights are of another width (--width-mult) ({given})");
        long voxels = inputs / config.FeatureChannels;
        var ranges = FeatureRanges(config);
        var boxes = Factorisations(voxels, ranges.Count).Select(t => (Feature: t,
            D: ranges[t.D - 1], H: ranges[t.H - 1], W: ranges[t.W - 1])).ToList();
        if (boxes.Count == 0)
            return string.Create(inv, $"the file's head takes {inputs} inputs = {config.FeatureChannels} channels x {voxels} feature voxels, which no grid up to {EfficientNet3dConfig.MaxGridSize} per axis gives ({given})");
        int Distance(int n, (int Lo, int Hi) r) => n < r.Lo ? r.Lo - n : n > r.Hi ? n - r.Hi : 0;
        var g = config.Grid;
        var known = KnownGrids.Select(k => (k.Grid, k.What, Size: EfficientNet3dConfig.ParseGrid(k.Grid)))
            .FirstOrDefault(k => boxes.Any(b => Inside(k.Size, b)));
        var best = known.Grid is not null
            ? boxes.First(b => Inside(known.Size, b))
            : boxes.OrderBy(b => Distance(g.D, b.D) + Distance(g.H, b.H) + Distance(g.W, b.W)).First();
        string box = $"feature map {best.Feature.D}x{best.Feature.H}x{best.Feature.W}: any grid of D {Span(best.D)}, H {Span(best.H)}, W {Span(best.W)}";
        string trained = known.Grid is not null
            ? $"the weights were trained for grid {known.Grid} ({known.What}; {box})"
            : $"the weights were trained for a grid such as {best.D.Hi}x{best.H.Hi}x{best.W.Hi} ({box})";
        string others = boxes.Count > 1 ? $"; {boxes.Count - 1} other feature-map shape(s) give the same size" : "";
        return string.Create(inv, $"the file's head takes {inputs} inputs = {config.FeatureChannels} channels x {voxels} feature voxel{(voxels == 1 ? "" : "s")}; {trained}{others}; {given}");
    }

    private static bool Inside((int D, int H, int W) grid, ((int D, int H, int W) Feature, (int Lo, int Hi) D, (int Lo, int Hi) H, (int Lo, int Hi) W) box) =>
        grid.D >= box.D.Lo && grid.D <= box.D.Hi && grid.H >= box.H.Lo && grid.H <= box.H.Hi && grid.W >= box.W.Lo && grid.W <= box.W.Hi;

    private static string Span((int Lo, int Hi) r) => r.Lo == r.Hi ? $"{r.Lo}" : $"{r.Lo}-{r.Hi}";

    /// <summary>For each feature size s (1-based index s - 1), the input sizes that give it, by the model's own layer arithmetic.</summary>
    private static List<(int Lo, int Hi)> FeatureRanges(EfficientNet3dConfig config)
    {
        var ranges = new List<(int Lo, int Hi)>();
        for (int n = 1; n <= EfficientNet3dConfig.MaxGridSize; n++)
        {
            int s = (config with { Grid = (n, n, n) }).FeatureGrid.D;
            if (s > ranges.Count) ranges.Add((n, n));
            else ranges[s - 1] = (ranges[s - 1].Lo, n);
        }
        return ranges;
    }

    /// <summary>Every ordered (D', H', W') with D' H' W' = <paramref name="product"/> and each at most <paramref name="max"/>.</summary>
    private static IEnumerable<(int D, int H, int W)> Factorisations(long product, int max)
    {
        for (int d = 1; d <= max && d <= product; d++)
        {
            if (product % d != 0) continue;
            long rest = product / d;
            for (int h = 1; h <= max && h <= rest; h++)
                if (rest % h == 0 && rest / h <= max) yield return (d, h, (int)(rest / h));
        }
    }
}
