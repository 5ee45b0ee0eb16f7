using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Training.Data;

/// <summary>A voxel grid: shape (x, y, z) and the affine from voxel indices to world millimetres.</summary>
public sealed class VoxelGrid
{
    private readonly double[,] affine;

    public VoxelGrid(int nx, int ny, int nz, double[,] affine)
    {
        if (nx < 1 || ny < 1 || nz < 1) throw new ArgumentException($"grid {nx}x{ny}x{nz} has a non-positive size");
        Nx = nx;
        Ny = ny;
        Nz = nz;
        this.affine = NiftiAffine.Copy(affine);
    }

    public int Nx { get; }

    public int Ny { get; }

    public int Nz { get; }

    /// <summary>A copy of the voxel-to-world affine.</summary>
    public double[,] Affine => NiftiAffine.Copy(affine);

    public int[] Shape => [Nx, Ny, Nz];

    public double[] Zooms => NiftiAffine.ColumnNorms(affine);

    /// <summary>The grid a volume lies on (its first three axes).</summary>
    public static VoxelGrid Of(NiftiVolume volume) => new(volume.Nx, volume.Ny, volume.Nz, volume.Affine);

    public override string ToString() => $"{Nx}x{Ny}x{Nz} at {string.Join("x", Zooms.Select(z => z.ToString("0.###")))} mm";
}

/// <summary>
/// Conforming: resampling a volume onto a target grid (the training grid, usually MNI152 2 mm) through the
/// two affines, target voxel -> world -> source voxel, with trilinear interpolation. Sample points outside
/// the source's voxel centres (beyond [0, n - 1] on any axis) give 0, as scipy's map_coordinates with
/// mode 'constant' (what nibabel.processing.resample_from_to uses) does; points within 1e-4 voxel of an
/// edge count as on it, so a grid that coincides with the source reproduces it exactly.
/// </summary>
public static class Conform
{
    private const double EdgeTolerance = 1e-4;

    /// <summary>FSL's MNI152 2 mm template grid, the reference model's input space (91 x 109 x 91, x flipped:
    /// voxel (45, 63, 36) is the world origin).</summary>
    public static readonly VoxelGrid Mni152_2mm = new(91, 109, 91, new double[,]
    {
        { -2, 0, 0, 90 },
        { 0, 2, 0, -126 },
        { 0, 0, 2, -72 },
        { 0, 0, 0, 1 },
    });

    /// <summary>FSL's MNI152 1 mm template grid (182 x 218 x 182), where 1 mm registrations live.</summary>
    public static readonly VoxelGrid Mni152_1mm = new(182, 218, 182, new double[,]
    {
        { -1, 0, 0, 90 },
        { 0, 1, 0, -126 },
        { 0, 0, 1, -72 },
        { 0, 0, 0, 1 },
    });

    /// <summary>Whether a volume already lies on the grid: same shape, affine entries within
    /// <paramref name="toleranceMm"/> (NIfTI-1 stores affines as float32).</summary>
    public static bool IsOnGrid(NiftiVolume volume, VoxelGrid grid, double toleranceMm = 1e-3) =>
        volume.Nx == grid.Nx && volume.Ny == grid.Ny && volume.Nz == grid.Nz
        && NiftiAffine.MaxDifference(volume.Affine, grid.Affine) <= toleranceMm;

    /// <summary>The volume itself when it is on the grid already, else its resampling onto it.</summary>
    public static NiftiVolume ToGrid(NiftiVolume volume, VoxelGrid grid) =>
        IsOnGrid(volume, grid) ? volume : Resample(volume, grid);

    /// <summary>Trilinear resampling of a 3D volume onto <paramref name="target"/>; slices in parallel.</summary>
    public static NiftiVolume Resample(NiftiVolume source, VoxelGrid target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source.Nt > 1) throw new ArgumentException($"conforming resamples one 3D volume; this one has {source.Nt} volumes (read one by its index)");
        double[,] sourceInverse;
        try
        {
            sourceInverse = NiftiAffine.Invert(source.Affine);
        }
        catch (ArgumentException e)
        {
            // A file's singular affine is a problem with the file; an in-memory volume's is the caller's.
            if (source.SourcePath is { } file) throw new NiftiException(file, $"cannot conform it to {target}: its {e.Message}", e);
            throw new ArgumentException($"cannot conform the volume: its {e.Message}", e);
        }

        // Target voxel -> source voxel in one affine.
        var m = NiftiAffine.Multiply(sourceInverse, target.Affine);
        var output = new float[(long)target.Nx * target.Ny * target.Nz];
        var src = source.Data;
        int sx = source.Nx, sy = source.Ny, sz = source.Nz;
        int tx = target.Nx, ty = target.Ny;
        Parallel.For(0, target.Nz, k =>
        {
            var dst = output.AsSpan((int)((long)tx * ty * k), tx * ty);
            for (int j = 0; j < ty; j++)
            {
                // Position of voxel (0, j, k) in source voxels; each step in i adds the first column.
                double px = m[0, 1] * j + m[0, 2] * k + m[0, 3];
                double py = m[1, 1] * j + m[1, 2] * k + m[1, 3];
                double pz = m[2, 1] * j + m[2, 2] * k + m[2, 3];
                int row = tx * j;
                for (int i = 0; i < tx; i++)
                    dst[row + i] = Sample(src, sx, sy, sz, px + m[0, 0] * i, py + m[1, 0] * i, pz + m[2, 0] * i);
            }
        });
        return new NiftiVolume(target.Shape, output, target.Affine);
    }

    /// <summary>Trilinear sample at source voxel coordinates (x, y, z); 0 outside [0, n - 1] on any axis.</summary>
    private static float Sample(float[] v, int nx, int ny, int nz, double x, double y, double z)
    {
        if (!Axis(x, nx, out int x0, out int x1, out double fx)
            || !Axis(y, ny, out int y0, out int y1, out double fy)
            || !Axis(z, nz, out int z0, out int z1, out double fz))
            return 0;
        int plane = nx * ny;
        int r00 = nx * y0 + plane * z0, r10 = nx * y1 + plane * z0, r01 = nx * y0 + plane * z1, r11 = nx * y1 + plane * z1;
        // In double: a float difference of neighbours would round before the weight is applied.
        double c00 = Lerp(v[r00 + x0], v[r00 + x1], fx);
        double c10 = Lerp(v[r10 + x0], v[r10 + x1], fx);
        double c01 = Lerp(v[r01 + x0], v[r01 + x1], fx);
        double c11 = Lerp(v[r11 + x0], v[r11 + x1], fx);
        double c0 = c00 + fy * (c10 - c00);
        double c1 = c01 + fy * (c11 - c01);
        return (float)(c0 + fz * (c1 - c0));
    }

    private static double Lerp(double a, double b, double t) => a + t * (b - a);

    /// <summary>Lower and upper neighbour and weight of the upper one along an axis of n voxels.</summary>
    private static bool Axis(double p, int n, out int lo, out int hi, out double frac)
    {
        lo = hi = 0;
        frac = 0;
        if (!(p >= -EdgeTolerance && p <= n - 1 + EdgeTolerance)) return false; // also rejects NaN
        p = Math.Clamp(p, 0, n - 1);
        lo = Math.Min((int)p, Math.Max(n - 2, 0));
        hi = Math.Min(lo + 1, n - 1);
        frac = p - lo;
        return true;
    }
}
