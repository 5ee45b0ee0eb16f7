using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Training.Explain;

/// <summary>
/// The way from a volume file's voxels to the model's input grid and back. Forward (what training and prediction
/// do, <see cref="VolumeIntake"/> and <see cref="VolumePreprocessing"/>): fit to the template grid (MNI152 2 mm;
/// resampled when the file is not on it), tensor order, average pooling by the downsample factor, centre crop or
/// pad to the model's grid, then normalisation (not part of the geometry). Back, for a map on the model's grid:
/// undo the crop/pad (cropped-away voxels get 0), undo the pooling by trilinear interpolation from the cell centres
/// (<see cref="Trilinear.Unpool"/>), and, when the file was resampled, resample the template-grid map onto the file's
/// own grid through the two affines (<see cref="Conform.Resample"/>; outside the template's field of view: 0). The
/// result has the file's shape and affine, so it overlays the scan in any viewer.
/// </summary>
public sealed class InputSpace
{
    public InputSpace(VoxelGrid file, VoxelGrid template, GridFit fit, VolumePreprocessing preprocessing)
    {
        File = file;
        Template = fit is GridFit.OwnGrid ? file : template;
        Fit = fit;
        Preprocessing = preprocessing;
        TemplateShape = new GridShape(Template.Nx, Template.Ny, Template.Nz);
        PooledShape = VolumeLayout.PooledShape(TemplateShape, preprocessing.Downsample);
        ModelShape = preprocessing.OutputShape(TemplateShape);
    }

    /// <summary>The space of a file read by <see cref="VolumeIntake"/>.</summary>
    public static InputSpace Of(IntakeVolume volume, VolumePreprocessing preprocessing) =>
        new(VoxelGrid.Of(volume.Original), VoxelGrid.Of(volume.Volume), volume.Findings.Fit, preprocessing);

    /// <summary>The file's own grid (shape and affine).</summary>
    public VoxelGrid File { get; }

    /// <summary>The grid the file was fitted to (MNI152 2 mm for every run), the space of group means.</summary>
    public VoxelGrid Template { get; }

    public GridFit Fit { get; }

    public VolumePreprocessing Preprocessing { get; }

    public GridShape TemplateShape { get; }

    public GridShape PooledShape { get; }

    public GridShape ModelShape { get; }

    /// <summary>A volume on the template grid to the model's grid in tensor order, without normalisation (pool, crop/pad).</summary>
    public float[] TemplateToModel(NiftiVolume templateVolume)
    {
        var data = new float[templateVolume.VolumeVoxels];
        templateVolume.CopyToTensorOrder(data);
        var pooled = VolumeLayout.Pool(data, TemplateShape, Preprocessing.Downsample);
        return Preprocessing.Grid is GridShape g ? VolumeLayout.CropOrPad(pooled, PooledShape, g) : pooled;
    }

    /// <summary>A volume on the file's grid to the model's grid (fit, pool, crop/pad), e.g. a mask to compare with a map there.</summary>
    public float[] FileToModel(NiftiVolume fileVolume) => TemplateToModel(VolumeIntake.Fit(fileVolume, Fit is GridFit.OwnGrid ? null : Template).Volume);

    /// <summary>A map on the model's grid (tensor order) back onto the template grid, as a volume with the template's affine.</summary>
    public NiftiVolume ModelToTemplate(float[] map)
    {
        if (map.LongLength != ModelShape.Length) throw new ArgumentException($"map has {map.LongLength} values, the model's grid {ModelShape} needs {ModelShape.Length}");
        // CropOrPad is its own inverse: its centring rounds the same way both ways (an odd extra voxel sits at the high end).
        var pooled = VolumeLayout.CropOrPad(map, ModelShape, PooledShape);
        var full = Trilinear.Unpool(pooled, PooledShape, TemplateShape, Preprocessing.Downsample);
        return NiftiVolume.FromTensorOrder(full, Template.Nx, Template.Ny, Template.Nz, Template.Affine);
    }

    /// <summary>A map on the model's grid back onto the file's own grid: the file's shape and affine.</summary>
    public NiftiVolume ModelToFile(float[] map)
    {
        var template = ModelToTemplate(map);
        return Fit is GridFit.Resampled
            ? Conform.Resample(template, File)
            : new NiftiVolume([File.Nx, File.Ny, File.Nz], template.Data, File.Affine);
    }
}
