using System.CommandLine;
using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;

namespace ILGpuNet.Cli.Commands;

internal static class CommonOptions
{
    public static Option<string> Device() => new Option<string>("--device")
    {
        Description = "Accelerator: auto (a CUDA GPU when present, else the CPU accelerator), cuda or cpu",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong("auto", "cuda", "cpu");

    public static Device Open(string kind) => Tensors.Device.Open(DeviceKindParser.Parse(kind));

    /// <summary><c>--precision</c>: how convolutions and matrix products multiply on CUDA (default tf32, as PyTorch runs convolutions).</summary>
    public static Option<string> Precision() => new Option<string>("--precision")
    {
        Description = "CUDA: tf32 (tensor cores, PyTorch's default for convolutions), 3xtf32 (tensor cores, FP32-level accuracy) " +
                      "or fp32 (CUDA cores); the CPU accelerator computes in FP32 whatever is asked",
        DefaultValueFactory = _ => Tensors.Precision.Tf32.Name(),
    }.AcceptOnlyFromAmong(Tensors.Precision.Fp32.Name(), Tensors.Precision.Tf32.Name(), Tensors.Precision.Tf32x3.Name());

    /// <summary>Opens the device and sets its precision, once, before any work.</summary>
    public static Device Open(string kind, string precision)
    {
        var device = Open(kind);
        device.Precision = PrecisionNames.Parse(precision);
        return device;
    }

    /// <summary>What the device computes in, for the commands' output: "tf32 tensor cores", or "fp32 (tf32 asked; ...)".</summary>
    public static string PrecisionText(Device device)
    {
        var computed = device.EffectivePrecision;
        if (computed != device.Precision)
            return $"{computed.Name()} ({device.Precision.Name()} asked; the CPU accelerator computes in FP32)";
        return computed == Tensors.Precision.Fp32 ? "fp32 CUDA cores" : $"{computed.Name()} tensor cores";
    }

    /// <summary>Comma-separated batch sizes such as "32,8", each at least 1.</summary>
    public static int[] ParseBatches(string text, string option = "--batch")
    {
        int[] sizes;
        try
        {
            sizes = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new CliException($"{option} expects comma-separated integers, got '{text}'");
        }
        if (sizes.Length == 0 || sizes.Any(b => b < 1)) throw new CliException($"{option} sizes must be >= 1, got '{text}'");
        return sizes;
    }

    /// <summary>
    /// Refuses, before any work, a batch that would put more than 2^31-1 elements in one tensor (the kernels' 32-bit
    /// indexing), naming the tensor and the largest batch that fits. <paramref name="batchText"/> says where the
    /// batch came from, e.g. "--batch-size 300".
    /// </summary>
    public static void CheckBatch(EfficientNet3dConfig model, int batch, string batchText)
    {
        if (BatchLimit.Problem(model, batch, batchText) is { } problem) throw new CliException(problem);
    }

    /// <summary>Runs <paramref name="work"/>; a device out of memory becomes a user error that names the batch and suggests a smaller one.</summary>
    public static T WithMemoryHint<T>(Func<T> work, Device device, int batch, string option, string? grid = null)
    {
        try
        {
            return work();
        }
        catch (DeviceOutOfMemoryException e)
        {
            throw new CliException(OutOfMemoryHint(e, device, batch, option, grid));
        }
    }

    public static string OutOfMemoryHint(DeviceOutOfMemoryException e, Device device, int batch, string option, string? grid) =>
        $"{e.Message}; batch {batch} does not fit on {device}: try a smaller {option} (now {batch}" +
        (batch > 1 ? $", e.g. {batch / 2})" : ")") + (grid is null ? "" : $" or --grid (now {grid})");
}
