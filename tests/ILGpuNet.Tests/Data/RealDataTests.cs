using System.Text.Json;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Tests.Data;

/// <summary>
/// Volumes as real pipelines write them, made by hand: NaN outside the brain, integer datatypes with and without
/// scaling, label maps, files off the template grid and files without orientation. The loader's source takes them
/// all and the dataset report says what it found.
/// </summary>
public class RealDataTests
{
    private static readonly VoxelGrid Mni = Conform.Mni152_2mm;

    /// <summary>A brain-like blob on the MNI 2 mm grid: <paramref name="inside"/>(i) in an ellipsoid, <paramref name="outside"/> elsewhere.</summary>
    private static NiftiVolume Blob(Func<int, float> inside, float outside, VoxelGrid? grid = null)
    {
        grid ??= Mni;
        var data = new float[grid.Nx * grid.Ny * grid.Nz];
        for (int z = 0; z < grid.Nz; z++)
            for (int y = 0; y < grid.Ny; y++)
                for (int x = 0; x < grid.Nx; x++)
                {
                    double dx = (x - grid.Nx / 2.0) / (grid.Nx * 0.35), dy = (y - grid.Ny / 2.0) / (grid.Ny * 0.4), dz = (z - grid.Nz / 2.0) / (grid.Nz * 0.35);
                    int i = x + grid.Nx * (y + grid.Ny * z);
                    data[i] = dx * dx + dy * dy + dz * dz <= 1 ? inside(i) : outside;
                }
        return new NiftiVolume([grid.Nx, grid.Ny, grid.Nz], data, grid.Affine);
    }

    [Fact]
    public void NaNOutsideTheBrainBecomesZeroAndIsCounted()
    {
        using var dir = new TempDir();
        string path = dir.File("nan.nii.gz");
        var volume = Blob(i => 100 + i % 50, float.NaN);
        NiftiWriter.Write(path, volume, new NiftiWriteOptions { XformCode = NiftiXform.Mni152 });
        long nan = volume.Data.Count(float.IsNaN);
        Assert.True(nan > 100_000);

        var report = new DatasetReport();
        var read = new NiftiVolumeSource(Mni, report).Read(path);
        Assert.All(read.Data, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(nan, read.Data.LongCount(v => v == 0));
        var f = Assert.Single(report.Findings);
        Assert.Equal(nan, f.NaN);
        Assert.Equal(GridFit.OnGrid, f.Fit);
        Assert.Equal(100, f.Min);
        Assert.Equal(149, f.Max);
        Assert.Contains($"{nan} non-finite voxel(s) in 1 volume(s) set to 0", report.Line());
    }

    [Fact]
    public void IntegerTypesAndLabelMapsAreReadAsNumbersAndReported()
    {
        using var dir = new TempDir();
        string scaled = dir.File("int16.nii.gz"), bytes = dir.File("uint8.nii"), labels = dir.File("labels.nii.gz");
        NiftiWriter.Write(scaled, Blob(i => 10 + i % 1000, 0), new NiftiWriteOptions { DataType = NiftiDataType.Int16, Slope = 0.5, XformCode = NiftiXform.Mni152 });
        NiftiWriter.Write(bytes, Blob(i => 1 + i % 255, 0), new NiftiWriteOptions { DataType = NiftiDataType.UInt8, XformCode = NiftiXform.Mni152 });
        NiftiWriter.Write(labels, Blob(i => 1 + i % 3, 0), new NiftiWriteOptions { DataType = NiftiDataType.UInt8, XformCode = NiftiXform.Mni152 });
        var report = new DatasetReport();
        var source = new NiftiVolumeSource(Mni, report);
        var s = source.Read(scaled);
        Assert.Equal(10f, s.Data.Where(v => v != 0).Min());  // stored as 20 with scl_slope 0.5
        source.Read(bytes);
        source.Read(labels);

        var byName = report.Findings.ToDictionary(f => Path.GetFileName(f.Path));
        Assert.Equal("int16", byName["int16.nii.gz"].DataType);
        Assert.False(byName["int16.nii.gz"].LabelValued);
        Assert.True(byName["uint8.nii"].IntegerValued);
        Assert.False(byName["uint8.nii"].LabelValued);
        Assert.True(byName["labels.nii.gz"].LabelValued);
        var summary = report.Summarise();
        Assert.Equal(2, summary.DataTypes["uint8"]);
        Assert.Equal(1, summary.LabelValued);
        Assert.Contains(summary.Notes, n => n.Contains("label map"));
        Assert.Contains(summary.Notes, n => n.Contains("different datatypes"));
    }

    [Fact]
    public void VolumesOffTheGridAreConformedAndOrientationlessOnesOfTheGridsShapeAreTakenAsThey()
    {
        using var dir = new TempDir();
        string shifted = dir.File("shifted.nii.gz"), bare = dir.File("bare.nii.gz"), fine = dir.File("fine.nii.gz");
        var a = Mni.Affine;
        a[0, 3] += 3;  // 3 mm off in x
        var shiftedVolume = Blob(_ => 50, 0);
        NiftiWriter.Write(shifted, new NiftiVolume(shiftedVolume.Shape, shiftedVolume.Data, a), new NiftiWriteOptions { XformCode = NiftiXform.Mni152 });
        var bareVolume = Blob(i => 1 + i % 7 * 0.5f, 0);
        NiftiWriter.Write(bare, new NiftiVolume(bareVolume.Shape, bareVolume.Data, NiftiAffine.Diagonal(2, 2, 2)), new NiftiWriteOptions { XformCode = NiftiXform.Unknown });
        NiftiWriter.Write(fine, Blob(_ => 80, 0, Conform.Mni152_1mm), new NiftiWriteOptions { XformCode = NiftiXform.Mni152 });

        var report = new DatasetReport();
        var source = new NiftiVolumeSource(Mni, report);
        foreach (var path in new[] { shifted, bare, fine })
        {
            var t = source.Read(path);
            Assert.Equal(new GridShape(91, 109, 91), t.Shape);
        }
        var byName = report.Findings.ToDictionary(f => Path.GetFileName(f.Path));
        Assert.Equal(GridFit.Resampled, byName["shifted.nii.gz"].Fit);
        Assert.Equal(GridFit.Resampled, byName["fine.nii.gz"].Fit);
        Assert.Equal(GridFit.AssumedOnGrid, byName["bare.nii.gz"].Fit);
        Assert.Equal("pixdim", byName["bare.nii.gz"].AffineSource);
        // Taken as it is: the same voxels in tensor order.
        var expected = new float[bareVolume.VolumeVoxels];
        bareVolume.CopyToTensorOrder(expected);
        Assert.Equal(expected, source.Read(bare).Data);
        var summary = report.Summarise();
        Assert.Equal(2, summary.Resampled);
        Assert.Equal(1, summary.AssumedOnGrid);
        Assert.Equal(1, summary.Shapes["182x218x182"]);
    }

    [Fact]
    public void TheReportIsJsonWithEveryVolume()
    {
        using var dir = new TempDir();
        string path = dir.File("a.nii.gz");
        NiftiWriter.Write(path, Blob(_ => 3, float.NaN), new NiftiWriteOptions { XformCode = NiftiXform.Mni152 });
        var report = new DatasetReport();
        var source = new NiftiVolumeSource(Mni, report);
        source.Read(path);
        source.Read(path);  // read again (a cached loader, a second epoch): counted once
        string json = dir.File("dataset-report.json");
        report.Write(json);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("volumes").GetInt32());
        Assert.Equal(1, root.GetProperty("data_types").GetProperty("float32").GetInt32());
        Assert.True(root.GetProperty("nan_voxels").GetInt64() > 0);
        var file = Assert.Single(root.GetProperty("files").EnumerateArray());
        Assert.Equal(path, file.GetProperty("path").GetString());
        Assert.Equal("on_grid", file.GetProperty("fit").GetString());
        Assert.StartsWith("data: 1 volume(s); float32 (1); 91x109x91 (1) at 2x2x2 (1) mm; 1 on the grid, 0 resampled; values 3 to 3;", report.Line());
    }
}
