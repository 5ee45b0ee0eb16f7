using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using ILGpuNet.Cli.Commands;
using ILGpuNet.Tensors;

namespace ILGpuNet.Cli;

public static class Program
{
    public static int Main(string[] args) => CliApp.Run(args, Console.Out, Console.Error);
}

/// <summary>
/// The <c>ilgpunet</c> command tree; every command has --help, unknown options are errors. Exit codes: 0 done,
/// 1 a command's own failure (a check or benchmark that failed) or a fault of the program, 2 a user error.
/// </summary>
public static class CliApp
{
    /// <summary>The exit code of an error the user can fix (bad option, file, data, configuration, device).</summary>
    public const int UserErrorCode = 2;

    /// <summary>The exit code of a fault of the program (an unexpected exception).</summary>
    public const int FaultCode = 1;

    private const int FaultFrames = 8;

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
        root.Subcommands.Add(ImportCommand.Create(output));
        root.Subcommands.Add(ExportCommand.Create(output));
        root.Subcommands.Add(ExplainCommand.Create(output));
        root.Subcommands.Add(BenchCommand.Create(output));
        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(Build(output), args, output, error);

    /// <summary>
    /// Parses and runs <paramref name="args"/> against <paramref name="root"/>. A parse error or a user error
    /// (<see cref="UserErrors.Is"/>) prints one line, <c>error: ...</c>, and gives <see cref="UserErrorCode"/>;
    /// any other exception is a fault of the program: <see cref="Fault"/> prints it with where it was thrown.
    /// </summary>
    public static int Run(RootCommand root, string[] args, TextWriter output, TextWriter error)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            string command = string.Join(' ', CommandPath(parse.CommandResult.Command));
            error.WriteLine($"error: {string.Join("; ", parse.Errors.Select(Describe))} (see {command} --help)");
            return UserErrorCode;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Report(e, error);
        }
    }

    /// <summary>Prints an exception that escaped a command and returns the exit code it stands for.</summary>
    public static int Report(Exception e, TextWriter error)
    {
        e = Unwrap(e);
        if (UserErrors.Is(e))
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return UserErrorCode;
        }
        error.Write(Fault(e));
        return FaultCode;
    }

    /// <summary>
    /// A fault of the program as its type, message and the innermost frames of its stack (method, file:line
    /// where symbols are at hand), then the same for each inner exception: enough to find the bug, and never
    /// mistaken for a complaint about the input.
    /// </summary>
    public static string Fault(Exception e)
    {
        var text = new System.Text.StringBuilder("internal error (a fault of ilgpunet, not of its input):\n");
        for (var x = e; x is not null; x = x.InnerException)
        {
            text.Append(x == e ? "  " : "  caused by ").Append(x.GetType().FullName).Append(": ").Append(x.Message).Append('\n');
            var frames = new StackTrace(x, fNeedFileInfo: true).GetFrames();
            foreach (var frame in frames.Take(FaultFrames))
                text.Append("    at ").Append(Where(frame)).Append('\n');
            if (frames.Length > FaultFrames) text.Append($"    ... {frames.Length - FaultFrames} more frames\n");
        }
        return text.ToString();
    }

    private static string Where(StackFrame frame)
    {
        var method = frame.GetMethod();
        string name = method is null ? "?" : $"{method.DeclaringType?.FullName}.{method.Name}";
        return frame.GetFileName() is { } file ? $"{name} in {Path.GetFileName(file)}:{frame.GetFileLineNumber()}" : name;
    }

    /// <summary>The exception a wrapper stands for: a task's only exception, a reflected call's target's.</summary>
    private static Exception Unwrap(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Unwrap(a.InnerExceptions[0]),
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        _ => e,
    };

    /// <summary>A parse error as one phrase that names the option it is about.</summary>
    private static string Describe(System.CommandLine.Parsing.ParseError e)
    {
        string message = OneLine(e.Message).TrimEnd('.');
        return e.SymbolResult is System.CommandLine.Parsing.OptionResult { Option.Name: var option } && !message.Contains(option)
            ? $"{option}: {message}"
            : message;
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static IEnumerable<string> CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            names.Add(c is RootCommand ? "ilgpunet" : c.Name);
        names.Reverse();
        return names;
    }
}

/// <summary>A user error found by the command line itself (an option value a command refuses): one line, exit code 2.</summary>
public sealed class CliException(string message) : UserErrorException(message);
