using ILGpuNet.Tests.Cli;
using System.Text.Json;
using ILGpuNet.Cli;
using ILGpuNet.Training.Data.Nifti;
using static ILGpuNet.Tests.Data.NiftiTestFiles;

namespace ILGpuNet.Tests.Data;

/// <summary><c>ilgpunet info</c>: text and JSON reports, statistics, and bad files among good ones.</summary>
public class NiftiInfoTests
{
    private static (int Code, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void JsonReportsShapeZoomsAffineDtypeAndStatistics()
    {
        using var dir = new TempDir();
        var volume = Ramp(5, 4, 3, i => i % 7 == 0 ? 0 : i - 20, NiftiAffine.Diagonal(1.5, 2, 2.5));
        var path = dir.File("v.nii.gz");
        NiftiWriter.Write(path, volume, new NiftiWriteOptions { DataType = NiftiDataType.Int16 });
        var (code, output, error) = Run("info", path, "--json");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        var j = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal([5, 4, 3], j.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([1.5, 2, 2.5], j.GetProperty("zooms").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal("int16", j.GetProperty("dtype").GetString());
        var affine = j.GetProperty("affine").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        Assert.Equal([1.5, 0, 0, 0], affine[0]);
        Assert.Equal([0, 0, 0, 1], affine[3]);

        var d = volume.Data.Select(v => (double)v).ToArray();
        double mean = d.Average();
        Assert.Equal(d.Min(), j.GetProperty("min").GetDouble());
        Assert.Equal(d.Max(), j.GetProperty("max").GetDouble());
        Assert.Equal(mean, j.GetProperty("mean").GetDouble(), 10);
        Assert.Equal(Math.Sqrt(d.Select(v => (v - mean) * (v - mean)).Average()), j.GetProperty("std").GetDouble(), 10);
        Assert.Equal(d.Sum(), j.GetProperty("sum").GetDouble());
        Assert.Equal(d.Count(v => v != 0), j.GetProperty("nonzero").GetInt32());
    }

    [Fact]
    public void TextReportReadsLikeFslinfo()
    {
        using var dir = new TempDir();
        var path = dir.File("mni.nii");
        NiftiWriter.Write(path, new NiftiVolume([91, 109, 91], new float[91 * 109 * 91], ILGpuNet.Training.Data.Conform.Mni152_2mm.Affine),
            new NiftiWriteOptions { XformCode = NiftiXform.Mni152 });
        var (code, output, _) = Run("info", path);
        Assert.Equal(0, code);
        Assert.Contains("NIfTI-1, single file, little-endian, vox_offset 352", output);
        Assert.Contains("91 x 109 x 91", output);
        Assert.Contains("2 x 2 x 2 mm", output);
        Assert.Contains("float32 (code 16, bitpix 32)", output);
        Assert.Contains("code 4 (mni)", output);
        Assert.Contains("from the sform", output);
        Assert.Contains("0 of 902629 voxels", output);
    }

    [Fact]
    public void FourDimensionalStatisticsCoverEveryVolume()
    {
        using var dir = new TempDir();
        var data = Enumerable.Range(0, 2 * 2 * 2 * 3).Select(i => (float)i).ToArray();
        var path = dir.File("series.nii");
        NiftiWriter.Write(path, new NiftiVolume([2, 2, 2, 3], data, NiftiAffine.Identity()));
        var (code, output, _) = Run("info", "--json", path);
        Assert.Equal(0, code);
        var j = JsonDocument.Parse(output).RootElement;
        Assert.Equal([2, 2, 2, 3], j.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(23, j.GetProperty("max").GetDouble());
        Assert.Equal(276, j.GetProperty("sum").GetDouble());
        Assert.Equal(Math.Sqrt((24.0 * 24 - 1) / 12), j.GetProperty("std").GetDouble(), 10);
    }

    [Fact]
    public void BadFilesAreOneLineErrorsAndTheOthersAreStillReported()
    {
        using var dir = new TempDir();
        var good = dir.File("good.nii");
        NiftiWriter.Write(good, Ramp(3, 3, 3));
        var bad = Edited(dir, "bad.nii.gz", b => "xyz\0"u8.CopyTo(b.AsSpan(344)));
        var missing = dir.File("missing.nii");
        var (code, output, error) = Run("info", "--json", bad, good, missing);
        Assert.Equal(2, code);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"shape\":[3,3,3]", output);
        var errors = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errors.Length);
        Assert.StartsWith($"error: {bad}: bad magic", errors[0]);
        Assert.Equal($"error: {missing}: no such file", errors[1].TrimEnd());
        Assert.DoesNotContain("   at ", error); // no stack trace
    }

    [Fact]
    public void ReaderErrorsElsewhereInTheCliArePrintedAsOneLine()
    {
        // NiftiException is an IOException, which CliApp.Run's catch list prints as "error: <message>".
        var e = new NiftiException("/x/y.nii", "bad magic");
        Assert.IsAssignableFrom<IOException>(e);
        Assert.Equal("/x/y.nii: bad magic", e.Message);
    }
}
