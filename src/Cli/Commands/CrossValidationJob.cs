using System.Diagnostics;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Reporting;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Cli.Commands;

/// <summary>
/// <c>train --folds K [--fold i]</c> and <c>train --resume DIR</c> of a cross-validation folder: sizes and checks the
/// run as <see cref="TrainJob"/> does (a resume takes the options <see cref="ResumeOptions"/> allows), writes DIR/config.json, trains the folds (<see cref="CrossValidation"/>) and
/// prints the metrics over them.
/// </summary>
internal static class CrossValidationJob
{
    /// <summary>
    /// The configuration of the cross-validation this train command asks for, or null for a single run (a fold's
    /// own run folder resumes as a single run).
    /// </summary>
    public static TrainConfig? Applies(TrainConfig config, bool resume, int? folds, int? fold, string root)
    {
        if (!resume && File.Exists(new CrossValidationFolder(root).Folds))
            throw new CliException($"{root} holds a cross-validation; continue it with --resume {root} or choose another --out");
        if (resume)
        {
            bool isCrossValidation = config.Folds is not null && config.Fold is null;
            if (!isCrossValidation && (folds is not null || fold is not null))
                throw new CliException("--folds and --fold apply to a cross-validation folder; --resume names a single run");
            if (isCrossValidation && folds is int k && k != config.Folds)
                throw new CliException($"--folds {k}: the cross-validation being resumed has {config.Folds} folds");
            return isCrossValidation ? config : null;
        }
        if (folds is null)
            return fold is null ? null : throw new CliException("--fold needs --folds K (or --resume of a cross-validation folder)");
        return config with { Folds = folds };
    }

    /// <summary>Trains a new cross-validation (<paramref name="resumed"/> null) or continues one with the options it took.</summary>
    public static int Run(TrainConfig config, string root, ResumedConfig? resumed, ISet<string> given, string? cacheDir, int? onlyFold, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        if (resumed is { Changed: true })
        {
            config.Validate();
            output.WriteLine($"resume: took {string.Join(", ", resumed.Taken)} (complete folds stay as they are)");
        }
        var device = CommonOptions.Open(config.Device);
        var cv = new CrossValidationFolder(root);
        if (resumed is null)
        {
            config = TrainSizing.Apply(config, device.IsCpu, given);
            config.Validate();
            if (onlyFold is int only && (only < 1 || only > config.Folds))
                throw new CliException($"--fold must be between 1 and --folds ({config.Folds}), got {only}");
            TrainJob.CheckBatch(config);
            if (File.Exists(cv.Config))
                throw new CliException($"{cv.Root} already holds a run; continue it with --resume {cv.Root} or choose another --out");
            if (config.Data is null) config = config with { SyntheticData = TrainJob.SyntheticDir(config, cacheDir) };
            Directory.CreateDirectory(cv.Root);
            AtomicFile.WriteAllText(cv.Config, config.ToJson());
        }
        else
        {
            TrainJob.CheckBatch(config);
            // Every fold's config.json is the cross-validation's with its fold number, so the folds to come take the change too.
            if (resumed.Changed) AtomicFile.WriteAllText(cv.Config, config.ToJson());
        }
        output.WriteLine($"train: {config.Folds}-fold cross-validation, task {config.Task.Name()} on {device} -> {cv.Root}");
        if (config.SizingNote is not null) output.WriteLine(config.SizingNote);
        if (config.Data is null) TrainJob.EnsureSynthetic(config, output);

        CrossValidationSummary summary;
        try
        {
            summary = CrossValidation.Run(config, cv, device, output, onlyFold, (epoch, samples) => EpochProgress.Start(epoch, config.Epochs, samples, output));
        }
        catch (DeviceOutOfMemoryException e)
        {
            throw new CliException(CommonOptions.OutOfMemoryHint(e, device, config.BatchSize, "--batch-size", config.Grid));
        }
        output.WriteLine(CrossValidationSummary.SummaryText(summary));
        if (!summary.Complete)
            output.WriteLine($"folds to go: {string.Join(", ", Enumerable.Range(1, summary.Folds).Except(summary.CompletedFolds))}; continue with --resume {cv.Root}");
        output.WriteLine($"wrote {cv.Root} in {clock.Elapsed.TotalMinutes:F1} min");
        return 0;
    }
}
