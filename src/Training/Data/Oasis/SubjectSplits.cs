using System.Globalization;
using System.Text;
using ILGpuNet.Training.IO;

namespace ILGpuNet.Training.Data;

/// <summary>The part of the data a subject belongs to.</summary>
public enum Split { Train, Val, Test }

/// <summary>
/// A subject and its label (written to splits.csv). It is stratified by <paramref name="Stratum"/> when
/// given (several labels combined), otherwise by the stratum function of the label.
/// </summary>
public sealed record SubjectLabel(string Subject, float Label, int? Stratum = null);

/// <summary>Fractions of subjects per split; they must be non-negative and sum to 1.</summary>
public readonly record struct SplitFractions(double Train, double Val, double Test)
{
    public static SplitFractions Default => new(0.7, 0.2, 0.1);

    internal double this[int s] => s switch { 0 => Train, 1 => Val, _ => Test };

    internal void Validate()
    {
        if (Train < 0 || Val < 0 || Test < 0 || Math.Abs(Train + Val + Test - 1) > 1e-6)
            throw new ArgumentException($"split fractions {Train}/{Val}/{Test} must be non-negative and sum to 1");
    }
}

/// <summary>
/// Which split each subject is in, with its label: the content of splits.csv (columns subject, split,
/// label; split is train, val or test). Subjects, never files: every scan and session of a subject goes
/// where the subject goes.
/// </summary>
public sealed class SubjectSplit
{
    private readonly Dictionary<string, (Split Split, float Label)> subjects;

    public SubjectSplit(IEnumerable<(string Subject, Split Split, float Label)> assignment)
    {
        subjects = new Dictionary<string, (Split, float)>(StringComparer.Ordinal);
        foreach (var (subject, split, label) in assignment)
            if (!subjects.TryAdd(subject, (split, label)))
                throw new ArgumentException($"subject {subject} is assigned twice");
    }

    public int Count => subjects.Count;
    public bool Contains(string subject) => subjects.ContainsKey(subject);
    public Split this[string subject] => subjects[subject].Split;

    /// <summary>The subjects of one split, ordinal order.</summary>
    public IReadOnlyList<string> Subjects(Split split) =>
        subjects.Where(p => p.Value.Split == split).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every (subject, split, label), ordinal by subject.</summary>
    public IEnumerable<(string Subject, Split Split, float Label)> Entries =>
        subjects.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value.Split, p.Value.Label));

    public static string Name(Split split) => split switch { Split.Train => "train", Split.Val => "val", _ => "test" };

    /// <summary>
    /// Writes splits.csv atomically: to a temporary file in the same folder, then renamed over the target,
    /// so a reader never sees half a file and an interrupted run leaves the previous file intact.
    /// </summary>
    public void Write(string path)
    {
        var text = new StringBuilder("subject,split,label\n");
        foreach (var (subject, split, label) in Entries)
            text.Append(subject).Append(',').Append(Name(split)).Append(',')
                .Append(label.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>Reads a splits.csv back; bad split names, labels or repeated subjects are errors naming the line.</summary>
    public static SubjectSplit Read(string path)
    {
        var table = CsvTable.Read(path);
        int subject = table.Column("subject"), split = table.Column("split"), label = table.Column("label");
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<(string, Split, float)>();
        foreach (var row in table.Rows)
        {
            string s = row.Fields[subject].Trim();
            if (s.Length == 0) throw new DataFormatException(path, row.Line, "subject", "blank subject");
            if (!seen.TryAdd(s, row.Line))
                throw new DataFormatException(path, row.Line, "subject", $"subject {s} repeated (first on line {seen[s]})");
            var part = row.Fields[split].Trim().ToLowerInvariant() switch
            {
                "train" => Split.Train,
                "val" or "validation" => Split.Val,
                "test" => Split.Test,
                var other => throw new DataFormatException(path, row.Line, "split", $"'{other}' is not train, val or test"),
            };
            if (!float.TryParse(row.Fields[label].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out float l))
                throw new DataFormatException(path, row.Line, "label", $"'{row.Fields[label]}' is not a number");
            entries.Add((s, part, l));
        }
        return new SubjectSplit(entries);
    }
}

/// <summary>
/// Seeded, stratified assignment of subjects to splits.
/// <para>
/// Method: subjects are sorted by ID (the result does not depend on input order), shuffled with a Philox
/// permutation of the seed, then stably grouped by stratum. Walking that sequence, each subject goes to
/// the split whose count lags its fraction most (Webster's sequential apportionment: the next subject goes
/// to the split maximising fraction / (2 * count + 1)). Because the counts carry over from one stratum to
/// the next, the totals match the fractions to within one subject and every stratum to within about two,
/// however small the strata are.
/// </para>
/// </summary>
public static class SubjectSplits
{
    /// <summary>Classification strata: the class itself.</summary>
    public static int Classes(float label) => (int)MathF.Round(label);

    /// <summary>Regression strata: bins of <paramref name="width"/> (default 10 years) of the label.</summary>
    public static Func<float, int> AgeBins(float width = 10f) =>
        width > 0 ? label => (int)MathF.Floor(label / width) : throw new ArgumentOutOfRangeException(nameof(width));

    /// <summary>
    /// A train/val/test assignment (default 70/20/10) stratified by <paramref name="stratum"/>;
    /// <paramref name="stream"/> names an independent shuffle of the same seed (0: the run's single split).
    /// </summary>
    public static SubjectSplit Stratified(IEnumerable<SubjectLabel> subjects, ulong seed,
        Func<float, int> stratum, SplitFractions? fractions = null, uint stream = 0)
    {
        var f = fractions ?? SplitFractions.Default;
        f.Validate();
        var ordered = StratifiedOrder(subjects, seed, stratum, stream);
        var counts = new int[3];
        var entries = new List<(string, Split, float)>(ordered.Count);
        foreach (var s in ordered)
        {
            int best = 0;
            double bestPriority = -1;
            for (int k = 0; k < 3; k++)
            {
                double priority = f[k] / (2.0 * counts[k] + 1);
                if (f[k] > 0 && priority > bestPriority) (best, bestPriority) = (k, priority);
            }
            counts[best]++;
            entries.Add((s.Subject, (Split)best, s.Label));
        }
        return new SubjectSplit(entries);
    }

    /// <summary>
    /// Stratified k-fold assignment by subject: the stratum-grouped shuffle (stream 0) is dealt round-robin, so
    /// fold sizes differ by at most one subject, and so do any stratum's counts in any two folds.
    /// </summary>
    public static SubjectFolds Folds(IEnumerable<SubjectLabel> subjects, int k, ulong seed, Func<float, int> stratum)
    {
        var ordered = StratifiedOrder(subjects, seed, stratum, 0);
        if (k < 2 || k > ordered.Count)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 2 and the number of subjects ({ordered.Count})");
        return new SubjectFolds(k, ordered.Select((s, i) => new SubjectFold(s.Subject, i % k + 1, s.Label, s.Stratum ?? stratum(s.Label))));
    }

    internal static List<SubjectLabel> StratifiedOrder(IEnumerable<SubjectLabel> subjects, ulong seed, Func<float, int> stratum, uint stream)
    {
        var sorted = subjects.OrderBy(s => s.Subject, StringComparer.Ordinal).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Subject == sorted[i - 1].Subject)
                throw new ArgumentException($"subject {sorted[i].Subject} appears twice");
        var perm = DataRandom.Permutation(sorted.Count, seed, DataRandom.SplitPurpose, stream);
        return perm.Select(i => sorted[i]).OrderBy(s => s.Stratum ?? stratum(s.Label)).ToList(); // OrderBy is stable
    }
}
