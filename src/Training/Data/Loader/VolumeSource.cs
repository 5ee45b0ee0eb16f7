using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Training.Data;

/// <summary>
/// A decoded volume in tensor order: (D, H, W) = NIfTI (x, y, z), W fastest (see <see cref="VolumeLayout"/>).
/// </summary>
public sealed record TensorVolume(float[] Data, GridShape Shape)
{
    public TensorVolume(float[] data, int d, int h, int w) : this(data, new GridShape(d, h, w)) { }
}

/// <summary>
/// Reads a volume file. Called from several loader threads at once, so it must be thread-safe; it returns
/// a new array on every call, which preprocessing may normalise in place.
/// </summary>
public interface IVolumeSource
{
    TensorVolume Read(string path);
}

/// <summary>A volume source from a function (tests, in-memory data).</summary>
public sealed class FuncVolumeSource(Func<string, TensorVolume> read) : IVolumeSource
{
    public TensorVolume Read(string path) => read(path);
}

/// <summary>
/// NIfTI files through <see cref="VolumeIntake"/>: the first volume of a 4D file, any datatype, non-finite voxels
/// (NaN outside the brain, as some pipelines write) set to 0 and counted, optionally conformed to a training grid
/// (<see cref="VolumeIntake.Fit"/>: volumes already on it are untouched, others, e.g. 1 mm registrations, are
/// resampled trilinearly), then turned into tensor order by <see cref="NiftiVolume.CopyToTensorOrder"/>. What each
/// volume turned out to be goes to <paramref name="report"/> when one is given.
/// </summary>
public sealed class NiftiVolumeSource(VoxelGrid? conformTo = null, DatasetReport? report = null) : IVolumeSource
{
    /// <summary>The grid every volume is conformed to, or null to take volumes as they are.</summary>
    public VoxelGrid? ConformTo { get; } = conformTo;

    public TensorVolume Read(string path)
    {
        var intake = VolumeIntake.Read(path, ConformTo);
        report?.Add(intake.Findings);
        var v = intake.Volume;
        var data = new float[v.VolumeVoxels];
        v.CopyToTensorOrder(data);
        return new TensorVolume(data, v.Nx, v.Ny, v.Nz);
    }
}
