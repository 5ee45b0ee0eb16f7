using System.CommandLine;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Synthetic;
using ILGpuNet.Training.Explain;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Cli.Commands;

/// <summary>
/// <c>ilgpunet explain</c>: saliency maps of a checkpoint for volumes (files, an OASIS folder, or a run's own split),
/// written in each file's own space as NIfTI with a PNG, optionally a group mean and each map's share of mass in
/// region masks (README, "Saliency maps").
/// </summary>
internal static class ExplainCommand
{
    private enum Group { All, Healthy, Demented }

    private static readonly Training.Choices<Group> Groups = new("group",
        [(Group.All, "all"), (Group.Healthy, "healthy"), (Group.Demented, "demented")]);

    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<FileInfo?>("--checkpoint") { Description = "A checkpoint written by train (default with --run: its best.safetensors)" };
        var files = new Argument<string[]>("files") { Description = "Volumes (.nii, .nii.gz, .hdr)", Arity = ArgumentArity.ZeroOrMore };
        var data = new Option<DirectoryInfo?>("--data") { Description = "An OASIS layout folder instead of files (first scan of each subject)" };
        var csv = new Option<FileInfo?>("--csv") { Description = "The CSV of --data (default: the CSV in --data)" };
        var run = new Option<DirectoryInfo?>("--run") { Description = "A run folder: explain the scans of one of its splits (--split) with its data and splits.csv" };
        var split = new Option<string>("--split") { Description = "With --run: which split", DefaultValueFactory = _ => "test" }
            .AcceptOnlyFromAmong("train", "val", "test");
        var group = CommonOptions.Choice("--group", "With --data or --run: all scans, or only CDR 0 / CDR > 0", Groups, Group.All);
        var method = CommonOptions.Choice("--method", "gradient (|d output / d input|), smoothgrad (mean over noisy copies) or gradcam (last feature map)",
            SaliencyChoices.Method, SaliencyMethod.Gradient);
        var target = CommonOptions.Choice("--target", "The output to explain: a class logit or the age head", SaliencyChoices.Target, SaliencyTarget.Class);
        var cls = new Option<int>("--class") { Description = "With --target class: the logit (1: CDR > 0 for cdr, F for sex)", DefaultValueFactory = _ => 1 };
        var samples = new Option<int>("--samples") { Description = "smoothgrad: noisy copies", DefaultValueFactory = _ => 16 };
        var noise = new Option<double>("--noise") { Description = "smoothgrad: noise sd as a fraction of the input's value range", DefaultValueFactory = _ => 0.15 };
        var seed = new Option<int>("--seed") { Description = "smoothgrad: noise seed", DefaultValueFactory = _ => 1 };
        var mean = new Option<bool>("--mean") { Description = "Also the mean map over all volumes on the template grid (MNI152 2 mm), each map scaled to sum 1" };
        var regions = new Option<DirectoryInfo?>("--regions") { Description = "Masks (brain.nii.gz + regions, e.g. a synthetic cohort's planted_regions/): each map's share of mass per region -> regions.csv" };
        var union = new Option<string?>("--union") { Description = "With --regions: the regions whose union is reported, comma-separated (default: hippocampi,ventricles where present, else all)" };
        var noFigures = new Option<bool>("--no-figures") { Description = "No PNG per volume (the mean's is still drawn)" };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Folder for the maps (NAME_METHOD.nii.gz, .png)", Required = true };
        var batch = new Option<int>("--batch-size") { Description = "Volumes (or noisy copies) per forward and backward pass", DefaultValueFactory = _ => 2 };
        var device = CommonOptions.Device();
        var command = new Command("explain", "Saliency maps (gradient, SmoothGrad, Grad-CAM) of a checkpoint, in each volume's own space")
        {
            checkpoint, files, data, csv, run, split, group, method, target, cls, samples, noise, seed, mean, regions, union, noFigures, outDir, batch, device,
        };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files) ?? [];
            var dataDir = parse.GetValue(data);
            var runDir = parse.GetValue(run);
            if ((paths.Length > 0 ? 1 : 0) + (dataDir is null ? 0 : 1) + (runDir is null ? 0 : 1) != 1)
                throw new CliException("give one of: volume files, --data DIR or --run DIR");
            string? ckpt = parse.GetValue(checkpoint)?.FullName ?? (runDir is null ? null : new RunFolder(runDir.FullName).BestCheckpoint);
            if (ckpt is null) throw new CliException("--checkpoint is required (or --run DIR for its best checkpoint)");
            if (!File.Exists(ckpt)) throw new CliException($"{ckpt}: no such checkpoint");
            var which = parse.GetChoice(group, Groups);
            IReadOnlyList<string> volumes = paths.Length > 0 ? paths.Select(Path.GetFullPath).ToList()
                : dataDir is not null ? FromDataset(dataDir.FullName, parse.GetValue(csv)?.FullName, which, output)
                : FromRun(runDir!.FullName, parse.GetValue(split)!, which, output);
            var options = new SaliencyOptions
            {
                Method = parse.GetChoice(method, SaliencyChoices.Method),
                Target = parse.GetChoice(target, SaliencyChoices.Target),
                Class = parse.GetValue(cls),
                Samples = parse.GetValue(samples),
                Noise = parse.GetValue(noise),
                Seed = parse.GetValue(seed),
                BatchSize = parse.GetValue(batch),
            };
            if (options.Problem() is { } problem) throw new CliException(problem);
            var card = RunCheckpoint.ReadCard(ckpt);
            CommonOptions.CheckBatch(RunModels.ModelConfig(card.Config), options.BatchSize, $"--batch-size {options.BatchSize}");
            var request = new ExplainRequest
            {
                Checkpoint = ckpt, Files = volumes, OutputDirectory = parse.GetValue(outDir)!.FullName, Options = options,
                Mean = parse.GetValue(mean), Regions = parse.GetValue(regions)?.FullName, NoFigures = parse.GetValue(noFigures),
                Union = parse.GetValue(union)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
            var dev = CommonOptions.Open(parse.GetValue(device)!);
            output.WriteLine($"explain: {volumes.Count} volume(s) with {Path.GetFileName(ckpt)} (task {card.Config.Task.Name()}, input {card.Preprocessing}), {Explainer.Describe(options)} on {dev}");
            var result = CommonOptions.WithMemoryHint(() => Explainer.Run(request, dev, line => output.WriteLine($"  {line}")), dev, options.BatchSize, "--batch-size");
            if (result.Volumes.Any(v => v.Shares is not null))
            {
                var shares = result.Volumes.Select(v => v.Shares!).ToList();
                foreach (int r in Enumerable.Range(0, shares[0].Count))
                {
                    double mass = shares.Average(s => s[r].MassShare), volume = shares[0][r].VolumeShare;
                    output.WriteLine($"regions, mean over {shares.Count} maps: {new RegionShare(shares[0][r].Region, mass, volume)}");
                }
            }
            output.WriteLine($"wrote {result.Volumes.Count} map(s)" + (result.MeanMapPath is null ? "" : $" and {Path.GetFileName(result.MeanMapPath)}") + $" to {request.OutputDirectory}");
            return 0;
        });
        return command;
    }

    private static IReadOnlyList<string> FromDataset(string root, string? csv, Group group, TextWriter output)
    {
        var dataset = OasisDataset.Load(root, csv, new OasisOptions { Task = OasisTask.Cdr, Scans = ScanSelection.FirstScan });
        foreach (var w in dataset.Warnings) output.WriteLine($"warning: {w}");
        return dataset.Samples.Where(s => InGroup(s.CdrClass, group)).Select(s => s.Path).ToList();
    }

    private static IReadOnlyList<string> FromRun(string dir, string split, Group group, TextWriter output)
    {
        var folder = new RunFolder(dir);
        if (!File.Exists(folder.Config)) throw new CliException($"{folder.Config}: not found; --run takes a folder written by train");
        var config = TrainConfig.Read(folder.Config);
        var data = RunData.Load(config, config.DataRoot, config.Data is null ? null : config.Csv, folder.Splits);
        foreach (var w in data.Warnings) output.WriteLine($"warning: {w}");
        var part = split switch { "train" => Split.Train, "val" => Split.Val, _ => Split.Test };
        var paths = data.Part(part).Where(s => InGroup(s.CdrClass, group)).Select(s => s.Path).ToList();
        if (paths.Count == 0) throw new CliException($"the {split} split of {dir} has no scans in group {Groups.Name(group)}");
        return paths;
    }

    private static bool InGroup(int cdrClass, Group group) => group switch
    {
        Group.Healthy => cdrClass == 0,
        Group.Demented => cdrClass == 1,
        _ => true,
    };
}
