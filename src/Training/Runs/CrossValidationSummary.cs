using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.IO;
using ILGpuNet.Training.Metrics;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// One fold's test figures, from its run folder: subject counts of its split, its epochs, its brain-age correction
/// (fitted on its own validation subjects) and every test metric, flat: the per-subject metrics under their
/// summary.json names, the test loss (<c>loss</c>), the per-scan metrics (<c>scan_</c>...) and, with an age head,
/// the brain-age gap figures (<c>gap_</c>...).
/// </summary>
public sealed record FoldResult(int Fold, int TrainSubjects, int ValSubjects, int TestSubjects, int TestScans, int EpochsRun, int BestEpoch,
    BrainAgeFit? BrainAgeCorrection, CorrectionSubjects? BrainAgeCorrectionFittedOn, Dictionary<string, double> Metrics);

/// <summary>A metric over the folds: mean and sample standard deviation (n - 1) of the folds where it is defined.</summary>
public sealed record MetricSpread(double Mean, double Sd, int Folds)
{
    public static MetricSpread Of(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToList();
        if (v.Count == 0) return new MetricSpread(double.NaN, double.NaN, 0);
        double mean = v.Average();
        double sd = v.Count > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1)) : double.NaN;
        return new MetricSpread(mean, sd, v.Count);
    }
}

/// <summary>
/// The out-of-fold test predictions of every complete fold taken together (each subject once, as its own fold's
/// model predicted it): the task's metrics over them and, with an age head, the gap with each subject corrected by
/// its own fold's fit.
/// </summary>
public sealed record PooledResult(int Subjects, Dictionary<string, double> Metrics, BrainAgeGapReport? BrainAgeGap);

/// <summary>
/// cv-summary.json: every test metric per fold and as mean +- sd over the folds, and over the pooled out-of-fold
/// predictions (cv-predictions.csv). <see cref="Complete"/> is false while folds are missing; the figures then
/// cover <see cref="CompletedFolds"/> only.
/// </summary>
public sealed record CrossValidationSummary
{
    public required string Task { get; init; }
    public string? ClassLabel { get; init; }
    public required string Data { get; init; }
    public int Folds { get; init; }
    public ulong Seed { get; init; }
    public int Subjects { get; init; }

    /// <summary>The share of each fold's non-test subjects that validates (and fits the brain-age correction).</summary>
    public double ValShare { get; init; }
    public required int[] CompletedFolds { get; init; }
    public bool Complete { get; init; }
    public required List<FoldResult> PerFold { get; init; }

    /// <summary>Every metric of <see cref="PerFold"/>: mean and sd over the folds.</summary>
    public required Dictionary<string, MetricSpread> MeanSd { get; init; }
    public PooledResult? Pooled { get; init; }

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Reads every complete fold's run folder (its summary.json is written last) and pools their test predictions.</summary>
    public static CrossValidationSummary Collect(TrainConfig config, CrossValidationFolder cv, SubjectFolds folds)
    {
        var perFold = new List<FoldResult>();
        var pooled = new List<(ScanPrediction Prediction, double? Corrected, int Fold)>();
        for (int fold = 1; fold <= folds.Count; fold++)
        {
            var run = cv.Fold(fold);
            if (!File.Exists(run.Summary)) continue;
            var summary = ReadSummary(run.Summary);
            var split = SubjectSplit.Read(run.Splits);
            perFold.Add(new FoldResult(fold, split.Subjects(Split.Train).Count, split.Subjects(Split.Val).Count, split.Subjects(Split.Test).Count,
                summary.TestScans, summary.EpochsRun, summary.BestEpoch, summary.BrainAgeCorrection, summary.BrainAgeCorrectionFittedOn, FlatMetrics(summary)));
            // The age head's raw output (full precision) through the fold's own age scale, where the CSV has it.
            var scale = File.Exists(run.BestCheckpoint) ? RunCheckpoint.ReadCard(run.BestCheckpoint).AgeScale : null;
            foreach (var p in ReadSubjectPredictions(run.SubjectPredictions, scale))
            {
                if (!folds.Contains(p.Sample.SubjectId) || folds[p.Sample.SubjectId] != fold)
                    throw new DataFormatException(run.SubjectPredictions, 0, "subject", $"subject {p.Sample.SubjectId} is not in fold {fold} of {cv.Folds}");
                double? corrected = p.PredictedAge is float a && summary.BrainAgeCorrection is { } fit ? fit.Correct(a, p.Sample.Age) : null;
                pooled.Add((p, corrected, fold));
            }
        }
        var keys = perFold.SelectMany(f => f.Metrics.Keys).Distinct().ToList();
        var classHead = config.Task.Classifies(config.BrainAgeClass);
        bool ageHead = config.Task.PredictsAge();
        var subjects = pooled.Select(p => p.Prediction).ToList();
        BrainAgeGapReport? gap = null;
        if (ageHead && subjects.Count > 1 && pooled.All(p => p.Corrected is not null))
            gap = BrainAgeGapReport.Analyse(null, subjects.Select(p => (double)p.Sample.Age).ToList(), subjects.Select(p => (double)p.PredictedAge!.Value).ToList(),
                pooled.Select(p => p.Corrected!.Value).ToList(), subjects.Select(p => p.Sample.CdrClass).ToList());
        return new CrossValidationSummary
        {
            Task = config.Task.Name(),
            ClassLabel = classHead?.Name(),
            Data = config.Data ?? $"synthetic ({config.SyntheticSubjects} subjects): {config.SyntheticData}",
            Folds = folds.Count,
            Seed = config.Seed,
            Subjects = folds.SubjectCount,
            ValShare = config.FoldValShare,
            CompletedFolds = perFold.Select(f => f.Fold).ToArray(),
            Complete = perFold.Count == folds.Count,
            PerFold = perFold,
            MeanSd = keys.ToDictionary(k => k, k => MetricSpread.Of(perFold.Select(f => f.Metrics.GetValueOrDefault(k, double.NaN)))),
            Pooled = subjects.Count == 0 ? null : new PooledResult(subjects.Count, RunReports.Metrics(subjects, classHead, ageHead), gap),
            PooledPredictions = pooled,
        };
    }

    /// <summary>The pooled predictions behind <see cref="Pooled"/>, for cv-predictions.csv (not in the JSON).</summary>
    [JsonIgnore]
    public IReadOnlyList<(ScanPrediction Prediction, double? Corrected, int Fold)> PooledPredictions { get; init; } = [];

    private static RunSummary ReadSummary(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunSummary>(File.ReadAllText(path), ModelCard.Json) ?? throw new JsonException("the document is null");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, 0, null, $"not a run summary ({e.Message.Split(" Path: ")[0]})");
        }
    }

    /// <summary>A fold's test metrics as one flat dictionary (see <see cref="FoldResult"/>).</summary>
    private static Dictionary<string, double> FlatMetrics(RunSummary s)
    {
        var m = new Dictionary<string, double>(s.Subject) { ["loss"] = s.Loss };
        foreach (var (k, v) in s.Scan) m["scan_" + k] = v;
        if (s.BrainAgeGap is { } g)
        {
            m["gap_mean_raw"] = g.MeanGapRaw;
            m["gap_mean_corrected"] = g.MeanGapCorrected;
            m["gap_age_r_raw"] = g.GapAgeCorrelationRaw;
            m["gap_age_r_corrected"] = g.GapAgeCorrelationCorrected;
            m["gap_corrected_age_mae"] = g.Corrected.Mae;
            if (g.Deficit is { } d)
            {
                m["gap_deficit_years"] = d.Difference;
                m["gap_deficit_cohens_d"] = d.CohensD;
            }
        }
        return m;
    }

    /// <summary>
    /// A run's predictions_subjects.csv read back: ids, labels, class probabilities, predicted age (from the raw
    /// output column age_output through <paramref name="ageScale"/> when both are there: predicted_age has 2 decimals).
    /// </summary>
    public static List<ScanPrediction> ReadSubjectPredictions(string path, AgeScale? ageScale = null)
    {
        var table = CsvTable.Read(path);
        int subject = table.Column("subject"), session = table.Column("session"), age = table.Column("age"), sex = table.Column("sex"),
            cdr = table.Column("cdr_class"), predicted = table.Column("predicted_age");
        int output = Array.FindIndex(table.Header, h => h.Equals("age_output", StringComparison.OrdinalIgnoreCase));
        var probabilities = new List<int>();
        for (int k = 0; table.Header.Contains($"p{k}"); k++) probabilities.Add(table.Column($"p{k}"));
        var result = new List<ScanPrediction>(table.Rows.Count);
        foreach (var row in table.Rows)
        {
            float Number(int column, string name)
            {
                string text = row.Fields[column].Trim();
                if (text.Length == 0) return float.NaN;
                return float.TryParse(text, NumberStyles.Float, Inv, out float v) ? v
                    : throw new DataFormatException(path, row.Line, name, $"'{text}' is not a number");
            }
            int sexClass = row.Fields[sex].Trim() switch { "F" => 1, "M" => 0, _ => -1 };
            int cdrClass = row.Fields[cdr].Trim().Length == 0 ? -1 : (int)Number(cdr, "cdr_class");
            var sample = new RunSample("", row.Fields[subject].Trim(), row.Fields[session].Trim(), cdrClass, sexClass, Number(age, "age"));
            float[]? p = probabilities.Count == 0 ? null : probabilities.Select((c, k) => Number(c, $"p{k}")).ToArray();
            float years = Number(predicted, "predicted_age");
            if (ageScale is not null && output >= 0 && Number(output, "age_output") is var raw && !float.IsNaN(raw)) years = ageScale.ToYears(raw);
            result.Add(new ScanPrediction(sample, p, float.IsNaN(years) ? null : years));
        }
        return result;
    }

    /// <summary>cv-predictions.csv, cv-summary.csv and cv-summary.json (last), each atomically.</summary>
    public static void WriteAll(CrossValidationFolder cv, CrossValidationSummary summary)
    {
        WritePredictions(cv.Predictions, summary.PooledPredictions);
        WriteTable(cv.SummaryCsv, summary);
        AtomicFile.WriteAllText(cv.Summary, JsonSerializer.Serialize(summary, ModelCard.Json));
    }

    /// <summary>One row per subject, ordinal by id: its test fold, labels, the fold model's prediction and gaps (corrected by the fold's own fit).</summary>
    private static void WritePredictions(string path, IReadOnlyList<(ScanPrediction Prediction, double? Corrected, int Fold)> pooled)
    {
        int classes = pooled.FirstOrDefault().Prediction?.Probabilities?.Length ?? 0;
        var csv = new StringBuilder("subject,fold,sessions,age,sex,cdr_class");
        for (int k = 0; k < classes; k++) csv.Append(",p").Append(k);
        csv.Append(",predicted_class,predicted_age,gap,gap_corrected\n");
        foreach (var (p, corrected, fold) in pooled.OrderBy(p => p.Prediction.Sample.SubjectId, StringComparer.Ordinal))
        {
            var s = p.Sample;
            csv.Append(Inv, $"{s.SubjectId},{fold},{s.SessionId},{s.Age.ToString("G6", Inv)},{(s.SexClass < 0 ? "" : s.SexClass == 1 ? "F" : "M")},{(s.CdrClass < 0 ? "" : s.CdrClass)}");
            if (p.Probabilities is { } probs)
            {
                foreach (var v in probs) csv.Append(',').Append(v.ToString("G6", Inv));
                csv.Append(',').Append(Array.IndexOf(probs, probs.Max()));
            }
            else csv.Append(',');
            csv.Append(',').Append(p.PredictedAge is float a ? a.ToString("F2", Inv) : "");
            csv.Append(',').Append(p.PredictedAge is float b ? (b - s.Age).ToString("F2", Inv) : "");
            csv.Append(',').Append(corrected is double c ? (c - s.Age).ToString("F2", Inv) : "");
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    /// <summary>cv-summary.csv: one row per metric, a column per fold, then mean, sd and the pooled value.</summary>
    private static void WriteTable(string path, CrossValidationSummary summary)
    {
        var csv = new StringBuilder("metric");
        foreach (var f in summary.PerFold) csv.Append(",fold_").Append(f.Fold);
        csv.Append(",mean,sd,pooled\n");
        foreach (var (key, spread) in summary.MeanSd)
        {
            csv.Append(key);
            foreach (var f in summary.PerFold) csv.Append(',').Append(Number(f.Metrics.GetValueOrDefault(key, double.NaN)));
            csv.Append(',').Append(Number(spread.Mean)).Append(',').Append(Number(spread.Sd)).Append(',').Append(Number(PooledValue(summary, key)));
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    /// <summary>The pooled counterpart of a per-fold metric, where there is one (NaN otherwise: the loss, per-scan metrics).</summary>
    public static double PooledValue(CrossValidationSummary summary, string key)
    {
        if (summary.Pooled is not { } p) return double.NaN;
        if (p.Metrics.TryGetValue(key, out var v)) return v;
        return (p.BrainAgeGap, key) switch
        {
            ({ } g, "gap_mean_raw") => g.MeanGapRaw,
            ({ } g, "gap_mean_corrected") => g.MeanGapCorrected,
            ({ } g, "gap_age_r_raw") => g.GapAgeCorrelationRaw,
            ({ } g, "gap_age_r_corrected") => g.GapAgeCorrelationCorrected,
            ({ } g, "gap_corrected_age_mae") => g.Corrected.Mae,
            ({ Deficit: { } d }, "gap_deficit_years") => d.Difference,
            ({ Deficit: { } d }, "gap_deficit_cohens_d") => d.CohensD,
            _ => double.NaN,
        };
    }

    private static string Number(double v) => double.IsFinite(v) ? v.ToString("R", Inv) : "";

    /// <summary>The closing lines: the per-subject test metrics as mean +- sd over the folds, next to their pooled values.</summary>
    public static string SummaryText(CrossValidationSummary s)
    {
        var text = new StringBuilder(string.Create(Inv,
            $"cross-validation, {s.Folds} folds by subject ({(s.Complete ? "all complete" : $"complete: {string.Join(", ", s.CompletedFolds)}; the figures cover these only")}), " +
            $"test subjects: mean +- sd over folds (pooled out-of-fold, {s.Pooled?.Subjects ?? 0} subjects):"));
        foreach (var (key, spread) in s.MeanSd.Where(kv => !kv.Key.StartsWith("scan_", StringComparison.Ordinal) && !kv.Key.StartsWith("gap_", StringComparison.Ordinal)))
        {
            double pooled = PooledValue(s, key);
            text.Append(Inv, $"\n  {key,-18} {spread.Mean,8:F3} +- {spread.Sd:F3}{(double.IsNaN(pooled) ? "" : $"   (pooled {pooled:F3})")}");
        }
        if (s.Pooled?.BrainAgeGap is { } g && s.MeanSd.TryGetValue("gap_age_r_raw", out var raw) && s.MeanSd.TryGetValue("gap_age_r_corrected", out var corrected))
            text.Append(Inv, $"\n  brain-age gap: corr(gap, age) on the test subjects {raw.Mean:F2} +- {raw.Sd:F2} before, {corrected.Mean:F2} +- {corrected.Sd:F2} after " +
                             $"the correction (pooled {g.GapAgeCorrelationRaw:F2} -> {g.GapAgeCorrelationCorrected:F2}); each fold's correction fitted on its own validation subjects");
        return text.ToString();
    }
}
