using System.Diagnostics;

namespace ILGpuNet.Tests.Layers;

/// <summary>
/// The CPU family's kernels come in forms chosen by the machine's instruction sets at run time (AVX-512; AVX2 + FMA for the
/// dense and depthwise convolutions; the scalar twins and row kernels otherwise); a test process sees only its own. This
/// runs the whole registry (`ilgpunet gradcheck --device cpu`) in child processes with the runtime's instruction-set
/// switches turned off, so the AVX2 and scalar forms stay checked against the float64 references on an AVX-512 machine.
/// The depthwise convolution names its form in the variant table ("here: ..."), which shows the switch took effect.
/// Slow tier: two processes of one to two minutes each.
/// </summary>
[Trait("Tier", "Slow")]
public sealed class CpuInstructionSetTests
{
    [Theory]
    [InlineData("DOTNET_EnableAVX512", "AVX2")]
    [InlineData("DOTNET_EnableAVX2", "scalar rows")]
    public void ChecksPassWithTheInstructionSetOff(string switchName, string form)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ilgpunet.dll"), "gradcheck", "--device", "cpu"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[switchName] = "0";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{switchName}=0: exit {process.ExitCode}\n{output}\n{error.Result}");
        Assert.Contains("here: " + form, output);
        Assert.Matches(@"all \d+ checks passed", output);
    }
}
