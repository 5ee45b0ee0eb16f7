using ILGpuNet.Tensors;

namespace ILGpuNet.Training;

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
    /// <see cref="InvalidDataException"/> from decompression, <see cref="UnauthorizedAccessException"/>), which include
    /// a device that is absent or too small for the batch.
    /// </summary>
    public static bool Is(Exception e) => e is UserErrorException or IOException or InvalidDataException
        or UnauthorizedAccessException;
}
