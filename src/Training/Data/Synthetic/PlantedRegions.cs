using System.IO.Compression;
using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Training.Data.Synthetic;

/// <summary>
/// Masks of the regions where <see cref="PlantedEffects"/> acts, on a cohort's grid, so anyone can check what a
/// model (or a saliency map) picked up: the brain mask, the hippocampi (medial-temporal atrophy with age and CDR),
/// the lateral and third ventricles (enlargement with age and CDR) and the cortex (thinning, sulcal widening).
/// They are drawn from the template anatomy at the cohort's mean head size without misregistration or motion (each
/// subject's own pose differs by about 1 mm): the hippocampi at their full, unatrophied size (atrophy happens inside
/// that outline), the ventricles at the size of a 75-year-old with CDR 1 (x3.0 the young template, so the
/// enlargement of most demented subjects lies inside). Voxels whose partial-volume fraction is at least one half are in.
/// Written as uint8 NIfTI (0/1) into <see cref="Folder"/> of the cohort, with the scans' affine.
/// </summary>
public static class PlantedRegions
{
    public const string Folder = "planted_regions";
    public const string Brain = "brain", Hippocampi = "hippocampi", Ventricles = "ventricles", Cortex = "cortex";

    /// <summary>The regions a dementia (CDR) model should look at, for the saliency check.</summary>
    public static readonly string[] DementiaRegions = [Hippocampi, Ventricles];

    /// <summary>Ventricle size of the mask relative to the young template: a 75-year-old with CDR 1.</summary>
    public static double VentricleFactor => PlantedEffects.VentricleAge(75) * PlantedEffects.VentricleCdr(1);

    public static string PathOf(string cohortDirectory, string region) => System.IO.Path.Combine(cohortDirectory, Folder, region + ".nii.gz");

    /// <summary>The masks (x fastest, 0 or 1) by name: brain, hippocampi, ventricles, cortex.</summary>
    public static IReadOnlyDictionary<string, byte[]> Render(SyntheticGrid grid)
    {
        double etiv = PlantedEffects.FemaleShare * PlantedEffects.Etiv(SyntheticSex.Female).Mean
                      + (1 - PlantedEffects.FemaleShare) * PlantedEffects.Etiv(SyntheticSex.Male).Mean;
        var anatomy = new SubjectAnatomy
        {
            SizeScale = Math.Cbrt(etiv / PhantomRenderer.TemplateVolumeMl), StretchY = 1, StretchZ = 1, EtivTarget = etiv,
            VentricleFactor = VentricleFactor, SulcalWidthMm = PlantedEffects.SulcalWidth(50), OuterCsfMm = PlantedEffects.OuterCsf(50),
            CortexThicknessMm = PlantedEffects.CortexThickness(50), HippocampusFactor = 1, ShapeAmplitudeMm = 0, ShapeSeed = 0, FoldSeed = 0,
            Misregistration = default, IntensityScale = 1, Bias = new double[9],
        };
        var fractions = PhantomRenderer.RenderRegions(anatomy, grid);
        return new Dictionary<string, byte[]>
        {
            [Brain] = Threshold(fractions.Brain),
            [Hippocampi] = Threshold(fractions.Hippocampus),
            [Ventricles] = Threshold(fractions.Ventricles),
            [Cortex] = Threshold(fractions.GreyMatter),
        };
    }

    /// <summary>Writes every mask into <c>DIR/planted_regions/NAME.nii.gz</c>.</summary>
    public static void Write(string cohortDirectory, SyntheticGrid grid)
    {
        Directory.CreateDirectory(System.IO.Path.Combine(cohortDirectory, Folder));
        var affine = grid.Affine();
        foreach (var (name, mask) in Render(grid))
            NiftiWriter.Write(PathOf(cohortDirectory, name),
                new NiftiVolume([grid.Nx, grid.Ny, grid.Nz], mask.Select(b => (float)b).ToArray(), affine),
                new NiftiWriteOptions
                {
                    DataType = NiftiDataType.UInt8, Slope = 1, XformCode = NiftiXform.Mni152, Compression = CompressionLevel.Fastest,
                    Description = $"ILGpuNet synthetic planted region: {name}",
                });
    }

    private static byte[] Threshold(float[] fraction) => fraction.Select(f => f >= 0.5f ? (byte)1 : (byte)0).ToArray();
}

/// <summary>Partial-volume fractions per voxel (x fastest) of the regions of one anatomy.</summary>
public sealed record RegionFractions(float[] Brain, float[] Hippocampus, float[] Ventricles, float[] GreyMatter);

public static partial class PhantomRenderer
{
    /// <summary>Where the regions of an anatomy lie on a grid (no pose, no noise): the brain mask and the tissue fractions.</summary>
    public static RegionFractions RenderRegions(SubjectAnatomy anatomy, SyntheticGrid grid)
    {
        var scan = new ScanNuisance { Motion = default, IntensityJitter = 1, NoiseSigma = 0, NoiseSeed = 0, BiasJitter = new double[9] };
        var setup = new Setup(anatomy, scan, grid, noise: false);
        var fractions = new RegionFractions(new float[grid.Voxels], new float[grid.Voxels], new float[grid.Voxels], new float[grid.Voxels]);
        Parallel.For(0, grid.Nz, k => setup.Regions(k, fractions));
        return fractions;
    }

    private sealed partial class Setup
    {
        public void Regions(int k, RegionFractions into)
        {
            for (int j = 0; j < ny; j++)
            {
                int row = (k * ny + j) * nx;
                float ux = m01 * j + m02 * k + b0, uy = m11 * j + m12 * k + b1, uz = m21 * j + m22 * k + b2;
                for (int i = 0; i < nx; i++, ux += m00, uy += m10, uz += m20)
                {
                    if (!Tissue(ux, uy, uz, out _, out float gm, out _, out _, out float vent, out float hip)) continue;
                    into.Brain[row + i] = 1;
                    into.Hippocampus[row + i] = hip;
                    into.Ventricles[row + i] = vent;
                    // The hippocampus is grey matter too; the cortex mask keeps the cortical part.
                    into.GreyMatter[row + i] = gm - hip;
                }
            }
        }
    }
}
