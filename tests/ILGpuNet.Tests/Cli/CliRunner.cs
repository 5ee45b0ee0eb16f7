using ILGpuNet.Cli;

namespace ILGpuNet.Tests.Cli;

/// <summary>Runs the <c>ilgpunet</c> command tree in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
