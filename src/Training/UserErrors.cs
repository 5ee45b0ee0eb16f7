using ILGpuNet.Tensors;

namespace ILGpuNet.Training;

/// <summary>
/// A problem the user can fix: a bad option, file, data set or run configuration. The message is one line
/// that names the option or the file and the problem; the CLI prints it as "error: ..." and exits with code 2.
/// Any other exception that escapes a command is a fault of the program and is reported as one (exit code 1,
/// with its type and where it was thrown), so that a bug never passes for bad input.
/// </summary>
public class UserErrorException : Exception
{
    public UserErrorException(string message) : base(message) { }

    public UserErrorException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>
/// A run configuration that cannot be used. The message names where the value came from: the option
/// (<c>--epochs must be at least 1</c>) or the config.json and its field (<c>runs/x/config.json: epochs must be ...</c>).
/// </summary>
public sealed class ConfigException(string message) : UserErrorException(message);

/// <summary>Which exceptions are the user's to fix rather than faults of the program.</summary>
public static class UserErrors
{
    /// <summary>
    /// Our <see cref="UserErrorException"/>s; file-system and file-format failures (<see cref="IOException"/>,
    /// which <c>NiftiException</c>, <c>SafeTensorsException</c> and <c>CheckpointMismatchException</c> derive from,
    /// <see cref="InvalidDataException"/> from decompression, <see cref="UnauthorizedAccessException"/>); a device
    /// that is absent or too small for the batch (types of ILGpuNet.Tensors, which cannot see this one).
    /// </summary>
    public static bool Is(Exception e) => e is UserErrorException or IOException or InvalidDataException
        or UnauthorizedAccessException or DeviceUnavailableException or DeviceOutOfMemoryException;
}
