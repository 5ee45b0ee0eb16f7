using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.IO;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// The files of a cross-validation folder: its config.json (with <see cref="TrainConfig.Folds"/>), folds.csv,
/// a normal run folder per fold (fold-1 ... fold-k, each with its own splits.csv) and the reports over the folds.
/// </summary>
public sealed class CrossValidationFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string Config => Path.Combine(Root, "config.json");
    public string Folds => Path.Combine(Root, "folds.csv");
    public string Summary => Path.Combine(Root, "cv-summary.json");
    public string SummaryCsv => Path.Combine(Root, "cv-summary.csv");

    /// <summary>The pooled out-of-fold test predictions, one row per subject.</summary>
    public string Predictions => Path.Combine(Root, "cv-predictions.csv");

    /// <summary>Fold <paramref name="fold"/>'s run folder (1-based).</summary>
    public RunFolder Fold(int fold) => new(Path.Combine(Root, $"fold-{fold}"));
}

/// <summary>
/// Subject-level k-fold cross-validation (<c>train --folds K</c>): the subjects are dealt into k folds stratified by
/// the task's label (<see cref="RunData.LoadOrCreateFolds"/>); fold i trains a normal run (<see cref="Trainer"/>)
/// that tests on fold i and validates on a stratified share of the other folds' subjects, so its brain-age
/// correction never sees its test subjects. A fold whose run folder has a summary.json is complete and never
/// retrained; the others start, or resume from their last checkpoint, so a killed cross-validation continues at
/// the fold and epoch where it stopped. After the folds the reports over every complete fold are rewritten
/// (<see cref="CrossValidationSummary"/>).
/// </summary>
public static class CrossValidation
{
    /// <param name="onlyFold">Train only this fold (1-based), <c>--fold</c>; null trains every incomplete fold.</param>
    public static CrossValidationSummary Run(TrainConfig config, CrossValidationFolder cv, Device device, TextWriter log,
        int? onlyFold = null, Func<int, int, IEpochProgress>? progress = null, CancellationToken cancel = default)
    {
        int k = config.Folds ?? throw new ArgumentException("the configuration asks for no folds", nameof(config));
        if (onlyFold is int only && (only < 1 || only > k))
            throw new ConfigException($"--fold must be between 1 and the folds ({k}), got {only}");
        Directory.CreateDirectory(cv.Root);
        if (!File.Exists(cv.Config)) AtomicFile.WriteAllText(cv.Config, config.ToJson());
        string? csv = config.Data is null ? null : config.Csv;
        var warnings = new List<string>();
        var folds = RunData.LoadOrCreateFolds(config, config.DataRoot, csv, cv.Folds, warnings);
        foreach (var w in warnings) log.WriteLine($"warning: {w}");
        log.WriteLine($"cross-validation: {k} folds of {string.Join("/", Enumerable.Range(1, k).Select(i => folds.Subjects(i).Count))} subjects " +
                      $"(by subject, stratified by the {config.Task.Name()} label) -> {cv.Root}");

        for (int fold = 1; fold <= k; fold++)
        {
            if (onlyFold is int o && o != fold) continue;
            var run = cv.Fold(fold);
            if (File.Exists(run.Summary))
            {
                log.WriteLine($"fold {fold}/{k}: complete ({run.Summary}), not retrained");
                continue;
            }
            cancel.ThrowIfCancellationRequested();
            var foldConfig = config with { Fold = fold };
            run.Create();
            AtomicFile.WriteAllText(run.Config, foldConfig.ToJson());
            // Written once: a resumed fold keeps the split its checkpoint was trained on.
            if (!File.Exists(run.Splits)) folds.SplitFor(fold, config.Seed, config.FoldValShare).Write(run.Splits);
            log.WriteLine($"fold {fold}/{k}: tests on {folds.Subjects(fold).Count} subjects -> {run.Root}");
            using var trainer = new Trainer(foldConfig, run, device, config.DataRoot, csv, log, resume: true);
            var summary = trainer.Run(progress, cancel);
            log.WriteLine($"fold {fold}/{k}: " + RunReports.SummaryText(summary));
        }

        var result = CrossValidationSummary.Collect(config, cv, folds);
        CrossValidationSummary.WriteAll(cv, result);
        return result;
    }
}
