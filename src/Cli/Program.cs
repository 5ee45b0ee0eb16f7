using System.CommandLine;
using ILGpuNet.Cli.Commands;

namespace ILGpuNet.Cli;

public static class Program
{
    public static int Main(string[] args) => CliApp.Run(args, Console.Out, Console.Error);
}

/// <summary>The <c>ilgpunet</c> command tree; every command has --help, unknown options are errors.</summary>
public static class CliApp
{
    public static RootCommand Build(TextWriter output)
    {
        var root = new RootCommand("ILGpuNet: framework-free 3D CNN training on ILGPU (CUDA GPUs and the CPU accelerator)");
        root.Subcommands.Add(DevicesCommand.Create(output));
        root.Subcommands.Add(GradcheckCommand.Create(output));
        root.Subcommands.Add(PtxCommand.Create(output));
        root.Subcommands.Add(KernelBenchCommand.Create(output));
        root.Subcommands.Add(RooflineCommand.Create(output));
        root.Subcommands.Add(OpBenchCommand.Create(output));
        root.Subcommands.Add(InfoCommand.Create(output));
        root.Subcommands.Add(SynthCommand.Create(output));
        root.Subcommands.Add(ModelCommand.Create(output));
        root.Subcommands.Add(TrainCommand.Create(output));
        root.Subcommands.Add(EvaluateCommand.Create(output));
        root.Subcommands.Add(PredictCommand.Create(output));
        root.Subcommands.Add(BenchCommand.Create(output));
        return root;
    }

    /// <summary>Errors a user can cause (bad options, files, data, devices): one line, never a stack trace.</summary>
    private static bool IsUserError(Exception e) => e is CliException or ArgumentException or FormatException
        or Tensors.DeviceUnavailableException or Tensors.DeviceOutOfMemoryException or IOException or InvalidDataException
        or UnauthorizedAccessException or Training.Data.DataFormatException or Training.Data.DataLoadException;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parse = Build(output).Parse(args);
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}

/// <summary>A user error: printed as one line, exit code 2.</summary>
public sealed class CliException(string message) : Exception(message);
