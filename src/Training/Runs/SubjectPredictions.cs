namespace ILGpuNet.Training.Runs;

/// <summary>
/// Evaluation per subject: a subject's scans (several mpr per session, sometimes two sessions) are one
/// observation, so their class probabilities and predicted ages are averaged (the raw outputs too: a subject's
/// logits are the mean of its scans' logits); per-scan metrics would count the same brain three or four times.
/// </summary>
public static class SubjectPredictions
{
    public static List<ScanPrediction> Average(IReadOnlyList<ScanPrediction> scans) =>
        scans.GroupBy(p => p.Sample.SubjectId).Select(g =>
        {
            var first = g.First();
            float[]? probabilities = null;
            if (first.Probabilities is { } p0)
            {
                probabilities = new float[p0.Length];
                foreach (var p in g)
                    for (int k = 0; k < p0.Length; k++) probabilities[k] += p.Probabilities![k] / g.Count();
            }
            float[]? logits = first.Logits is { } l0
                ? Enumerable.Range(0, l0.Length).Select(k => (float)g.Average(p => (double)p.Logits![k])).ToArray()
                : null;
            float? age = first.PredictedAge is null ? null : (float)g.Average(p => p.PredictedAge!.Value);
            float? output = first.AgeOutput is null ? null : (float)g.Average(p => p.AgeOutput!.Value);
            var sample = first.Sample with { SessionId = string.Join(" ", g.Select(p => p.Sample.SessionId).Distinct()), Path = $"{g.Count()} scans" };
            return new ScanPrediction(sample, probabilities, age, logits, output);
        }).ToList();
}
