namespace ILGpuNet.Tensors;

/// <summary>Which accelerator a command asks for: <c>--device auto|cuda|cpu</c>.</summary>
public enum DeviceKind
{
    /// <summary>A CUDA GPU when there is one, else the CPU accelerator.</summary>
    Auto,
    Cuda,
    Cpu,
}

public static class DeviceKindParser
{
    public static DeviceKind Parse(string text) => text.ToLowerInvariant() switch
    {
        "auto" => DeviceKind.Auto,
        "cuda" => DeviceKind.Cuda,
        "cpu" => DeviceKind.Cpu,
        _ => throw new ArgumentException($"unknown device '{text}': expected auto, cuda or cpu"),
    };
}

/// <summary>A requested device could not be provided (for example --device cuda on a machine without a GPU).</summary>
public sealed class DeviceUnavailableException(string message) : Exception(message);
