using System.Diagnostics;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Data.Synthetic;
using ILGpuNet.Training.Reporting;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Cli.Commands;

/// <summary>Opens the device, sizes the run, makes sure the data exists, trains, prints the test metrics.</summary>
internal static class TrainJob
{
    /// <summary>Trains a new run (<paramref name="resumed"/> null) or continues one with the options it took.</summary>
    public static int Run(TrainConfig config, RunFolder run, ResumedConfig? resumed, ISet<string> given, string? cacheDir, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        bool resume = resumed is not null;
        if (resumed is { Changed: true })
        {
            config.Validate();  // only the options just taken can be new; the rest was validated as config.json was read
            output.WriteLine($"resume: took {string.Join(", ", resumed.Taken)}");
        }
        var device = CommonOptions.Open(config.Device, config.Precision);
        if (!resume)
        {
            config = TrainSizing.Apply(config, device.IsCpu, given);
            config.Validate();  // a resumed run's config.json was validated as it was read
            CheckBatch(config);
            if (File.Exists(run.Config) && File.Exists(run.LastCheckpoint))
                throw new CliException($"{run.Root} already holds a run; continue it with --resume {run.Root} or choose another --out");
            if (config.Data is null) config = config with { SyntheticData = SyntheticDir(config, cacheDir) };
            run.Create();
            AtomicFile.WriteAllText(run.Config, config.ToJson());
        }
        else
        {
            CheckBatch(config);
            // The run goes on as it now is: a later --resume, evaluate and the model card see the new values.
            if (resumed!.Changed) AtomicFile.WriteAllText(run.Config, config.ToJson());
        }
        output.WriteLine($"train: task {config.Task.Name()} on {device}, {CommonOptions.PrecisionText(device)} -> {run.Root}");
        if (config.SizingNote is not null) output.WriteLine(config.SizingNote);
        if (config.Data is null) EnsureSynthetic(config, output);

        using var trainer = new Trainer(config, run, device, config.DataRoot, config.Data is null ? null : config.Csv, output, resume);
        RunSummary summary;
        try
        {
            summary = trainer.Run((epoch, samples) => EpochProgress.Start(epoch, config.Epochs, samples, output));
        }
        catch (DeviceOutOfMemoryException e)
        {
            throw new CliException(CommonOptions.OutOfMemoryHint(e, device, config.BatchSize, "--batch-size", config.Grid));
        }
        output.WriteLine(RunReports.SummaryText(summary));
        output.WriteLine($"wrote {run.Root} in {clock.Elapsed.TotalMinutes:F1} min");
        return 0;
    }

    /// <summary>Before any file is written: a batch over the one-tensor bound is refused with the largest that fits.</summary>
    internal static void CheckBatch(TrainConfig config) =>
        CommonOptions.CheckBatch(RunModels.ModelConfig(config), config.BatchSize, $"--batch-size {config.BatchSize}");

    /// <summary>Where the synthetic cohort of a run lives: the default cache, or <paramref name="cacheDir"/>.</summary>
    public static string SyntheticDir(TrainConfig config, string? cacheDir)
    {
        var dir = SyntheticCohort.DefaultCacheDirectory(config.SyntheticSubjects, SyntheticSeed(config), SyntheticGrid.Mni2mm);
        return cacheDir is null ? dir : Path.Combine(cacheDir, Path.GetFileName(dir));
    }

    private static int SyntheticSeed(TrainConfig config) => (int)(config.Seed % int.MaxValue);

    /// <summary>The synthetic cohort of this size and seed (MNI152 2 mm), generated on first use and cached.</summary>
    internal static void EnsureSynthetic(TrainConfig config, TextWriter output)
    {
        var dir = config.SyntheticData!;
        var options = new SyntheticCohortOptions { OutputDirectory = dir, Subjects = config.SyntheticSubjects, Seed = SyntheticSeed(config) };
        if (SyntheticCohort.IsComplete(options))
        {
            output.WriteLine($"synthetic cohort: {dir} (cached)");
            return;
        }
        output.WriteLine($"synthetic cohort: generating {config.SyntheticSubjects} subjects (seed {options.Seed}, MNI152 2 mm) -> {dir}");
        var clock = Stopwatch.StartNew();
        SyntheticCohort.EnsureCached(dir, options.Subjects, options.Seed, options.Grid, options.MaxScans);
        output.WriteLine($"synthetic cohort: done in {clock.Elapsed.TotalSeconds:F0} s");
    }
}
