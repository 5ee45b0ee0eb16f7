using System.Globalization;

namespace ILGpuNet.Training.Data.Synthetic;

/// <summary>
/// An output grid over the field of view of MNI152 2 mm (91 x 109 x 91 voxels of 2 mm: 182 x 218 x 182 mm
/// centred on MNI (0, -18, 18)). Other sizes cover the same field of view with larger or smaller voxels,
/// so the phantom keeps its size in millimetres and only the sampling changes.
/// </summary>
public readonly record struct SyntheticGrid(int Nx, int Ny, int Nz)
{
    /// <summary>The MNI152 2 mm grid of the registered OASIS volumes.</summary>
    public static SyntheticGrid Mni2mm => new(91, 109, 91);

    private const double FovX = 182, FovY = 218, FovZ = 182;
    private const double CentreX = 0, CentreY = -18, CentreZ = 18;

    public double VoxelX => FovX / Nx;
    public double VoxelY => FovY / Ny;
    public double VoxelZ => FovZ / Nz;
    public int Voxels => Nx * Ny * Nz;

    /// <summary>
    /// Voxel (i, j, k) to MNI millimetres, radiological like FSL's MNI152 (x runs from +90 down to -90 as i grows):
    /// for 91 x 109 x 91 exactly [[-2,0,0,90],[0,2,0,-126],[0,0,2,-72],[0,0,0,1]].
    /// </summary>
    public double[,] Affine() => new double[,]
    {
        { -VoxelX, 0, 0, CentreX + VoxelX * (Nx - 1) / 2 },
        { 0, VoxelY, 0, CentreY - VoxelY * (Ny - 1) / 2 },
        { 0, 0, VoxelZ, CentreZ - VoxelZ * (Nz - 1) / 2 },
        { 0, 0, 0, 1 },
    };

    /// <summary>Parses "91x109x91" (each size 8..512).</summary>
    public static SyntheticGrid Parse(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            throw new ArgumentException($"grid '{text}' is not of the form NXxNYxNZ (for example 91x109x91)");
        var n = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (n.Any(v => v < 8 || v > 512))
            throw new ArgumentException($"grid '{text}': every size must be between 8 and 512");
        return new SyntheticGrid(n[0], n[1], n[2]);
    }

    public override string ToString() => $"{Nx}x{Ny}x{Nz}";
}
