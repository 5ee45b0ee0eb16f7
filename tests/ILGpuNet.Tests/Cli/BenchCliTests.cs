using System.Text.Json;
using ILGpuNet.Cli;

namespace ILGpuNet.Tests.Cli;

/// <summary>The roofline and kernelbench commands at tiny sizes: the JSON fields compare.py reads are there and sane.</summary>
public class BenchCliTests
{
    private static (int Code, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);

    private static JsonElement ReadJson(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    private static void AssertPeaks(JsonElement roofline)
    {
        foreach (var field in new[] { "bandwidth_gbps", "fp32_gflops", "copy_kernel_gbps", "driver_copy_gbps" })
            Assert.True(roofline.GetProperty(field).GetDouble() > 0, field);
        Assert.True(roofline.GetProperty("bandwidth_gbps").GetDouble() >= roofline.GetProperty("copy_kernel_gbps").GetDouble());
    }

    [Fact]
    public void RooflinePrintsAndWritesBothCeilings()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ilgpunet-roofline-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output, _) = Run("roofline", "--device", "cpu", "--elements", "4096", "--repeats", "1", "--json", file);
            Assert.Equal(0, code);
            Assert.Contains("GB/s", output);
            Assert.Contains("GFLOP/s", output);
            AssertPeaks(ReadJson(file).GetProperty("roofline"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void KernelbenchReportsSharesOfTheRoofline()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ilgpunet-kernelbench-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output, _) = Run("kernelbench", "--device", "cpu", "--elements", "4096", "--gemm", "32", "--repeats", "1", "--json", file);
            Assert.Equal(0, code);
            Assert.Contains("of roofline", output);
            var doc = ReadJson(file);
            AssertPeaks(doc.GetProperty("roofline"));
            var kernels = doc.GetProperty("kernels").EnumerateArray().ToDictionary(k => k.GetProperty("Kernel").GetString()!);
            Assert.Equal(1.0, kernels["fma chains (roofline)"].GetProperty("RooflineShare").GetDouble(), 9);
            foreach (var name in new[] { "copy (device to device)", "add", "gemm NN" })
            {
                double share = kernels[name].GetProperty("RooflineShare").GetDouble();
                Assert.True(share > 0 && double.IsFinite(share), $"{name}: share {share}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void BenchRunsSeveralBatchSizesInOneProcessAndCountsLaunchesAndCompilation()
    {
        var dir = Directory.CreateTempSubdirectory("ilgpunet-bench-").FullName;
        try
        {
            var pattern = Path.Combine(dir, "bench-b{batch}.json");
            var (code, output, error) = Run("bench", "--device", "cpu", "--batch", "2,1", "--grid", "32x40x32", "--warmup", "1", "--steps", "1",
                "--profile", "--json", pattern);
            Assert.True(code == 0, output + error);
            Assert.Matches(@"compiled \d+ kernels in [\d.]+ s \(whole process\)", output);
            Assert.Contains("launches per training step:", output);
            foreach (int b in new[] { 2, 1 })
            {
                var doc = ReadJson(Path.Combine(dir, $"bench-b{b}.json"));
                Assert.Equal(b, doc.GetProperty("batch").GetInt32());
                Assert.True(doc.GetProperty("launches_per_step").GetInt64() > 100);
                Assert.True(doc.GetProperty("compile_s").GetDouble() >= 0);
                Assert.True(doc.GetProperty("compiled_kernels").GetInt64() >= 0);
                Assert.True(doc.GetProperty("samples_per_s").GetDouble() > 0);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BenchWithSeveralBatchSizesNeedsAPlaceholderInTheJsonName()
    {
        var (code, _, error) = Run("bench", "--device", "cpu", "--batch", "2,1", "--json", "bench.json");
        Assert.Equal(2, code);
        Assert.Contains("{batch}", error);
        (code, _, error) = Run("bench", "--device", "cpu", "--batch", "2,x");
        Assert.Equal(2, code);
        Assert.Contains("--batch", error);
    }

    [Fact]
    public void BadSizesAreOneLineErrors()
    {
        var (code, _, error) = Run("roofline", "--device", "cpu", "--elements", "10");
        Assert.Equal(2, code);
        Assert.Contains("--elements", error);
    }
}
