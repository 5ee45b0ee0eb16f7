namespace ILGpuNet.Training.Data.Nifti;

/// <summary>
/// A malformed or unsupported NIfTI file. The message is one line that starts with the file's path and
/// names the problem. It derives from <see cref="IOException"/> so every command that already reports
/// I/O failures as one line (the CLI's catch list) reports these the same way, without a stack trace.
/// </summary>
public sealed class NiftiException : IOException
{
    public NiftiException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file the problem was found in.</summary>
    public string FilePath { get; }

    /// <summary>The problem alone, without the path.</summary>
    public string Problem { get; }
}
