using System.CommandLine;
using System.CommandLine.Parsing;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Cli.Commands;

/// <summary>
/// <c>ilgpunet train</c>: the main job. Every option maps onto <see cref="TrainConfig"/>; sizes the user
/// leaves open are chosen for the device (<see cref="TrainSizing"/>), and without --data the synthetic
/// cohort is generated once and cached.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var d = new TrainConfig();
        var task = CommonOptions.Choice("--task", "cdr (CDR 0 vs > 0), sex, age (regression) or brainage (age + class head)", RunChoices.Task, d.Task);
        var brainAgeClass = CommonOptions.Choice("--brainage-class", "brainage: the class head's label", RunChoices.ClassLabel, d.BrainAgeClass);
        var data = new Option<DirectoryInfo?>("--data") { Description = "OASIS layout folder (OAS1_xxxx_MRy/...nii.gz); without it, the synthetic cohort" };
        var csv = new Option<FileInfo?>("--csv") { Description = "The OASIS cross-sectional CSV (default: the CSV in --data)" };
        var subjects = new Option<int>("--subjects") { Description = "Synthetic cohort size when there is no --data", DefaultValueFactory = _ => d.SyntheticSubjects };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = "Where the synthetic cohort is kept (default ~/.cache/ilgpunet/synthetic)" };
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => d.Epochs };
        var batch = new Option<int>("--batch-size") { Description = "Samples per step", DefaultValueFactory = _ => d.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => d.LearningRate };
        var optimizer = CommonOptions.Choice("--optimizer", "adam, adamw or sgd (momentum 0.9)", RunChoices.Optimizer, d.Optimizer);
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 (adam, sgd) or decoupled (adamw) weight decay", DefaultValueFactory = _ => d.WeightDecay };
        var schedule = CommonOptions.Choice("--schedule", "Learning-rate schedule after warm-up", RunChoices.Schedule, d.Schedule);
        var warmup = new Option<double>("--warmup-epochs") { Description = "Linear warm-up length", DefaultValueFactory = _ => d.WarmupEpochs };
        var patience = new Option<int>("--patience") { Description = "Stop after this many epochs without a better validation loss (0: never)", DefaultValueFactory = _ => d.Patience };
        var grid = new Option<string>("--grid") { Description = "Model input grid DxHxW (volumes are pooled by --downsample, then centre-cropped or padded)", DefaultValueFactory = _ => d.Grid };
        var downsample = new Option<int>("--downsample") { Description = "Average-pool factor before fitting the grid (2: 4 mm voxels)", DefaultValueFactory = _ => d.Downsample };
        var width = new Option<double>("--width-mult") { Description = "EfficientNet width multiplier (channels)", DefaultValueFactory = _ => d.WidthMult };
        var depth = new Option<double>("--depth-mult") { Description = "EfficientNet depth multiplier (block repeats)", DefaultValueFactory = _ => d.DepthMult };
        var referenceHead = new Option<bool>("--reference-head") { Description = "The reference classifier: three Linear layers without activations" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the split, initialisation, shuffling, augmentation and dropout", DefaultValueFactory = _ => d.Seed };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Run folder (default runs/<task>-<time>)" };
        var resume = new Option<DirectoryInfo?>("--resume")
        {
            Description = $"Continue the run in this folder from its last checkpoint (its config.json applies; only {string.Join(", ", ResumeOptions.Changeable)} may change)",
        };
        var init = new Option<FileInfo?>("--init") { Description = "Start from these weights (a checkpoint of train or import, or a PyTorch state_dict of the same model); the optimizer starts fresh" };
        var minAge = new Option<float?>("--min-healthy-age") { Description = "cdr: drop healthy subjects younger than this (62 is usual)" };
        var firstScan = new Option<bool>("--first-scan") { Description = "One scan per subject instead of every scan and session" };
        var noAugment = new Option<bool>("--no-augment") { Description = "Train without flips, shifts and intensity scaling" };
        var normalization = CommonOptions.Choice("--normalization", "zscore (whole volume, the reference) or zscore-brain (non-zero voxels)",
            RunChoices.Normalization, d.Normalization);
        var classWeight = new Option<double>("--class-loss-weight") { Description = "brainage: weight of the class loss against the age loss", DefaultValueFactory = _ => d.ClassLossWeight };
        var clip = new Option<double>("--grad-clip") { Description = "Global gradient-norm clip (0: off)", DefaultValueFactory = _ => d.GradClip };
        var workers = new Option<int>("--workers") { Description = "Loader threads (default: one per spare core)", DefaultValueFactory = _ => d.Workers };
        var syncEvery = new Option<int>("--sync-every") { Description = "Training steps between reads of the loss from the device (progress updates)", DefaultValueFactory = _ => d.SyncEvery };

        var command = new Command("train", "Train a task end to end: data, split by subject, training, validation, test metrics, checkpoints, plots")
        {
            task, brainAgeClass, data, csv, subjects, cache, device, precision, epochs, batch, lr, optimizer, weightDecay, schedule, warmup,
            patience, grid, downsample, width, depth, referenceHead, seed, outDir, resume, minAge, firstScan, noAugment,
            normalization, classWeight, clip, workers, syncEvery, init,
        };
        // Cross-validation (CrossValidationJob): its options and dispatch kept in this block.
        var folds = new Option<int?>("--folds") { Description = "Subject-level k-fold cross-validation: k runs (OUT/fold-i), each testing on one fold; cv-summary.json over them" };
        var fold = new Option<int?>("--fold") { Description = "With --folds (or --resume of a cross-validation): train only fold i (1-based)" };
        command.Options.Add(folds);
        command.Options.Add(fold);
        command.SetAction(parse =>
        {
            var resumeDir = parse.GetValue(resume);
            var requested = new TrainConfig
            {
                Task = parse.GetChoice(task, RunChoices.Task),
                BrainAgeClass = parse.GetChoice(brainAgeClass, RunChoices.ClassLabel),
                Data = parse.GetValue(data)?.FullName,
                Csv = parse.GetValue(csv)?.FullName,
                SyntheticSubjects = parse.GetValue(subjects),
                Device = parse.GetChoice(device, RunChoices.Device),
                Precision = parse.GetChoice(precision, RunChoices.Precision),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                Optimizer = parse.GetChoice(optimizer, RunChoices.Optimizer),
                WeightDecay = parse.GetValue(weightDecay),
                Schedule = parse.GetChoice(schedule, RunChoices.Schedule),
                WarmupEpochs = parse.GetValue(warmup),
                Patience = parse.GetValue(patience),
                Grid = parse.GetValue(grid)!,
                Downsample = parse.GetValue(downsample),
                WidthMult = parse.GetValue(width),
                DepthMult = parse.GetValue(depth),
                ReferenceHead = parse.GetValue(referenceHead),
                Seed = parse.GetValue(seed),
                MinHealthyAge = parse.GetValue(minAge),
                AllScans = !parse.GetValue(firstScan),
                Augment = !parse.GetValue(noAugment),
                Normalization = parse.GetChoice(normalization, RunChoices.Normalization),
                ClassLossWeight = parse.GetValue(classWeight),
                GradClip = parse.GetValue(clip),
                Workers = parse.GetValue(workers),
                SyncEvery = parse.GetValue(syncEvery),
                Init = parse.GetValue(init)?.FullName,
            };
            var given = parse.CommandResult.Children.OfType<OptionResult>().Where(o => !o.Implicit).Select(o => o.Option.Name).ToHashSet();
            if (resumeDir is null)
            {
                var fresh = new RunFolder(parse.GetValue(outDir)?.FullName ?? Path.Combine("runs", $"{requested.Task.Name()}-{DateTime.Now:yyyyMMdd-HHmmss}"));
                if (CrossValidationJob.Applies(requested, false, parse.GetValue(folds), parse.GetValue(fold), fresh.Root) is { } newCv)
                    return CrossValidationJob.Run(newCv, fresh.Root, null, given, parse.GetValue(cache)?.FullName, parse.GetValue(fold), output);
                return TrainJob.Run(requested, fresh, null, given, parse.GetValue(cache)?.FullName, output);
            }
            var run = new RunFolder(resumeDir.FullName);
            if (!File.Exists(run.Config)) throw new CliException($"{run.Config}: not found; --resume takes a run folder written by train");
            var saved = TrainConfig.Read(run.Config);
            var refused = new List<string>();
            if (parse.GetValue(outDir) is { } o && Path.GetFullPath(o.FullName) != run.Root)
                refused.Add($"--out {o.FullName} (the run's folder is {run.Root})");
            if (parse.GetValue(cache) is { } c && saved.SyntheticData is { } cohort && TrainJob.SyntheticDir(saved, c.FullName) != cohort)
                refused.Add($"--cache {c.FullName} (the run's cohort is {cohort})");
            var resumed = ResumeOptions.Apply(saved, requested, given, run.Config, refused);
            if (CrossValidationJob.Applies(resumed.Config, true, parse.GetValue(folds), parse.GetValue(fold), run.Root) is { } cv)
                return CrossValidationJob.Run(cv, run.Root, resumed, given, parse.GetValue(cache)?.FullName, parse.GetValue(fold), output);
            return TrainJob.Run(resumed.Config, run, resumed, given, parse.GetValue(cache)?.FullName, output);
        });
        return command;
    }
}
