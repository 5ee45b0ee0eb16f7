using System.CommandLine;
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
}
