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
}
