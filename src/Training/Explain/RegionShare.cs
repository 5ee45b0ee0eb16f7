using ILGpuNet.Training.Data.Nifti;
using ILGpuNet.Training.Data.Synthetic;

namespace ILGpuNet.Training.Explain;

/// <summary>
/// How much of a saliency map's mass lies in a region against how much of the brain the region is:
/// <see cref="MassShare"/> = sum of the map over the region / sum over the brain, <see cref="VolumeShare"/> = region
/// voxels / brain voxels (both within the brain mask). A map that ignores the region has a factor near 1 (uniform) or
/// below; a map that concentrates on it has a factor well above 1. Masks count a voxel in when its value exceeds 0.5.
/// </summary>
public readonly record struct RegionShare(string Region, double MassShare, double VolumeShare)
{
    public double Factor => MassShare / VolumeShare;

    public override string ToString() =>
        $"{Region}: {100 * MassShare:0.0} % of the map's mass in {100 * VolumeShare:0.0} % of the brain (x{Factor:0.0})";

    /// <summary>The share of <paramref name="map"/>'s mass in <paramref name="region"/>, all three on one grid.</summary>
    public static RegionShare Of(string name, ReadOnlySpan<float> map, ReadOnlySpan<float> region, ReadOnlySpan<float> brain)
    {
        if (map.Length != region.Length || map.Length != brain.Length)
            throw new ArgumentException($"map ({map.Length} voxels), region {name} ({region.Length}) and brain ({brain.Length}) must lie on one grid");
        double inside = 0, total = 0;
        long regionVoxels = 0, brainVoxels = 0;
        for (int i = 0; i < map.Length; i++)
        {
            if (brain[i] <= 0.5f) continue;
            brainVoxels++;
            double m = Math.Abs(map[i]);
            total += m;
            if (region[i] > 0.5f)
            {
                regionVoxels++;
                inside += m;
            }
        }
        return new RegionShare(name, total > 0 ? inside / total : 0, brainVoxels > 0 ? (double)regionVoxels / brainVoxels : double.NaN);
    }
}

/// <summary>
/// Masks read from a folder of NIfTI files (<c>synth</c> writes <c>planted_regions/</c>): <c>brain.nii.gz</c> and one
/// file per region, plus the union of several regions (named by its parts joined with '+'): the ones asked for, else
/// the hippocampi and ventricles where the folder has them (the regions of the synthetic cohort's dementia effect),
/// else every region.
/// </summary>
public sealed class RegionMasks
{
    public const string BrainName = "brain";

    private RegionMasks(NiftiVolume brain, IReadOnlyList<(string Name, float[] Mask)> regions)
    {
        Brain = brain;
        Regions = regions;
    }

    public NiftiVolume Brain { get; }

    /// <summary>Every region by name (file name without extension), then the union when it has more than one part.</summary>
    public IReadOnlyList<(string Name, float[] Mask)> Regions { get; }

    public static RegionMasks Load(string directory, IReadOnlyList<string>? union = null)
    {
        string brainPath = Path.Combine(directory, BrainName + ".nii.gz");
        if (!File.Exists(brainPath)) throw new NiftiException(brainPath, "no brain mask: --regions needs a folder with brain.nii.gz and one mask per region (synth writes planted_regions/)");
        var brain = NiftiReader.Read(brainPath);
        var regions = new List<(string Name, float[] Mask)>();
        foreach (var file in Directory.GetFiles(directory, "*.nii.gz").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(file)[..^".nii.gz".Length];
            if (name == BrainName) continue;
            var mask = NiftiReader.Read(file);
            if (mask.Nx != brain.Nx || mask.Ny != brain.Ny || mask.Nz != brain.Nz)
                throw new NiftiException(file, $"shape {mask.Nx}x{mask.Ny}x{mask.Nz} differs from the brain mask's {brain.Nx}x{brain.Ny}x{brain.Nz}");
            regions.Add((name, mask.Data));
        }
        if (regions.Count == 0) throw new NiftiException(directory, "no region masks beside brain.nii.gz");
        var names = regions.Select(r => r.Name).ToList();
        var parts = union is { Count: > 0 } ? union
            : PlantedRegions.DementiaRegions.All(names.Contains) ? PlantedRegions.DementiaRegions
            : names;
        foreach (var part in parts)
            if (!names.Contains(part)) throw new NiftiException(directory, $"no mask {part}.nii.gz for the union (masks: {string.Join(", ", names)})");
        if (parts.Count > 1)
        {
            var combined = new float[brain.VolumeVoxels];
            foreach (var (_, mask) in regions.Where(r => parts.Contains(r.Name)))
                for (int i = 0; i < combined.Length; i++) if (mask[i] > 0.5f) combined[i] = 1;
            regions.Add((string.Join("+", parts), combined));
        }
        return new RegionMasks(brain, regions);
    }

    /// <summary>Whether a map on this grid (shape; affines within 1e-3 mm) can be compared with the masks.</summary>
    public bool Matches(NiftiVolume map) =>
        map.Nx == Brain.Nx && map.Ny == Brain.Ny && map.Nz == Brain.Nz && NiftiAffine.MaxDifference(map.Affine, Brain.Affine) <= 1e-3;

    public IReadOnlyList<RegionShare> Shares(NiftiVolume map) =>
        Regions.Select(r => RegionShare.Of(r.Name, map.Data.AsSpan(0, map.VolumeVoxels), r.Mask, Brain.Data)).ToList();
}
