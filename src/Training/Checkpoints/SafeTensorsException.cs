namespace ILGpuNet.Training.Checkpoints;

/// <summary>
/// A malformed safetensors file (or checkpoint metadata). The message is one line that starts with the
/// file's path and names the problem; it derives from <see cref="IOException"/> so the CLI reports it as
/// one line without a stack trace, like every other I/O failure.
/// </summary>
public sealed class SafeTensorsException : IOException
{
    public SafeTensorsException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    public string FilePath { get; }

    /// <summary>The problem alone, without the path.</summary>
    public string Problem { get; }
}
