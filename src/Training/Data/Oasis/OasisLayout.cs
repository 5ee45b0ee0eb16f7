using System.Text.RegularExpressions;

namespace ILGpuNet.Training.Data;

/// <summary>One volume file of the OASIS layout: OAS1_xxxx_MRy_mpr-N_anon....nii[.gz].</summary>
public sealed record OasisScan(string Path, string SubjectId, string SessionId, int Session, int Mpr);

/// <summary>
/// Finds the volumes of the registered OASIS layout under a root folder: session folders
/// <c>OAS1_xxxx_MRy</c> holding <c>OAS1_xxxx_MRy_mpr-N_anon*.nii.gz</c>, e.g. the reference's
/// <c>OAS1_0001_MR1/OAS1_0001_MR1_mpr-1_anon.nii_registered.nii.gz</c> (double extension). The file name
/// alone identifies a scan, so any folder depth works. Accepted endings: .nii, .nii.gz, .hdr, .hdr.gz
/// (an Analyze/NIfTI pair is found by its header).
/// </summary>
public static class OasisLayout
{
    private static readonly Regex FilePattern = new(
        @"^(?<subject>OAS\d_\d{4})_MR(?<session>\d+)_mpr-(?<mpr>\d+)_anon.*\.(nii|nii\.gz|hdr|hdr\.gz)$",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    /// <summary>Parses an OASIS volume file name; null when the name does not follow the layout.</summary>
    public static OasisScan? ParseFileName(string path)
    {
        var m = FilePattern.Match(System.IO.Path.GetFileName(path));
        if (!m.Success) return null;
        string subject = m.Groups["subject"].Value.ToUpperInvariant();
        int session = int.Parse(m.Groups["session"].Value), mpr = int.Parse(m.Groups["mpr"].Value);
        return new OasisScan(path, subject, $"{subject}_MR{session}", session, mpr);
    }

    /// <summary>
    /// Every scan under <paramref name="root"/>, ordered by subject, session and mpr number. Where two files
    /// name the same session and mpr (say .nii and .nii.gz copies), the first by path is kept and a warning
    /// names the others.
    /// </summary>
    public static IReadOnlyList<OasisScan> Scan(string root, List<string>? warnings = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: no such directory");
        var found = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(ParseFileName).OfType<OasisScan>()
            .OrderBy(s => s.Path, StringComparer.Ordinal)
            .GroupBy(s => (s.SessionId, s.Mpr))
            .ToList();
        var duplicates = found.Where(g => g.Count() > 1).SelectMany(g => g.Skip(1)).Select(s => s.Path).ToList();
        if (duplicates.Count > 0)
            warnings?.Add($"{duplicates.Count} duplicate volume file(s) ignored (same session and mpr as another): "
                          + string.Join(", ", duplicates));
        return found.Select(g => g.First())
            .OrderBy(s => s.SubjectId, StringComparer.Ordinal).ThenBy(s => s.Session).ThenBy(s => s.Mpr)
            .ToList();
    }
}
