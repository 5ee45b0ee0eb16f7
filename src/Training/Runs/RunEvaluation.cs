using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Metrics;

namespace ILGpuNet.Training.Runs;

/// <summary>What <c>evaluate</c> produced: the metrics and where the predictions went.</summary>
public sealed record EvaluationResult(RunSummary Summary, string PredictionsPath, string SubjectPredictionsPath, IReadOnlyList<string> Warnings);

/// <summary>
/// Evaluates a checkpoint on one split of a run's data and split (splits.csv): the run's own best or last, or
/// any checkpoint of the same task (one made by import, or another run's), which brings its own model and
/// preprocessing in its model card.
/// </summary>
public static class RunEvaluation
{
    public static EvaluationResult Evaluate(RunFolder run, TrainConfig config, string checkpoint, Split part, Device device)
    {
        var card = RunCheckpoint.ReadCard(checkpoint);
        if (card.Config.Task != config.Task || card.Config.Task.Classifies(card.Config.BrainAgeClass) != config.Task.Classifies(config.BrainAgeClass))
            throw new UserErrorException($"{checkpoint} predicts task {Describe(card.Config)}; the run {run.Root} is task {Describe(config)}");
        var data = RunData.Load(config, config.DataRoot, config.Data is null ? null : config.Csv, run.Splits);
        var samples = data.Part(part);
        if (samples.Count == 0) throw new DataFormatException(run.Splits, 0, null, $"the {SubjectSplit.Name(part)} split has no scans");
        var loss = StepLoss.For(config, data.Part(Split.Train), card.AgeScale);

        using var model = RunModels.Create(card.Config, device, new RandomSource(config.Seed));
        var state = RunCheckpoint.Load(checkpoint, model, null);
        using var loader = RunData.EvaluationLoader(samples, new NiftiVolumeSource(RunModels.ConformGrid(config)),
            VolumePreprocessing.Parse(card.Preprocessing), config.BatchSize, config.Workers);
        var (predictions, meanLoss) = Evaluator.Run(model, loader, samples, loss, card.AgeScale, device);
        var subjects = SubjectPredictions.Average(predictions);
        BrainAgeGapReport? gap = card.Correction is { } fit && loss.AgeHead
            ? BrainAgeGapReport.Analyse(fit, subjects.Select(p => (double)p.Sample.Age).ToList(),
                subjects.Select(p => (double)p.PredictedAge!.Value).ToList(), subjects.Select(p => p.Sample.CdrClass).ToList())
            : null;
        string name = SubjectSplit.Name(part);
        var summary = new RunSummary
        {
            Task = config.Task.Name(),
            ClassLabel = loss.ClassHead?.Name(),
            Device = device.ToString(),
            Data = config.DataRoot,
            EpochsRun = state.Epoch,
            BestEpoch = state.BestEpoch,
            TestScans = predictions.Count,
            TestSubjects = subjects.Count,
            EvaluatedSplit = name,
            Loss = meanLoss,
            Subject = RunReports.Metrics(subjects, loss),
            Scan = RunReports.Metrics(predictions, loss),
            Chance = new Dictionary<string, double>(),
            BrainAgeCorrection = card.Correction,
            BrainAgeGap = gap,
        };
        string scans = Path.Combine(run.Root, $"predictions_{name}.csv"), perSubject = Path.Combine(run.Root, $"predictions_{name}_subjects.csv");
        RunReports.WritePredictions(scans, predictions, card.Correction);
        RunReports.WritePredictions(perSubject, subjects, card.Correction);
        return new EvaluationResult(summary, scans, perSubject, data.Warnings);
    }

    private static string Describe(TrainConfig config) =>
        config.Task == TrainTask.BrainAge ? $"brainage (class head {config.BrainAgeClass.Name()})" : config.Task.Name();
}
