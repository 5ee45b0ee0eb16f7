using System.Globalization;
using System.Text;
using ILGpuNet.Training.IO;

namespace ILGpuNet.Training.Data;

/// <summary>A subject's cross-validation fold (1-based), its label and its stratum (a row of folds.csv).</summary>
public sealed record SubjectFold(string Subject, int Fold, float Label, int Stratum);

/// <summary>
/// Subject-level k-fold cross-validation: the content of folds.csv (columns subject, fold, label, stratum).
/// The test folds partition the subjects; fold i's run tests on fold i and splits the other folds' subjects
/// into training and validation, stratified again (<see cref="SplitFor"/>), so no subject is in two parts of a fold.
/// </summary>
public sealed class SubjectFolds
{
    private readonly Dictionary<string, SubjectFold> subjects;

    public SubjectFolds(int k, IEnumerable<SubjectFold> assignment)
    {
        if (k < 2) throw new ArgumentOutOfRangeException(nameof(k), k, "cross-validation needs at least 2 folds");
        Count = k;
        subjects = new Dictionary<string, SubjectFold>(StringComparer.Ordinal);
        foreach (var s in assignment)
        {
            if (s.Fold < 1 || s.Fold > k) throw new ArgumentException($"subject {s.Subject}: fold {s.Fold} is not between 1 and {k}");
            if (!subjects.TryAdd(s.Subject, s)) throw new ArgumentException($"subject {s.Subject} is assigned twice");
        }
    }

    /// <summary>The number of folds, k.</summary>
    public int Count { get; }

    public int SubjectCount => subjects.Count;

    public bool Contains(string subject) => subjects.ContainsKey(subject);

    public int this[string subject] => subjects[subject].Fold;

    /// <summary>Every subject's row, ordinal by subject.</summary>
    public IEnumerable<SubjectFold> Entries => subjects.Values.OrderBy(s => s.Subject, StringComparer.Ordinal);

    /// <summary>The subjects of fold <paramref name="fold"/> (1-based), ordinal order.</summary>
    public IReadOnlyList<string> Subjects(int fold) => Entries.Where(s => s.Fold == fold).Select(s => s.Subject).ToList();

    /// <summary>
    /// Fold <paramref name="fold"/>'s run split: test is the fold; of the other folds' subjects a
    /// <paramref name="valShare"/> goes to validation, stratified by the stored strata with a shuffle of its
    /// own (stream <paramref name="fold"/> of the seed), the rest trains.
    /// </summary>
    public SubjectSplit SplitFor(int fold, ulong seed, double valShare)
    {
        if (fold < 1 || fold > Count) throw new ArgumentOutOfRangeException(nameof(fold), fold, $"there are {Count} folds");
        var rest = Entries.Where(s => s.Fold != fold).Select(s => new SubjectLabel(s.Subject, s.Label, s.Stratum)).ToList();
        var inner = SubjectSplits.Stratified(rest, seed, SubjectSplits.Classes, new SplitFractions(1 - valShare, valShare, 0), (uint)fold);
        return new SubjectSplit(Entries.Select(s => (s.Subject, s.Fold == fold ? Split.Test : inner[s.Subject], s.Label)));
    }

    /// <summary>Writes folds.csv atomically (temporary file, then rename).</summary>
    public void Write(string path)
    {
        var text = new StringBuilder("subject,fold,label,stratum\n");
        foreach (var s in Entries)
            text.Append(CultureInfo.InvariantCulture, $"{s.Subject},{s.Fold},{s.Label.ToString("R", CultureInfo.InvariantCulture)},{s.Stratum}\n");
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>Reads folds.csv back for a cross-validation of <paramref name="k"/> folds; every problem names the line.</summary>
    public static SubjectFolds Read(string path, int k)
    {
        var table = CsvTable.Read(path);
        int subject = table.Column("subject"), fold = table.Column("fold"), label = table.Column("label"), stratum = table.Column("stratum");
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<SubjectFold>();
        foreach (var row in table.Rows)
        {
            string s = row.Fields[subject].Trim();
            if (s.Length == 0) throw new DataFormatException(path, row.Line, "subject", "blank subject");
            if (!seen.TryAdd(s, row.Line))
                throw new DataFormatException(path, row.Line, "subject", $"subject {s} repeated (first on line {seen[s]})");
            if (!int.TryParse(row.Fields[fold].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int f) || f < 1 || f > k)
                throw new DataFormatException(path, row.Line, "fold", $"'{row.Fields[fold]}' is not a fold between 1 and {k}");
            if (!float.TryParse(row.Fields[label].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out float l))
                throw new DataFormatException(path, row.Line, "label", $"'{row.Fields[label]}' is not a number");
            if (!int.TryParse(row.Fields[stratum].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int st))
                throw new DataFormatException(path, row.Line, "stratum", $"'{row.Fields[stratum]}' is not an integer");
            entries.Add(new SubjectFold(s, f, l, st));
        }
        var folds = new SubjectFolds(k, entries);
        for (int i = 1; i <= k; i++)
            if (folds.Subjects(i).Count == 0) throw new DataFormatException(path, 0, "fold", $"fold {i} has no subjects");
        return folds;
    }
}
