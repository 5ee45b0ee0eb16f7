using System.Globalization;
using System.Text;
using System.Text.Json;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.IO;
using ILGpuNet.Training.Metrics;
using ILGpuNet.Training.Reporting;

namespace ILGpuNet.Training.Runs;

/// <summary>Metrics of predictions, metrics.csv, predictions CSVs, summary.json, plots and the console lines.</summary>
public static class RunReports
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The task's metrics of a set of predictions (per scan or per subject), named for metrics.csv.</summary>
    public static Dictionary<string, double> Metrics(IReadOnlyList<ScanPrediction> predictions, StepLoss loss) =>
        Metrics(predictions, loss.ClassHead, loss.AgeHead);

    /// <summary>The same for the heads of a model: a classification head of <paramref name="classHead"/>'s label, an age head.</summary>
    public static Dictionary<string, double> Metrics(IReadOnlyList<ScanPrediction> predictions, ClassLabel? classHead, bool ageHead)
    {
        var result = new Dictionary<string, double>();
        if (classHead is ClassLabel head)
        {
            var labels = predictions.Select(p => p.Sample.ClassOf(head)).ToList();
            var positive = predictions.Select(p => (double)p.Probabilities![1]).ToList();
            foreach (var kv in ClassificationMetrics.Compute(labels, positive).ToDictionary()) result[kv.Key] = kv.Value;
        }
        if (ageHead)
        {
            var age = predictions.Select(p => (double)p.Sample.Age).ToList();
            var predicted = predictions.Select(p => (double)p.PredictedAge!.Value).ToList();
            foreach (var kv in RegressionMetrics.Compute(age, predicted).ToDictionary("age_")) result[kv.Key] = kv.Value;
        }
        return result;
    }

    public static Dictionary<string, double> ValidationMetrics(IReadOnlyList<ScanPrediction> predictions, StepLoss loss) =>
        Metrics(predictions, loss);

    public static string EpochLine(EpochRecord r, int epochs, bool improved)
    {
        var text = new StringBuilder(string.Create(Inv, $"epoch {r.Epoch}/{epochs}  train loss {r.TrainLoss:F4}  val loss {r.ValLoss:F4}"));
        foreach (var key in new[] { "auc", "balanced_accuracy", "age_mae", "age_pearson_r" })
            if (r.Validation.TryGetValue(key, out var v)) text.Append(Inv, $"  {Short(key)} {v:F3}");
        text.Append(Inv, $"  lr {r.LearningRate:G3}  {r.SamplesPerSecond:F1} samples/s  {r.Seconds:F0} s  data wait {r.DataWaitSeconds:F1} s");
        if (improved) text.Append("  *best");
        return text.ToString();
    }

    private static string Short(string key) => key switch
    {
        "balanced_accuracy" => "bacc",
        "age_mae" => "mae",
        "age_pearson_r" => "r",
        _ => key,
    };

    /// <summary>metrics.csv, rewritten whole from the history (atomic: a kill leaves the previous version).</summary>
    public static void WriteMetrics(string path, IReadOnlyList<EpochRecord> history)
    {
        var keys = history.SelectMany(h => h.Validation.Keys).Distinct().ToList();
        var csv = new StringBuilder("epoch,lr,train_loss,val_loss,samples_per_s,seconds,data_wait_s");
        foreach (var k in keys) csv.Append(",val_").Append(k);
        csv.Append('\n');
        foreach (var h in history)
        {
            csv.Append(Inv, $"{h.Epoch},{h.LearningRate:G6},{h.TrainLoss:G6},{h.ValLoss:G6},{h.SamplesPerSecond:G4},{h.Seconds:G4},{h.DataWaitSeconds:G4}");
            foreach (var k in keys) csv.Append(',').Append(h.Validation.TryGetValue(k, out var v) ? v.ToString("G6", Inv) : "");
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    public static RunSummary Summarise(TrainConfig config, RunState state, Device device, IReadOnlyList<ScanPrediction> train,
        IReadOnlyList<ScanPrediction> val, IReadOnlyList<ScanPrediction> test, double valLoss, double testLoss, double wallSeconds, StepLoss loss)
    {
        bool useTest = test.Count > 0;
        var evaluated = useTest ? test : val;
        var subjects = SubjectPredictions.Average(evaluated);
        double trainMeanAge = train.Average(p => p.Sample.Age);
        var chance = new Dictionary<string, double>();
        if (loss.ClassHead is not null) { chance["balanced_accuracy"] = 0.5; chance["auc"] = 0.5; }
        if (loss.AgeHead) chance["age_mae"] = subjects.Average(p => Math.Abs(p.Sample.Age - trainMeanAge));

        BrainAgeFit? fit = null;
        BrainAgeGapReport? gap = null;
        CorrectionSubjects? fittedOn = null;
        if (loss.AgeHead)
        {
            // Out of sample: the network fits its training subjects almost perfectly, so a line through their
            // predictions has a slope near 1 and corrects nothing; the validation subjects show its real shrinkage.
            var valSubjects = SubjectPredictions.Average(val);
            fit = CorrectionFit(valSubjects);
            fittedOn = new CorrectionSubjects(SubjectSplit.Name(Split.Val), valSubjects.Count, fit is not null, RunFolder.CorrectionSubjectsFile);
            if (fit is not null)
                gap = BrainAgeGapReport.Analyse(fit, subjects.Select(p => (double)p.Sample.Age).ToList(),
                    subjects.Select(p => (double)p.PredictedAge!.Value).ToList(), subjects.Select(p => p.Sample.CdrClass).ToList());
        }
        return new RunSummary
        {
            Task = config.Task.Name(),
            ClassLabel = loss.ClassHead?.Name(),
            Device = device.ToString(),
            Data = config.Data ?? $"synthetic ({config.SyntheticSubjects} subjects): {config.SyntheticData}",
            EpochsRun = state.Epoch,
            BestEpoch = state.BestEpoch,
            StopReason = state.StopReason,
            WallSeconds = wallSeconds,
            TrainSamplesPerSecond = state.History.Count > 0 ? state.History.Average(h => h.SamplesPerSecond) : double.NaN,
            TrainScans = train.Count,
            ValScans = val.Count,
            TestScans = test.Count,
            TestSubjects = subjects.Count,
            EvaluatedSplit = useTest ? "test" : "val",
            Loss = useTest ? testLoss : valLoss,
            Subject = Metrics(subjects, loss),
            Scan = Metrics(evaluated, loss),
            Chance = chance,
            BrainAgeCorrection = fit,
            BrainAgeCorrectionFittedOn = fittedOn,
            BrainAgeGap = gap,
        };
    }

    /// <summary>The bias line of subject-level predictions, or null when their ages do not define one (fewer than two distinct ages).</summary>
    public static BrainAgeFit? CorrectionFit(IReadOnlyList<ScanPrediction> subjects) =>
        subjects.Select(p => p.Sample.Age).Distinct().Count() < 2 ? null
            : BrainAgeFit.Fit(subjects.Select(p => (double)p.Sample.Age).ToList(), subjects.Select(p => (double)p.PredictedAge!.Value).ToList());

    /// <summary>
    /// The prediction CSVs (per scan and per subject), the subjects the brain-age correction was fitted on
    /// (<paramref name="val"/>, with an age head), the plots, and summary.json last.
    /// </summary>
    public static void WriteAll(RunFolder run, RunSummary summary, IReadOnlyList<EpochRecord> history,
        IReadOnlyList<ScanPrediction> val, IReadOnlyList<ScanPrediction> evaluated, StepLoss loss)
    {
        WritePredictions(run.Predictions, evaluated, summary.BrainAgeCorrection);
        WritePredictions(run.SubjectPredictions, SubjectPredictions.Average(evaluated), summary.BrainAgeCorrection);
        if (summary.BrainAgeCorrectionFittedOn is not null)
            WritePredictions(run.CorrectionSubjects, SubjectPredictions.Average(val), summary.BrainAgeCorrection);
        WritePlots(run, summary, history, evaluated, loss);
        AtomicFile.WriteAllText(run.Summary, JsonSerializer.Serialize(summary, ModelCard.Json));  // last: marks the run complete
    }

    /// <summary>
    /// One row per scan (or subject): ids, true labels, class probabilities and the logits behind them, predicted
    /// age and the gap, raw and bias-corrected (empty where the age is unknown or the model has no age head), and
    /// the age head's raw output. Logits and the raw output are written at full float precision (round-trip "R"):
    /// probabilities saturate, and rounded ones cannot be turned back into logits.
    /// </summary>
    public static void WritePredictions(string path, IReadOnlyList<ScanPrediction> predictions, BrainAgeFit? correction)
    {
        int classes = predictions.FirstOrDefault()?.Probabilities?.Length ?? 0;
        bool logits = predictions.FirstOrDefault()?.Logits is not null;
        bool ageOutput = predictions.FirstOrDefault()?.AgeOutput is not null;
        var csv = new StringBuilder("subject,session,path,age,sex,cdr_class");
        for (int k = 0; k < classes; k++) csv.Append(",p").Append(k);
        if (logits) for (int k = 0; k < classes; k++) csv.Append(",logit").Append(k);
        csv.Append(",predicted_class,predicted_age,gap,gap_corrected");
        if (ageOutput) csv.Append(",age_output");
        csv.Append('\n');
        foreach (var p in predictions)
        {
            var s = p.Sample;
            csv.Append(Inv, $"{s.SubjectId},{s.SessionId},{Quote(s.Path)},{Num(s.Age)},{(s.SexClass < 0 ? "" : s.SexClass == 1 ? "F" : "M")},{(s.CdrClass < 0 ? "" : s.CdrClass)}");
            if (p.Probabilities is { } probs)
            {
                foreach (var v in probs) csv.Append(',').Append(v.ToString("G6", Inv));
                if (logits) foreach (var v in p.Logits!) csv.Append(',').Append(v.ToString("R", Inv));
                csv.Append(',').Append(Array.IndexOf(probs, probs.Max()));
            }
            else csv.Append(',');
            double? predicted = p.PredictedAge;
            bool gap = predicted is not null && float.IsFinite(s.Age);
            csv.Append(',').Append(predicted is double a ? a.ToString("F2", Inv) : "");
            csv.Append(',').Append(gap ? (predicted!.Value - s.Age).ToString("F2", Inv) : "");
            csv.Append(',').Append(gap && correction is not null ? (correction.Correct(predicted!.Value, s.Age) - s.Age).ToString("F2", Inv) : "");
            if (ageOutput) csv.Append(',').Append(p.AgeOutput!.Value.ToString("R", Inv));
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    private static string Num(float v) => float.IsFinite(v) ? v.ToString("G6", Inv) : "";

    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    private static void WritePlots(RunFolder run, RunSummary summary, IReadOnlyList<EpochRecord> history, IReadOnlyList<ScanPrediction> evaluated, StepLoss loss)
    {
        Directory.CreateDirectory(run.Plots);
        if (history.Count > 0)
        {
            var epochs = history.Select(h => h.Epoch).ToArray();
            RunPlots.LossCurves(run.Plot("loss.png"), epochs, history.Select(h => h.TrainLoss).ToArray(), history.Select(h => h.ValLoss).ToArray());
            var keys = history.SelectMany(h => h.Validation.Keys).Distinct().ToList();
            var rates = keys.Where(k => !k.StartsWith("age_")).ToDictionary(k => k, k => history.Select(h => h.Validation.GetValueOrDefault(k, double.NaN)).ToArray());
            if (rates.Count > 0) RunPlots.MetricCurves(run.Plot("val_metrics.png"), epochs, rates, "validation metric");
            var ages = keys.Where(k => k is "age_mae" or "age_rmse").ToDictionary(k => k, k => history.Select(h => h.Validation.GetValueOrDefault(k, double.NaN)).ToArray());
            if (ages.Count > 0) RunPlots.MetricCurves(run.Plot("val_age_error.png"), epochs, ages, "years");
        }
        var subjects = SubjectPredictions.Average(evaluated);
        if (loss.ClassHead is ClassLabel head)
        {
            var labels = subjects.Select(p => p.Sample.ClassOf(head)).ToList();
            var scores = subjects.Select(p => (double)p.Probabilities![1]).ToList();
            var (fpr, tpr) = ClassificationMetrics.RocCurve(labels, scores);
            RunPlots.Roc(run.Plot("roc.png"), fpr, tpr, summary.Subject.GetValueOrDefault("auc", double.NaN),
                $"ROC, {head.Name()} ({summary.EvaluatedSplit} subjects)");
        }
        if (loss.AgeHead && summary.BrainAgeCorrection is { } fit)
        {
            var age = subjects.Select(p => (double)p.Sample.Age).ToArray();
            var predicted = subjects.Select(p => (double)p.PredictedAge!.Value).ToArray();
            RunPlots.PredictedVsTrue(run.Plot("age_predicted_vs_true.png"), age, predicted, $"Brain age ({summary.EvaluatedSplit} subjects)");
            RunPlots.GapVsAge(run.Plot("gap_vs_age.png"), age, age.Select((a, i) => predicted[i] - a).ToArray(),
                age.Select((a, i) => fit.Correct(predicted[i], a) - a).ToArray());
        }
    }

    /// <summary>The closing lines of a run: subject-level metrics next to chance.</summary>
    public static string SummaryText(RunSummary s)
    {
        var text = new StringBuilder(string.Create(Inv, $"{s.EvaluatedSplit} ({s.TestSubjects} subjects, {s.TestScans} scans), best epoch {s.BestEpoch} of {s.EpochsRun}:"));
        foreach (var (k, v) in s.Subject)
            text.Append(Inv, $"\n  {k,-18} {v,8:F3}{(s.Chance.TryGetValue(k, out var c) ? $"   (chance {c:F3})" : "")}");
        if (s.BrainAgeGap is { } g)
            text.Append(Inv, $"\n  brain-age gap: mean raw {g.MeanGapRaw:F2} y, corrected {g.MeanGapCorrected:F2} y; corr(gap, age) on the {s.EvaluatedSplit} subjects " +
                             $"{g.GapAgeCorrelationRaw:F2} before, {g.GapAgeCorrelationCorrected:F2} after the correction{FittedOn(s)}");
        else if (s.BrainAgeCorrectionFittedOn is { Fitted: false } f)
            text.Append(Inv, $"\n  brain-age gap: no bias correction (the {f.Subjects} {f.Split} subjects have fewer than two distinct ages)");
        if (s.BrainAgeGap is { Deficit: { } d })
            text.Append(Inv, $"\n  deficit CDR>0 vs CDR=0: {d.Difference:F2} y (n {d.Demented} vs {d.Healthy}), Welch t {d.T:F2}, p {d.P:G3}, d {d.CohensD:F2}");
        return text.ToString();
    }

    private static string FittedOn(RunSummary s) => s.BrainAgeCorrectionFittedOn is { } f
        ? $" (fitted on {f.Subjects} {f.Split} subjects{(f.Split == s.EvaluatedSplit ? ", in sample" : "")})"
        : "";
}
