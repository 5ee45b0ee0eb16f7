namespace ILGpuNet.Training.Checkpoints;

/// <summary>
/// A checkpoint that does not fit the module (or optimizer) it is loaded into. Every difference is
/// collected before anything is copied, so one error reports them all and the module stays untouched:
/// names the module has and the file lacks, names the file has and the module lacks, and problems
/// (shape mismatches with both shapes, dtypes that cannot be converted, unusable optimizer state).
/// The message is one line; long lists are cut (the properties keep everything) unless the caller asks for
/// every name (<c>listed</c>: <c>import</c> names them all).
/// </summary>
public sealed class CheckpointMismatchException : IOException
{
    private const int ListedPerKind = 8;

    public CheckpointMismatchException(string path, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> problems,
        int listed = ListedPerKind)
        : base(Describe(path, missing, unexpected, problems, listed))
    {
        FilePath = path;
        Missing = missing;
        Unexpected = unexpected;
        Problems = problems;
    }

    public string FilePath { get; }

    /// <summary>Tensors the module expects that the file lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Tensors in the file that the module does not have.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Each shape, dtype or optimizer-state problem, as a phrase that starts with the tensor's name.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Describe(string path, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> problems, int listed)
    {
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"{missing.Count} missing: {List(missing, listed)}");
        if (unexpected.Count > 0) parts.Add($"{unexpected.Count} unexpected: {List(unexpected, listed)}");
        if (problems.Count > 0) parts.Add(List(problems, listed, "; "));
        return $"{path} does not match the model: {string.Join("; ", parts)}";
    }

    private static string List(IReadOnlyList<string> items, int listed, string separator = ", ")
    {
        var shown = string.Join(separator, items.Take(listed));
        return items.Count > listed ? $"{shown}{separator}and {items.Count - listed} more" : shown;
    }
}
