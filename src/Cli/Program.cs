namespace ILGpuNet.Cli;

public static class Program
{
    public static int Main(string[] args) => CliApp.Run(args);
}

public static class CliApp
{
    public static int Run(string[] args) => 0;
}
