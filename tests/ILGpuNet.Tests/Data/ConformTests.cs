using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Tests.Data;

/// <summary>Conforming through the two affines with trilinear interpolation.</summary>
public class ConformTests
{
    /// <summary>A smooth function of world millimetres, with curvature on every axis.</summary>
    private static double Smooth(double x, double y, double z) =>
        Math.Sin(x / 17.0) * Math.Cos(y / 23.0) + 0.5 * Math.Sin(z / 13.0 + 0.3) + x * y / 4000.0;

    private static NiftiVolume Sampled(VoxelGrid grid, Func<double, double, double, double> f)
    {
        var data = new float[grid.Nx * grid.Ny * grid.Nz];
        var a = grid.Affine;
        for (int k = 0; k < grid.Nz; k++)
            for (int j = 0; j < grid.Ny; j++)
                for (int i = 0; i < grid.Nx; i++)
                {
                    var (x, y, z) = NiftiAffine.Apply(a, i, j, k);
                    data[i + grid.Nx * (j + grid.Ny * k)] = (float)f(x, y, z);
                }
        return new NiftiVolume(grid.Shape, data, a);
    }

    [Fact]
    public void MniGridConstantIsFslsTwoMillimetreTemplate()
    {
        var g = Conform.Mni152_2mm;
        Assert.Equal([91, 109, 91], g.Shape);
        Assert.Equal((0.0, 0.0, 0.0), NiftiAffine.Apply(g.Affine, 45, 63, 36));
        Assert.Equal([2.0, 2.0, 2.0], g.Zooms);
        Assert.Equal((0.0, 0.0, 0.0), NiftiAffine.Apply(Conform.Mni152_1mm.Affine, 90, 126, 72));
    }

    [Fact]
    public void IdentityGivesTheSameVolume()
    {
        var rng = new Random(5);
        var affine = NiftiAffine.FromQuaternion(new NiftiAffine.Quaternion(0.2, 0.1, -0.3, 5, -7, 9, 1.5, 2, 2.5, -1));
        var data = Enumerable.Range(0, 9 * 8 * 7).Select(_ => (float)rng.NextDouble()).ToArray();
        var v = new NiftiVolume([9, 8, 7], data, affine);
        var grid = VoxelGrid.Of(v);
        Assert.Equal(v.Data, Conform.Resample(v, grid).Data);
        Assert.True(Conform.IsOnGrid(v, grid));
        Assert.Same(v, Conform.ToGrid(v, grid));
    }

    [Fact]
    public void OneMillimetreToTwoMillimetresOfASmoothFunctionMatchesWithinInterpolationError()
    {
        // A 1 mm source box (not aligned with the 2 mm target's voxel centres: offset by 0.3 mm, y axis
        // flipped) inside which the target grid lies, and a 2 mm target with MNI's orientation.
        var source = new VoxelGrid(80, 90, 70, new double[,] { { 1, 0, 0, -40.3 }, { 0, -1, 0, 44.7 }, { 0, 0, 1, -35.3 }, { 0, 0, 0, 1 } });
        var target = new VoxelGrid(30, 35, 25, new double[,] { { -2, 0, 0, 30 }, { 0, 2, 0, -34 }, { 0, 0, 2, -25 }, { 0, 0, 0, 1 } });
        var result = Conform.Resample(Sampled(source, Smooth), target);
        Assert.Equal([30, 35, 25], result.Shape);
        AssertAffine(target.Affine, result.Affine);

        // Trilinear error bound on a 1 mm grid: |f_xx + f_yy + f_zz| h^2 / 8 <= (1/17^2 + 1/23^2 + 0.5/13^2 + ...) / 8 ~ 1.2e-3.
        double worst = 0;
        for (int k = 0; k < target.Nz; k++)
            for (int j = 0; j < target.Ny; j++)
                for (int i = 0; i < target.Nx; i++)
                {
                    var (x, y, z) = NiftiAffine.Apply(target.Affine, i, j, k);
                    worst = Math.Max(worst, Math.Abs(result[i, j, k] - Smooth(x, y, z)));
                }
        Assert.True(worst < 1.5e-3, $"max interpolation error {worst}");
        Assert.True(worst > 1e-6, "the test must exercise interpolation, not coincident grids");
    }

    [Fact]
    public void AShiftOfOneVoxelThroughTheAffineShiftsTheData()
    {
        var rng = new Random(9);
        var data = Enumerable.Range(0, 6 * 5 * 4).Select(_ => (float)rng.NextDouble() + 1).ToArray();
        var source = new NiftiVolume([6, 5, 4], data, new double[,] { { -2, 0, 0, 10 }, { 0, 2, 0, 0 }, { 0, 0, 2, 0 }, { 0, 0, 0, 1 } });
        // Target origin one voxel further along world -x = source voxel +1 in i.
        var target = new VoxelGrid(6, 5, 4, new double[,] { { -2, 0, 0, 8 }, { 0, 2, 0, 0 }, { 0, 0, 2, 0 }, { 0, 0, 0, 1 } });
        var shifted = Conform.Resample(source, target);
        for (int k = 0; k < 4; k++)
            for (int j = 0; j < 5; j++)
            {
                for (int i = 0; i < 5; i++) Assert.Equal(source[i + 1, j, k], shifted[i, j, k]);
                Assert.Equal(0f, shifted[5, j, k]); // beyond the source: zero
            }

        // Shift along z the other way: the first slice falls outside.
        var down = new VoxelGrid(6, 5, 4, new double[,] { { -2, 0, 0, 10 }, { 0, 2, 0, 0 }, { 0, 0, 2, -2 }, { 0, 0, 0, 1 } });
        var s2 = Conform.Resample(source, down);
        for (int j = 0; j < 5; j++)
            for (int i = 0; i < 6; i++)
            {
                Assert.Equal(0f, s2[i, j, 0]);
                for (int k = 1; k < 4; k++) Assert.Equal(source[i, j, k - 1], s2[i, j, k]);
            }
    }

    [Fact]
    public void HalfVoxelShiftAveragesNeighboursAndSingularAffinesAreClearErrors()
    {
        var source = new NiftiVolume([2, 1, 1], [10f, 20f], NiftiAffine.Identity());
        var half = new VoxelGrid(1, 1, 1, new double[,] { { 1, 0, 0, 0.5 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 }, { 0, 0, 0, 1 } });
        Assert.Equal(15f, Conform.Resample(source, half).Data[0]);

        var flat = new NiftiVolume([2, 1, 1], [1f, 2f], NiftiAffine.Diagonal(1, 1, 0));
        var e = Assert.Throws<ArgumentException>(() => Conform.Resample(flat, half));
        Assert.Contains("singular", e.Message);
    }

    private static void AssertAffine(double[,] expected, double[,] actual) =>
        Assert.True(NiftiAffine.MaxDifference(expected, actual) < 1e-12);
}
