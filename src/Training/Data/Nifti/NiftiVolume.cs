namespace ILGpuNet.Training.Data.Nifti;

/// <summary>
/// One image in memory: float32 voxels, shape, voxel-to-world affine, voxel sizes, and (when it came from
/// a file) the header it was read with.
/// <para>
/// <b>Memory layout.</b> <see cref="Data"/> is in NIfTI's on-disk order, x fastest:
/// <c>Data[x + Nx * (y + Ny * z)]</c> (and then t for 4D). This is the order of nibabel's
/// <c>img.dataobj</c> (Fortran order); <c>img.get_fdata()[x, y, z]</c> is the same voxel.
/// </para>
/// <para>
/// <b>Mapping to a tensor.</b> A volume becomes a (D, H, W) = (X, Y, Z) tensor with W (= z) fastest, the
/// mapping PyTorch users get from <c>torch.tensor(nib.load(f).get_fdata())</c>: tensor[d, h, w] =
/// volume[x = d, y = h, z = w]. So the reference's 91x109x91 input is (x, y, z) and a network trained here
/// sees each axis as the PyTorch model does (kernels, flips and checkpoints carry over). Going from x-fastest
/// to z-fastest is a transpose: <see cref="CopyToTensorOrder"/> and <see cref="FromTensorOrder"/>; nothing
/// else in the code base may reorder voxels.
/// </para>
/// </summary>
public sealed class NiftiVolume
{
    /// <summary>A volume from voxels in x-fastest order, shape (x, y, z) or (x, y, z, t), and an affine.
    /// Zooms default to the affine's column norms (and 1 for t).</summary>
    public NiftiVolume(int[] shape, float[] data, double[,] affine, double[]? zooms = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        NiftiAffine.CheckShape(affine);
        if (shape.Length is < 3 or > 4) throw new ArgumentException($"a volume has shape (x, y, z) or (x, y, z, t), not {shape.Length} axes");
        long n = 1;
        foreach (int s in shape)
        {
            if (s < 1) throw new ArgumentException($"volume shape {string.Join("x", shape)} has a non-positive size");
            n *= s;
        }

        if (n != data.Length) throw new ArgumentException($"volume shape {string.Join("x", shape)} needs {n} voxels, data has {data.Length}");
        var norms = NiftiAffine.ColumnNorms(affine);
        zooms ??= shape.Length == 3 ? norms : [norms[0], norms[1], norms[2], 1];
        if (zooms.Length != shape.Length) throw new ArgumentException($"{zooms.Length} zooms for {shape.Length} axes");
        Shape = (int[])shape.Clone();
        Data = data;
        Affine = NiftiAffine.Copy(affine);
        Zooms = (double[])zooms.Clone();
    }

    /// <summary>(x, y, z) or (x, y, z, t).</summary>
    public int[] Shape { get; }

    /// <summary>Voxels, x fastest (see the class remarks).</summary>
    public float[] Data { get; }

    /// <summary>Voxel (i, j, k) to world millimetres, 4x4 row-major.</summary>
    public double[,] Affine { get; }

    /// <summary>Voxel sizes along x, y, z (and t).</summary>
    public double[] Zooms { get; }

    /// <summary>The header this volume was read with; null for volumes made in memory.</summary>
    public NiftiHeader? Header { get; init; }

    /// <summary>Which volume of a 4D file this is (0 for 3D files).</summary>
    public int VolumeIndex { get; init; }

    /// <summary>The file it was read from, or null.</summary>
    public string? SourcePath { get; init; }

    public int Nx => Shape[0];

    public int Ny => Shape[1];

    public int Nz => Shape[2];

    public int Nt => Shape.Length > 3 ? Shape[3] : 1;

    /// <summary>Voxels of one 3D volume.</summary>
    public int VolumeVoxels => Nx * Ny * Nz;

    public float this[int x, int y, int z]
    {
        get => Data[x + Nx * (y + Ny * z)];
        set => Data[x + Nx * (y + Ny * z)] = value;
    }

    /// <summary>The tensor shape (D, H, W) of this volume: (Nx, Ny, Nz).</summary>
    public int[] TensorShape => [Nx, Ny, Nz];

    /// <summary>
    /// Writes the (first) 3D volume into <paramref name="destination"/> as a (D, H, W) = (X, Y, Z) tensor with
    /// W fastest: destination[(x * Ny + y) * Nz + z] = this[x, y, z]. Blocked over (x, z) tiles so both sides
    /// stay in cache; no allocation.
    /// </summary>
    public void CopyToTensorOrder(Span<float> destination)
    {
        int nx = Nx, ny = Ny, nz = Nz;
        if (destination.Length < VolumeVoxels) throw new ArgumentException($"destination holds {destination.Length} floats, the volume {VolumeVoxels}");
        ReadOnlySpan<float> src = Data;
        const int Tile = 32;
        for (int y = 0; y < ny; y++)
            for (int z0 = 0; z0 < nz; z0 += Tile)
            {
                int z1 = Math.Min(z0 + Tile, nz);
                for (int x0 = 0; x0 < nx; x0 += Tile)
                {
                    int x1 = Math.Min(x0 + Tile, nx);
                    for (int x = x0; x < x1; x++)
                    {
                        int d = (x * ny + y) * nz;
                        int s = x + nx * y;
                        for (int z = z0; z < z1; z++) destination[d + z] = src[s + nx * ny * z];
                    }
                }
            }
    }

    /// <summary>A new x-fastest volume from a (D, H, W) = (X, Y, Z), W-fastest tensor buffer (the inverse of
    /// <see cref="CopyToTensorOrder"/>), e.g. to write a saliency map back as NIfTI.</summary>
    public static NiftiVolume FromTensorOrder(ReadOnlySpan<float> tensor, int nx, int ny, int nz, double[,] affine)
    {
        long n = (long)nx * ny * nz;
        if (tensor.Length < n) throw new ArgumentException($"tensor holds {tensor.Length} floats, the shape {nx}x{ny}x{nz} needs {n}");
        var data = new float[n];
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
            {
                int d = nx * (y + ny * z);
                for (int x = 0; x < nx; x++) data[d + x] = tensor[(x * ny + y) * nz + z];
            }
        return new NiftiVolume([nx, ny, nz], data, affine);
    }
}
