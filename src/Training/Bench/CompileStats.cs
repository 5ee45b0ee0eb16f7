using System.Globalization;
using System.Text.Json.Serialization;
using ILGpuNet.Tensors;

namespace ILGpuNet.Training.Bench;

/// <summary>
/// Kernels compiled by this process and the wall time it took (ILGPU compiles every kernel afresh in each
/// process, on first use: see <see cref="KernelCache"/>). The benchmark commands print it and write it
/// into their JSON, so the GPU script can tell compilation from measurement.
/// </summary>
public sealed record CompileStats(
    [property: JsonPropertyName("compiled_kernels")] long Kernels,
    [property: JsonPropertyName("compile_s")] double Seconds)
{
    /// <summary>Everything compiled so far in this process.</summary>
    public static CompileStats Now()
    {
        var (count, seconds) = KernelCache.ProcessTotal;
        return new CompileStats(count, seconds);
    }

    /// <summary>What was compiled between <paramref name="before"/> and now.</summary>
    public static CompileStats Since(CompileStats before)
    {
        var now = Now();
        return new CompileStats(now.Kernels - before.Kernels, now.Seconds - before.Seconds);
    }

    /// <summary>The line the GPU script greps: "compiled N kernels in X s".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"compiled {Kernels} kernels in {Seconds:F1} s");
}
