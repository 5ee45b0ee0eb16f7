using System.Diagnostics;
using System.Globalization;

namespace ILGpuNet.Training.Data.Synthetic;

/// <summary>
/// Whole-cohort writes: a cohort is generated into a temporary sibling folder and renamed into place only
/// when every file is written, with a marker (<see cref="MarkerName"/>) that records what it was made
/// from. A killed generation therefore leaves at most a stale temporary folder, never a half cohort that
/// a later run would take for a complete one.
/// </summary>
public static partial class SyntheticCohort
{
    /// <summary>Written last into a complete cohort: generator version, subjects, seed, grid, scans per session.</summary>
    public const string MarkerName = "synthetic_cohort.txt";

    /// <summary>Bumped whenever the generator's output changes, so cached cohorts of an older generator are rebuilt.</summary>
    public const int GeneratorVersion = 2;

    /// <summary>
    /// Returns <paramref name="directory"/> holding the cohort of (subjects, seed, grid, maxScans): reused
    /// when a complete cohort of exactly these parameters is there, generated (in parallel, atomically: see
    /// <see cref="GenerateAtomically"/>) otherwise. Safe against a concurrent call for the same folder.
    /// </summary>
    public static string EnsureCached(string directory, int subjects, int seed, SyntheticGrid grid, int maxScans = 4,
        Action<string>? progress = null)
    {
        var options = new SyntheticCohortOptions
        {
            OutputDirectory = Path.GetFullPath(directory), Subjects = subjects, Seed = seed, Grid = grid, MaxScans = maxScans,
        };
        if (IsComplete(options)) return options.OutputDirectory;
        GenerateAtomically(options, progress: progress);
        return options.OutputDirectory;
    }

    /// <summary>
    /// A cache folder for a cohort: <c>$XDG_CACHE_HOME/ilgpunet</c> (else <c>~/.cache/ilgpunet</c>, else the temp folder) /
    /// <c>synthetic-v{version}-n{subjects}-s{seed}-{grid}-mpr{maxScans}</c>.
    /// </summary>
    public static string DefaultCacheDirectory(int subjects, int seed, SyntheticGrid grid, int maxScans = 4)
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string root = !string.IsNullOrEmpty(xdg) ? xdg
            : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache")
            : Path.GetTempPath(); // no home folder (some batch jobs)
        return Path.Combine(root, "ilgpunet", $"synthetic-v{GeneratorVersion}-n{subjects}-s{seed}-{grid}-mpr{maxScans}");
    }

    /// <summary>True when the folder holds a complete cohort generated with exactly these options.</summary>
    public static bool IsComplete(SyntheticCohortOptions options)
    {
        string marker = Path.Combine(options.OutputDirectory, MarkerName);
        return File.Exists(marker) && File.ReadAllText(marker) == Marker(options);
    }

    /// <summary>
    /// Generates into a temporary sibling of the output folder and renames it into place when complete.
    /// An existing output folder is replaced only when it is empty or a complete synthetic cohort (it has
    /// the marker); any other content is an error, so user data is never deleted.
    /// </summary>
    public static SyntheticCohortResult GenerateAtomically(SyntheticCohortOptions options, VolumeWriter? writer = null,
        Action<string>? progress = null)
    {
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.OutputDirectory));
        string parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"{target}: cannot write a cohort at a file-system root");
        string name = Path.GetFileName(target);
        CheckReplaceable(target);
        Directory.CreateDirectory(parent);
        RemoveStaleTemporaries(parent, name);

        string temp = Path.Combine(parent, $"{name}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            try { Directory.CreateDirectory(temp); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"{target}: cannot write a cohort there ({e.Message})", e);
            }
            var result = Generate(options with { OutputDirectory = temp }, writer, progress);
            File.WriteAllText(Path.Combine(temp, MarkerName), Marker(options));
            Replace(target, temp, options);
            string Moved(string path) => Path.Combine(target, Path.GetRelativePath(temp, path));
            return result with { CsvPath = Moved(result.CsvPath) };
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static string Marker(SyntheticCohortOptions o) => string.Create(CultureInfo.InvariantCulture,
        $"generator={GeneratorVersion}\nsubjects={o.Subjects}\nseed={o.Seed}\ngrid={o.Grid}\nscans={o.MaxScans}\n");

    private static void CheckReplaceable(string target)
    {
        if (File.Exists(target)) throw new IOException($"{target}: is a file, not a folder for a cohort");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()
            && !File.Exists(Path.Combine(target, MarkerName)))
            throw new IOException($"{target}: the folder exists and is not a synthetic cohort ({MarkerName} missing); " +
                                  "delete it or choose another folder");
    }

    /// <summary>Moves the finished temporary folder into place; an old cohort there is moved aside first, then deleted.</summary>
    private static void Replace(string target, string temp, SyntheticCohortOptions options)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (Directory.Exists(target))
            {
                // A concurrent run may have just put the same cohort there: keep it.
                if (IsComplete(options with { OutputDirectory = target })) return;
                CheckReplaceable(target);
                string old = $"{target}.old-{Environment.ProcessId}-{Guid.NewGuid():N}";
                try { Directory.Move(target, old); }
                catch (IOException) when (attempt < 3) { continue; }
                Directory.Delete(old, recursive: true);
            }
            try
            {
                Directory.Move(temp, target);
                return;
            }
            catch (IOException) when (attempt < 3 && Directory.Exists(target))
            {
                // Another run renamed its cohort into place between our check and our move; look again.
            }
        }
    }

    /// <summary>Deletes temporary folders of this cohort left by runs that were killed (their process is gone).</summary>
    private static void RemoveStaleTemporaries(string parent, string name)
    {
        foreach (string dir in Directory.EnumerateDirectories(parent, name + ".*"))
        {
            string entry = Path.GetFileName(dir);
            if (!entry.StartsWith(name + ".", StringComparison.Ordinal)) continue; // "name.*" also matches "name"
            string suffix = entry[(name.Length + 1)..];
            var parts = suffix.Split('-');
            if (parts.Length != 3 || parts[0] is not ("tmp" or "old") || !int.TryParse(parts[1], out int pid)) continue;
            if (pid != Environment.ProcessId && ProcessIsGone(pid))
                try { Directory.Delete(dir, recursive: true); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
        }
    }

    private static bool ProcessIsGone(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
