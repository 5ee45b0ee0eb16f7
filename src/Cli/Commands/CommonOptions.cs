using System.CommandLine;
using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Cli.Commands;

internal static class CommonOptions
{
    public static Option<string> Device() =>
        Choice("--device", "Accelerator: auto (a CUDA GPU when present, else the CPU accelerator), cuda or cpu", RunChoices.Device, DeviceKind.Auto);

    /// <summary>The device of a <see cref="Device"/> option's value.</summary>
    public static Device Open(string kind) => Open(RunChoices.Device.Parse(kind));

    public static Device Open(DeviceKind kind) => Tensors.Device.Open(kind);

    /// <summary>An option that takes one of <paramref name="choices"/>' names; read it with <see cref="GetChoice"/>.</summary>
    public static Option<string> Choice<T>(string name, string description, Choices<T> choices, T defaultValue) where T : struct, Enum =>
        new Option<string>(name) { Description = description, DefaultValueFactory = _ => choices.Name(defaultValue) }
            .AcceptOnlyFromAmong([.. choices.Names]);

    /// <summary>The enum value of a <see cref="Choice"/> option: its name is parsed here, once.</summary>
    public static T GetChoice<T>(this ParseResult parse, Option<string> option, Choices<T> choices) where T : struct, Enum =>
        choices.Parse(parse.GetValue(option)!);

    /// <summary><c>--precision</c>: how convolutions and matrix products multiply on CUDA (default tf32, as PyTorch runs convolutions).</summary>
    public static Option<string> Precision() =>
        Choice("--precision", "CUDA: tf32 (tensor cores, PyTorch's default for convolutions), 3xtf32 (tensor cores, FP32-level accuracy) " +
                              "or fp32 (CUDA cores); the CPU accelerator computes in FP32 whatever is asked", RunChoices.Precision, Tensors.Precision.Tf32);

    /// <summary>Opens the device and sets its precision, once, before any work.</summary>
    public static Device Open(string kind, string precision) => Open(RunChoices.Device.Parse(kind), RunChoices.Precision.Parse(precision));

    /// <summary>Opens the device and sets its precision, once, before any work.</summary>
    public static Device Open(DeviceKind kind, Precision precision)
    {
        var device = Open(kind);
        device.Precision = precision;
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
