namespace ILGpuNet.Tensors;

/// <summary>
/// A problem the user can fix: a bad option, file, data set, run configuration or a device that cannot serve the
/// request. The message is one line that names the option or the file and the problem; the CLI prints it as
/// "error: ..." and exits with code 2. Any other exception that escapes a command is a fault of the program and is
/// reported as one (exit code 1, with its type and where it was thrown), so that a bug never passes for bad input.
/// </summary>
public class UserErrorException : Exception
{
    public UserErrorException(string message) : base(message) { }

    public UserErrorException(string message, Exception? inner) : base(message, inner) { }
}
