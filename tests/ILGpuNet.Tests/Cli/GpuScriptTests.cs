using System.Diagnostics;

namespace ILGpuNet.Tests.Cli;

/// <summary>
/// The GPU script's Python side (compare.py, train_summary.py, the PyTorch scripts' "ours" columns) on hand-made
/// JSON with missing files, missing keys and NaN: runs benchmarks/gpu/test_scripts.py where python3 exists
/// (standard library only, no PyTorch); passes without running where it does not.
/// </summary>
public class GpuScriptTests
{
    [Fact]
    public void PythonScriptsSurviveMissingAndNanFigures()
    {
        var script = FindScript();
        Assert.True(script != null, "benchmarks/gpu/test_scripts.py not found above " + AppContext.BaseDirectory);
        var start = new ProcessStartInfo("python3", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return; // no python3 here: nothing to run
        }
        Assert.NotNull(process);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "test_scripts.py did not finish within 2 minutes");
        Assert.True(process.ExitCode == 0, stdout.Result + stderr.Result);
    }

    private static string? FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "benchmarks", "gpu", "test_scripts.py");
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
