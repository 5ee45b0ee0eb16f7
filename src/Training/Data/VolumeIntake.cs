using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Training.Data;

/// <summary>How a volume came onto the model's voxel grid.</summary>
public enum GridFit
{
    /// <summary>Already on the grid (shape and affine match): taken as it is.</summary>
    OnGrid,

    /// <summary>Resampled trilinearly through the two affines (<see cref="Conform.Resample"/>).</summary>
    Resampled,

    /// <summary>The grid's shape but no orientation in the header (sform and qform codes 0, ANALYZE-style):
    /// taken to be on the grid, since resampling through its bare pixdim affine would move the brain out of view.</summary>
    AssumedOnGrid,

    /// <summary>Not conformed: the caller asked for the volume's own grid.</summary>
    OwnGrid,
}

/// <summary>
/// What one volume turned out to be on its way in (<see cref="VolumeIntake.Read"/>): datatype, shape, voxel
/// sizes, where its affine came from, how it was fitted to the grid, its value range over finite voxels, the
/// non-finite voxels set to 0, and whether its values are whole numbers (and few: a label map, e.g. a tissue
/// segmentation, rather than intensities).
/// </summary>
public sealed record VolumeFindings(
    string Path, string DataType, int[] Shape, double[] Zooms, string AffineSource, GridFit Fit,
    long Voxels, long NaN, long Infinite, double Min, double Max, long NonZero, bool IntegerValued, int DistinctValues)
{
    /// <summary>At most this many distinct whole numbers make a volume label-valued.</summary>
    public const int LabelValues = 16;

    public long NonFinite => NaN + Infinite;

    /// <summary>Whole numbers only, and few of them.</summary>
    public bool LabelValued => IntegerValued && DistinctValues <= LabelValues;

    public bool Conformed => Fit is GridFit.Resampled;
}

/// <summary>A volume file as read (non-finite voxels set to 0, on its own grid), fitted to the model's grid, and what was found.</summary>
public sealed record IntakeVolume(NiftiVolume Original, NiftiVolume Volume, VolumeFindings Findings);

/// <summary>
/// The one way a volume file enters the model's pipeline (training, evaluation, prediction, saliency): the first
/// 3D volume of the file is decoded to float32 whatever its datatype (scl_slope/scl_inter applied), non-finite
/// voxels (NaN outside the brain, as some pipelines write) become 0 and are counted, and the volume is brought onto
/// the grid (<see cref="Fit"/>). Label-valued maps and integer types pass through as numbers; the findings say
/// what was seen, for the dataset report.
/// </summary>
public static class VolumeIntake
{
    /// <summary>Reads and fits one volume; <paramref name="grid"/> null keeps the file's own grid.</summary>
    public static IntakeVolume Read(string path, VoxelGrid? grid)
    {
        var raw = NiftiReader.Read(path, 0);
        var (clean, nan, infinite) = ZeroNonFinite(raw);
        var (fit, volume) = Fit(clean, grid);
        return new IntakeVolume(clean, volume, Examine(path, raw, fit, nan, infinite));
    }

    /// <summary>
    /// How a volume gets onto <paramref name="grid"/>, and the fitted volume: on the grid already; the grid's shape
    /// with no orientation in its header (assumed on it); otherwise resampled. Null keeps the volume's own grid.
    /// </summary>
    public static (GridFit Fit, NiftiVolume Volume) Fit(NiftiVolume volume, VoxelGrid? grid)
    {
        if (grid is null) return (GridFit.OwnGrid, volume);
        if (Conform.IsOnGrid(volume, grid)) return (GridFit.OnGrid, volume);
        if (volume.Header?.AffineSource == Nifti.AffineSource.Pixdim && volume.Nx == grid.Nx && volume.Ny == grid.Ny && volume.Nz == grid.Nz)
            return (GridFit.AssumedOnGrid, new NiftiVolume([grid.Nx, grid.Ny, grid.Nz], volume.Data, grid.Affine) { SourcePath = volume.SourcePath });
        return (GridFit.Resampled, Conform.Resample(volume, grid));
    }

    /// <summary>The volume with NaN and infinite voxels set to 0 (a copy only when there are any), and how many of each.</summary>
    public static (NiftiVolume Volume, long NaN, long Infinite) ZeroNonFinite(NiftiVolume volume)
    {
        long nan = 0, infinite = 0;
        foreach (var v in volume.Data)
        {
            if (float.IsNaN(v)) nan++;
            else if (float.IsInfinity(v)) infinite++;
        }
        if (nan + infinite == 0) return (volume, 0, 0);
        var data = volume.Data.Select(v => float.IsFinite(v) ? v : 0f).ToArray();
        return (new NiftiVolume(volume.Shape, data, volume.Affine, volume.Zooms)
        {
            Header = volume.Header, VolumeIndex = volume.VolumeIndex, SourcePath = volume.SourcePath,
        }, nan, infinite);
    }

    private static VolumeFindings Examine(string path, NiftiVolume raw, GridFit fit, long nan, long infinite)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        long nonZero = 0;
        bool integer = true;
        var distinct = new HashSet<float>();
        foreach (var v in raw.Data)
        {
            if (!float.IsFinite(v)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
            if (v != 0) nonZero++;
            if (integer && v != MathF.Round(v)) integer = false;
            if (distinct.Count <= VolumeFindings.LabelValues) distinct.Add(v);
        }
        if (double.IsPositiveInfinity(min)) (min, max) = (double.NaN, double.NaN);
        var header = raw.Header;
        return new VolumeFindings(path,
            header is null ? "float32" : NiftiDataTypes.NumpyName(header.DataType),
            header is null ? raw.Shape : header.Shape.Select(s => (int)s).ToArray(),
            raw.Zooms.Take(3).ToArray(),
            header is null ? "memory" : header.AffineSource.ToString().ToLowerInvariant(),
            fit, raw.VolumeVoxels, nan, infinite, min, max, nonZero, integer, distinct.Count);
    }
}
