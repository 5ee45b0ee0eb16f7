namespace ILGpuNet.Tensors;

/// <summary>Which accelerator a command asks for: <c>--device auto|cuda|cpu</c>.</summary>
public enum DeviceKind
{
    /// <summary>A CUDA GPU when there is one, else the CPU accelerator.</summary>
    Auto,
    Cuda,
    Cpu,
}

/// <summary>A requested device could not be provided (for example --device cuda on a machine without a GPU).</summary>
public sealed class DeviceUnavailableException(string message) : UserErrorException(message);
