using ILGpuNet.Tests.Data;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Nifti;
using ILGpuNet.Training.Data.Synthetic;
using ILGpuNet.Training.Explain;

namespace ILGpuNet.Tests.Explain;

/// <summary>
/// The way back from the model's grid to a file's voxels: exact for functions the forward path keeps (a linear
/// function of world position survives pooling, trilinear unpooling and trilinear resampling), a mask survives the
/// round trip, the map lands on the file's shape and affine, and the figure and region shares are what they say.
/// </summary>
public class InputSpaceTests
{
    private static readonly VolumePreprocessing Small = VolumePreprocessing.Small;  // pool 2, pad to 48x56x48

    /// <summary>A volume whose value is a linear function of world millimetres.</summary>
    private static NiftiVolume Linear(VoxelGrid grid)
    {
        var data = new float[grid.Nx * grid.Ny * grid.Nz];
        var a = grid.Affine;
        for (int z = 0; z < grid.Nz; z++)
            for (int y = 0; y < grid.Ny; y++)
                for (int x = 0; x < grid.Nx; x++)
                {
                    var (wx, wy, wz) = NiftiAffine.Apply(a, x, y, z);
                    data[x + grid.Nx * (y + grid.Ny * z)] = (float)(100 + 0.5 * wx - 0.25 * wy + 0.75 * wz);
                }
        return new NiftiVolume([grid.Nx, grid.Ny, grid.Nz], data, grid.Affine);
    }

    /// <summary>Largest difference over voxels at least <paramref name="margin"/> from every edge and inside the template's field of view.</summary>
    private static double InteriorError(NiftiVolume expected, NiftiVolume actual, int margin)
    {
        double worst = 0;
        for (int z = margin; z < expected.Nz - margin; z++)
            for (int y = margin; y < expected.Ny - margin; y++)
                for (int x = margin; x < expected.Nx - margin; x++)
                {
                    var (wx, wy, wz) = NiftiAffine.Apply(expected.Affine, x, y, z);
                    if (Math.Abs(wx) > 80 || wy < -115 || wy > 80 || wz < -62 || wz > 95) continue;  // the MNI box minus a margin
                    worst = Math.Max(worst, Math.Abs(expected[x, y, z] - actual[x, y, z]));
                }
        return worst;
    }

    [Fact]
    public void TheTemplateGridWithoutPoolingIsTheIdentity()
    {
        var volume = Linear(Conform.Mni152_2mm);
        var space = new InputSpace(Conform.Mni152_2mm, Conform.Mni152_2mm, GridFit.OnGrid, VolumePreprocessing.Reference);
        var back = space.ModelToFile(space.FileToModel(volume));
        Assert.Equal(volume.Data, back.Data);
        NiftiTestFiles.AssertAffine(volume.Affine, back.Affine, 0);
    }

    [Fact]
    public void ALinearFieldSurvivesPoolingCropAndPadExactly()
    {
        var volume = Linear(Conform.Mni152_2mm);
        // Pad to 48x56x48 (pooled 46x55x46), and crop to 40x50x44.
        foreach (var preprocessing in new[] { Small, Small with { Grid = new GridShape(40, 50, 44) }, Small with { Downsample = 3, Grid = null } })
        {
            var space = new InputSpace(Conform.Mni152_2mm, Conform.Mni152_2mm, GridFit.OnGrid, preprocessing);
            var model = space.FileToModel(volume);
            Assert.Equal(space.ModelShape.Length, model.Length);
            var back = space.ModelToFile(model);
            Assert.Equal(volume.Shape, back.Shape);
            // Interior voxels are exact (float rounding aside); the crop loses a border, and the last half cell clamps.
            int margin = preprocessing.Grid is { D: 40 } ? 8 : 3;
            Assert.True(InteriorError(volume, back, margin) < 1e-3, $"{preprocessing}: {InteriorError(volume, back, margin)}");
        }
    }

    [Fact]
    public void AFileOffTheTemplateComesBackOnItsOwnGridAndAffine()
    {
        // A 3 mm grid, rotated and shifted (not the template): resampled in, pooled, and all the way back.
        var affine = NiftiAffine.FromQuaternion(new NiftiAffine.Quaternion(0.05, -0.03, 0.08, -75, -110, -60, 3, 3, 3, 1));
        var file = new VoxelGrid(52, 64, 54, affine);
        var volume = Linear(file);
        var (fit, fitted) = VolumeIntake.Fit(volume, Conform.Mni152_2mm);
        Assert.Equal(GridFit.Resampled, fit);
        var space = new InputSpace(file, Conform.Mni152_2mm, fit, Small);
        var map = space.TemplateToModel(fitted);
        var back = space.ModelToFile(map);
        Assert.Equal(volume.Shape, back.Shape);
        NiftiTestFiles.AssertAffine(affine, back.Affine, 1e-9);
        Assert.True(InteriorError(volume, back, 4) < 1e-2, $"error {InteriorError(volume, back, 4)}");
    }

    [Fact]
    public void AMaskRoundTripsThroughTheModelsGrid()
    {
        // A 24 mm ball in a 1 mm file on the MNI 1 mm grid (resampled to 2 mm, pooled to 4 mm and back).
        var file = Conform.Mni152_1mm;
        var mask = new float[file.Nx * file.Ny * file.Nz];
        for (int z = 0; z < file.Nz; z++)
            for (int y = 0; y < file.Ny; y++)
                for (int x = 0; x < file.Nx; x++)
                {
                    var (wx, wy, wz) = NiftiAffine.Apply(file.Affine, x, y, z);
                    if ((wx - 30) * (wx - 30) + (wy + 20) * (wy + 20) + (wz - 10) * (wz - 10) <= 24 * 24) mask[x + file.Nx * (y + file.Ny * z)] = 1;
                }
        var volume = new NiftiVolume([file.Nx, file.Ny, file.Nz], mask, file.Affine);
        var space = new InputSpace(file, Conform.Mni152_2mm, GridFit.Resampled, Small);
        var back = space.ModelToFile(space.FileToModel(volume));
        long both = 0, either = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            bool a = mask[i] > 0.5f, b = back.Data[i] > 0.5f;
            if (a && b) both++;
            if (a || b) either++;
        }
        double jaccard = (double)both / either;
        Assert.True(jaccard > 0.85, $"Jaccard {jaccard:F3}");
        // The map's centre of mass comes back at the ball's centre.
        double sum = 0, cx = 0, cy = 0, cz = 0;
        for (int z = 0; z < back.Nz; z++)
            for (int y = 0; y < back.Ny; y++)
                for (int x = 0; x < back.Nx; x++)
                {
                    double m = back[x, y, z];
                    if (m == 0) continue;
                    var (wx, wy, wz) = NiftiAffine.Apply(file.Affine, x, y, z);
                    (sum, cx, cy, cz) = (sum + m, cx + m * wx, cy + m * wy, cz + m * wz);
                }
        Assert.True(Math.Abs(cx / sum - 30) < 0.5 && Math.Abs(cy / sum + 20) < 0.5 && Math.Abs(cz / sum - 10) < 0.5, $"centre at ({cx / sum}, {cy / sum}, {cz / sum})");
    }

    [Fact]
    public void TrilinearMatchesPyTorchsAlignCornersFalse()
    {
        // torch.nn.functional.interpolate(torch.tensor([0., 1., 2.]).view(1,1,3,1,1), size=(6,1,1), mode='trilinear')
        // gives [0, 0.25, 0.75, 1.25, 1.75, 2].
        var up = Trilinear.Resize([0f, 1f, 2f], new GridShape(3, 1, 1), new GridShape(6, 1, 1));
        Assert.Equal([0f, 0.25f, 0.75f, 1.25f, 1.75f, 2f], up);
        // Unpooling puts cell c's value at voxel c*k + (k - 1) / 2.
        var unpooled = Trilinear.Unpool([0f, 2f], new GridShape(1, 1, 2), new GridShape(1, 1, 4), 2);
        Assert.Equal([0f, 0.5f, 1.5f, 2f], unpooled);
    }

    [Fact]
    public void RegionShareIsMassShareOverVolumeShare()
    {
        float[] brain = [1, 1, 1, 1, 0], region = [1, 0, 0, 0, 1], map = [3, 1, 1, 1, 100];
        var share = RegionShare.Of("r", map, region, brain);
        Assert.Equal(0.5, share.MassShare, 12);
        Assert.Equal(0.25, share.VolumeShare, 12);
        Assert.Equal(2.0, share.Factor, 12);
    }

    [Fact]
    public void FigureIsAPngWithThePeakInsideTheScan()
    {
        using var dir = new TempDir();
        var scan = NiftiTestFiles.Ramp(20, 24, 18, i => i % 7 == 0 ? 0 : 1 + i % 5, Conform.Mni152_2mm.Affine);
        var map = new NiftiVolume(scan.Shape, new float[scan.Data.Length], scan.Affine);
        map[0, 0, 0] = 100;  // outside the scan (0 there): not the peak of the figure
        map[5, 6, 7] = 10;
        Assert.Equal((5, 6, 7), SaliencyFigure.Peak(map, scan));
        string path = dir.File("map.png");
        SaliencyFigure.Write(path, scan, map, "test");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    [Fact]
    public void PlantedRegionMasksLieInTheBrainWithPlausibleVolumes()
    {
        var grid = SyntheticGrid.Parse("48x56x48");
        var masks = PlantedRegions.Render(grid);
        double ml = grid.VoxelX * grid.VoxelY * grid.VoxelZ / 1000;
        double Volume(string name) => masks[name].Count(b => b == 1) * ml;
        Assert.InRange(Volume(PlantedRegions.Brain), 1200, 1800);
        Assert.InRange(Volume(PlantedRegions.Hippocampi), 3, 12);
        Assert.InRange(Volume(PlantedRegions.Ventricles), 20, 70);
        foreach (var name in new[] { PlantedRegions.Hippocampi, PlantedRegions.Ventricles, PlantedRegions.Cortex })
            for (int i = 0; i < masks[name].Length; i++)
                if (masks[name][i] == 1) Assert.Equal(1, masks[PlantedRegions.Brain][i]);
        // Left and right hippocampi: the mask is symmetric about the midline (x flipped).
        var h = masks[PlantedRegions.Hippocampi];
        long left = 0, right = 0;
        for (int i = 0; i < h.Length; i++) if (h[i] == 1) { if (i % grid.Nx < grid.Nx / 2) left++; else right++; }
        Assert.InRange((double)left / right, 0.8, 1.25);
    }
}
