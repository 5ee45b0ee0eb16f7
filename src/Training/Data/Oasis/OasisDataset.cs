namespace ILGpuNet.Training.Data;

/// <summary>What a model predicts from an OASIS volume.</summary>
public enum OasisTask
{
    /// <summary>Healthy (CDR 0 or blank: 0) vs. dementia (CDR &gt; 0: 1).</summary>
    Cdr,
    /// <summary>Sex from the M/F column: M = 0, F = 1.</summary>
    Sex,
    /// <summary>Age in years (regression).</summary>
    Age,
}

/// <summary>Which volumes of a subject to use.</summary>
public enum ScanSelection
{
    /// <summary>Every mpr of every session (the reference uses every file).</summary>
    All,
    /// <summary>One volume per subject: the lowest mpr of the lowest session (mpr-1 of MR1 in OASIS).</summary>
    FirstScan,
}

public sealed record OasisOptions
{
    /// <summary>The usual minimum age of healthy subjects in dementia work: every CDR &gt; 0 subject of OASIS is 62+.</summary>
    public const float UsualMinHealthyAge = 62f;

    public OasisTask Task { get; init; } = OasisTask.Cdr;
    public ScanSelection Scans { get; init; } = ScanSelection.All;

    /// <summary>
    /// Cdr task only: drop healthy subjects (CDR 0 or blank) younger than this, so that age does not give
    /// the label away. Null keeps everyone (the reference). Ignored by the other tasks.
    /// </summary>
    public float? MinHealthyAge { get; init; }

    /// <summary>
    /// Labels needed alongside the task's own: e.g. Task = Age with ExtraLabels = [Cdr] for the
    /// double-headed brain-age-gap model. A sample is kept only when every label is known, and splits are
    /// stratified by all of them together.
    /// </summary>
    public IReadOnlyList<OasisTask> ExtraLabels { get; init; } = [];

    /// <summary>The task followed by <see cref="ExtraLabels"/>: the labels a sample must have and the split is stratified by.</summary>
    public IReadOnlyList<OasisTask> LabelTasks => [Task, .. ExtraLabels];
}

/// <summary>
/// One volume with its labels. The clinical fields are the session's own CSV row, where a blank field is
/// taken from the subject's other rows (first session first): OASIS's MR2 reliability rows leave CDR and
/// MMSE blank, and a rescan days later belongs to the same person. <see cref="Label"/> is the task's label.
/// </summary>
public sealed record OasisSample(
    string Path, string SubjectId, string SessionId, int Session, int Mpr,
    float? Age, char? Sex, float? Cdr, float Label)
{
    /// <summary>0 for CDR 0 or blank (not assessed), 1 for CDR &gt; 0.</summary>
    public int CdrClass => Cdr is > 0 ? 1 : 0;

    /// <summary>The label of any task (cdr: 0/1, sex: M = 0, F = 1, age: years), null where the CSV leaves it blank.</summary>
    public float? LabelFor(OasisTask task) => task switch
    {
        OasisTask.Cdr => CdrClass,
        OasisTask.Sex => Sex switch { 'M' => 0f, 'F' => 1f, _ => null },
        OasisTask.Age => Age,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "unknown task"),
    };
}

/// <summary>
/// The OASIS-1 volumes of a folder matched with the rows of its cross-sectional CSV, labelled for a task.
/// Problems that leave the rest usable (volumes without a CSV row, rows without a volume, subjects without
/// the task's label, duplicate files) become <see cref="Warnings"/>, each listing the IDs, for the caller to
/// print; problems that make the CSV unusable throw <see cref="DataFormatException"/>. Runs read it through
/// <see cref="Runs.RunData"/>, which chooses the options for the task and gives every scan the same labels.
/// </summary>
public sealed class OasisDataset
{
    private readonly OasisOptions options;

    public IReadOnlyList<OasisSample> Samples { get; }
    public IReadOnlyList<string> Warnings { get; }

    private OasisDataset(OasisOptions options, List<OasisSample> samples, List<string> warnings)
    {
        this.options = options;
        Samples = samples;
        Warnings = warnings;
    }

    /// <summary>Subjects in sample order (ordinal by ID).</summary>
    public IEnumerable<string> Subjects => Samples.Select(s => s.SubjectId).Distinct();

    /// <summary>
    /// Loads <paramref name="root"/>'s volumes and <paramref name="csvPath"/> (default: root/oasis_cross-sectional.csv,
    /// else the only .csv in root).
    /// </summary>
    public static OasisDataset Load(string root, string? csvPath = null, OasisOptions? options = null)
    {
        options ??= new OasisOptions();
        csvPath ??= FindCsv(root);
        var warnings = new List<string>();
        var records = OasisCsv.Read(csvPath);
        var scans = OasisLayout.Scan(root, warnings);
        if (scans.Count == 0)
            throw new DataFormatException(root, 0, null, "no OASIS volumes (OAS1_xxxx_MRy_mpr-N_anon*.nii[.gz]) in this folder");
        var samples = Match(records, scans, options, warnings);
        if (samples.Count == 0)
            throw new DataFormatException(csvPath, 0, null, "no volume has a usable CSV row: " + string.Join(" ", warnings));
        return new OasisDataset(options, samples, warnings);
    }

    /// <summary>Builds the dataset from records and scans already in memory (tests, other layouts).</summary>
    public static OasisDataset FromRecords(IReadOnlyList<OasisRecord> records, IReadOnlyList<OasisScan> scans, OasisOptions? options = null)
    {
        options ??= new OasisOptions();
        var warnings = new List<string>();
        return new OasisDataset(options, Match(records, scans, options, warnings), warnings);
    }

    private static string FindCsv(string root)
    {
        string standard = System.IO.Path.Combine(root, "oasis_cross-sectional.csv");
        if (File.Exists(standard)) return standard;
        var csvs = Directory.Exists(root) ? Directory.GetFiles(root, "*.csv") : [];
        return csvs.Length == 1 ? csvs[0]
            : throw new DataFormatException(root, 0, null,
                csvs.Length == 0 ? "no CSV file in this folder; name one" : $"{csvs.Length} CSV files in this folder; name one");
    }

    private static List<OasisSample> Match(IReadOnlyList<OasisRecord> records, IReadOnlyList<OasisScan> scans,
        OasisOptions options, List<string> warnings)
    {
        var bySession = records.Where(r => r.SessionId is not null).ToDictionary(r => r.SessionId!, StringComparer.Ordinal);
        // A subject's rows, its subject-only row first, then its sessions in order: the fallback for blank fields.
        var bySubject = records.GroupBy(r => r.SubjectId, StringComparer.Ordinal).ToDictionary(g => g.Key,
            g => g.OrderBy(r => r.SessionId is null ? 0 : 1).ThenBy(r => SessionNumber(r.Id)).ToList(), StringComparer.Ordinal);

        var noRow = new SortedSet<string>(StringComparer.Ordinal);
        var candidates = new List<OasisSample>();
        foreach (var scan in scans)
        {
            if (!bySubject.TryGetValue(scan.SubjectId, out var subjectRows)) { noRow.Add(scan.SessionId); continue; }
            bySession.TryGetValue(scan.SessionId, out var own);
            var rows = own is null ? subjectRows : [own, .. subjectRows.Where(r => r != own)];
            float? age = rows.Select(r => r.Age).FirstOrDefault(a => a is not null);
            char? sex = rows.Select(r => r.Sex).FirstOrDefault(s => s is not null);
            float? cdr = rows.Select(r => r.Cdr).FirstOrDefault(c => c is not null);
            candidates.Add(new OasisSample(scan.Path, scan.SubjectId, scan.SessionId, scan.Session, scan.Mpr, age, sex, cdr, 0f));
        }
        if (noRow.Count > 0)
            warnings.Add($"{noRow.Count} session(s) have volumes but no CSV row and are skipped: {string.Join(", ", noRow)}");

        var scannedSessions = scans.Select(s => s.SessionId).ToHashSet(StringComparer.Ordinal);
        var scannedSubjects = scans.Select(s => s.SubjectId).ToHashSet(StringComparer.Ordinal);
        var noVolume = records.Where(r => r.SessionId is null ? !scannedSubjects.Contains(r.SubjectId) : !scannedSessions.Contains(r.SessionId))
            .Select(r => r.Id).ToList();
        if (noVolume.Count > 0)
            warnings.Add($"{noVolume.Count} CSV row(s) have no volume file: {string.Join(", ", noVolume)}");

        if (options.Scans == ScanSelection.FirstScan)
            candidates = candidates.GroupBy(s => s.SubjectId).Select(g => g.First()).ToList();

        var unlabelled = new SortedSet<string>(StringComparer.Ordinal);
        var tooYoung = new SortedSet<string>(StringComparer.Ordinal);
        var samples = new List<OasisSample>(candidates.Count);
        // The age filter decides per subject (its first volume), so that no subject is cut in two.
        var subjectAge = candidates.GroupBy(s => s.SubjectId).ToDictionary(g => g.Key, g => g.First().Age);
        foreach (var s in candidates)
        {
            float? label = s.LabelFor(options.Task);
            if (label is null || options.ExtraLabels.Any(t => s.LabelFor(t) is null)) { unlabelled.Add(s.SubjectId); continue; }
            if (options.Task == OasisTask.Cdr && options.MinHealthyAge is float minAge && s.CdrClass == 0)
            {
                float? age = subjectAge[s.SubjectId];
                if (age is null) { unlabelled.Add(s.SubjectId); continue; }
                if (age < minAge) { tooYoung.Add(s.SubjectId); continue; }
            }
            samples.Add(s with { Label = label.Value });
        }
        if (unlabelled.Count > 0)
        {
            var needed = options.LabelTasks.Where(t => t != OasisTask.Cdr).Select(t => t == OasisTask.Sex ? "M/F" : "Age").ToList();
            if (options.Task == OasisTask.Cdr && options.MinHealthyAge is not null && !needed.Contains("Age"))
                needed.Add("Age (needed by the minimum healthy age)");
            string what = string.Join(" or ", needed);
            warnings.Add($"{unlabelled.Count} subject(s) have a blank {what} and are skipped: {string.Join(", ", unlabelled)}");
        }
        if (tooYoung.Count > 0)
            warnings.Add($"{tooYoung.Count} healthy subject(s) younger than {options.MinHealthyAge} dropped " +
                         $"(minimum healthy age): {string.Join(", ", tooYoung)}");
        return samples;
    }

    private static int SessionNumber(string id) => id.Length > 12 && int.TryParse(id.AsSpan(12), out int n) ? n : 0;

    /// <summary>
    /// One (subject, label) per subject: the task's label of its first sample, and the stratum of all its
    /// labels together (the class, or 10-year age bin, of each label task combined), for stratified splits.
    /// </summary>
    private List<SubjectLabel> SubjectLabels() =>
        Samples.GroupBy(s => s.SubjectId).Select(g => new SubjectLabel(g.Key, g.First().Label, StratumOf(g.First()))).ToList();

    private static Func<float, int> StrataOf(OasisTask task) => task == OasisTask.Age ? SubjectSplits.AgeBins() : SubjectSplits.Classes;

    private int StratumOf(OasisSample s)
    {
        // Mixed-radix code of the per-task strata; age bins (0..12 for ages up to 129) fit a radix of 16.
        int code = 0;
        foreach (var task in options.LabelTasks)
            code = code * 16 + Math.Clamp(StrataOf(task)(s.LabelFor(task)!.Value), 0, 15);
        return code;
    }

    /// <summary>
    /// The split in <paramref name="splitsCsv"/> when that file exists (a resumed or evaluated run keeps its
    /// subjects), otherwise a seeded train/val/test assignment of the subjects (default 70/20/10), stratified
    /// by their labels and written there atomically. Subjects of this dataset that the file does not assign
    /// are left out of every split and listed in <paramref name="warnings"/>.
    /// </summary>
    public SubjectSplit LoadOrCreateSplit(string splitsCsv, ulong seed, SplitFractions? fractions = null, List<string>? warnings = null)
    {
        if (!File.Exists(splitsCsv))
        {
            var split = SubjectSplits.Stratified(SubjectLabels(), seed, StrataOf(options.Task), fractions);
            split.Write(splitsCsv);
            return split;
        }
        var read = SubjectSplit.Read(splitsCsv);
        var unassigned = Subjects.Where(s => !read.Contains(s)).ToList();
        if (unassigned.Count > 0)
            warnings?.Add($"{unassigned.Count} subject(s) are not in {splitsCsv} and are left out of every split: {string.Join(", ", unassigned)}");
        return read;
    }
}
