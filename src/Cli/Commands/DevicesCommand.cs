using System.CommandLine;
using ILGpuNet.Tensors;

namespace ILGpuNet.Cli.Commands;

/// <summary><c>ilgpunet devices</c>: the accelerators ILGPU sees.</summary>
internal static class DevicesCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("devices", "List the accelerators: name, kind, memory, multiprocessors, warp size");
        command.SetAction(_ =>
        {
            var devices = Device.List();
            output.WriteLine($"{"kind",-5} {"name",-44} {"memory",10} {"MPs",5} {"warp",5} {"group",6}");
            foreach (var d in devices)
                output.WriteLine($"{d.Kind,-5} {Trim(d.Name, 44),-44} {d.MemoryBytes / (double)(1L << 30),8:F1}GB {d.Multiprocessors,5} {d.WarpSize,5} {d.MaxThreadsPerGroup,6}");
            if (!devices.Any(d => d.Kind == "cuda"))
                output.WriteLine("no CUDA GPU found: --device auto uses the CPU accelerator");
            return 0;
        });
        return command;
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "~";
}
