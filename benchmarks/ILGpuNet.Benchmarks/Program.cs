using BenchmarkDotNet.Running;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// BenchmarkDotNet entry point: <c>dotnet run -c Release --project benchmarks/ILGpuNet.Benchmarks -- --filter '*'</c>.
/// Figures go to benchmarks/RESULTS.md with the machine and the date.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
