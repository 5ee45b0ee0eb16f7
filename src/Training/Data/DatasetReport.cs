using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ILGpuNet.Training.IO;

namespace ILGpuNet.Training.Data;

/// <summary>
/// What a dataset turned out to hold, from the <see cref="VolumeFindings"/> of every volume read
/// (<see cref="NiftiVolumeSource"/> adds them as the loader reads; a path read again replaces its entry, so caching
/// and repeated epochs count each file once). Thread-safe. <see cref="Summarise"/> gives counts per datatype, shape,
/// voxel size, affine source and grid fit, the value range, the non-finite voxels set to 0, the integer- and
/// label-valued volumes, and notes on what may not be what the model expects; <see cref="Write"/> puts it with every
/// volume's entry into a JSON file (dataset-report.json of a run) and <see cref="Line"/> says it in one line.
/// </summary>
public sealed class DatasetReport
{
    private readonly ConcurrentDictionary<string, VolumeFindings> findings = new(StringComparer.Ordinal);

    public void Add(VolumeFindings volume) => findings[volume.Path] = volume;

    public int Count => findings.Count;

    public IReadOnlyList<VolumeFindings> Findings => findings.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();

    public DatasetSummary Summarise()
    {
        var all = Findings;
        var finite = all.Where(f => !double.IsNaN(f.Min)).ToList();
        var notes = new List<string>();
        int labels = all.Count(f => f.LabelValued);
        if (labels > 0)
            notes.Add($"{labels} volume(s) hold at most {VolumeFindings.LabelValues} distinct whole numbers (a label map, e.g. a segmentation, not intensities): check that these are the images the model should see");
        int mostlyNonFinite = all.Count(f => f.NonFinite * 2 > f.Voxels);
        if (mostlyNonFinite > 0) notes.Add($"{mostlyNonFinite} volume(s) are more than half NaN or infinite (set to 0)");
        int assumed = all.Count(f => f.Fit == GridFit.AssumedOnGrid);
        if (assumed > 0) notes.Add($"{assumed} volume(s) have no orientation in their header (sform and qform codes 0) but the grid's shape: taken to be on the grid");
        if (all.Select(f => f.DataType).Distinct().Count() > 1) notes.Add("the volumes have different datatypes");
        if (finite.Count > 1 && finite.Max(f => f.Max) > 20 * Math.Max(1e-12, finite.Min(f => f.Max)))
            notes.Add($"the largest values differ by more than 20x between volumes ({finite.Min(f => f.Max):G4} to {finite.Max(f => f.Max):G4}): fine with per-volume z-scoring, not without normalisation");
        int multi = all.Count(f => f.Shape.Length > 3 && f.Shape[3] > 1);
        if (multi > 0) notes.Add($"{multi} file(s) are 4D: their first volume was used");
        return new DatasetSummary
        {
            Volumes = all.Count,
            DataTypes = Counts(all, f => f.DataType),
            Shapes = Counts(all, f => string.Join("x", f.Shape)),
            VoxelSizesMm = Counts(all, f => string.Join("x", f.Zooms.Select(z => z.ToString("0.###", CultureInfo.InvariantCulture)))),
            AffineSources = Counts(all, f => f.AffineSource),
            OnGrid = all.Count(f => f.Fit is GridFit.OnGrid or GridFit.OwnGrid),
            Resampled = all.Count(f => f.Fit == GridFit.Resampled),
            AssumedOnGrid = assumed,
            Min = finite.Count > 0 ? finite.Min(f => f.Min) : double.NaN,
            Max = finite.Count > 0 ? finite.Max(f => f.Max) : double.NaN,
            VolumesWithNonFinite = all.Count(f => f.NonFinite > 0),
            NaNVoxels = all.Sum(f => f.NaN),
            InfiniteVoxels = all.Sum(f => f.Infinite),
            IntegerValued = all.Count(f => f.IntegerValued),
            LabelValued = labels,
            Notes = notes,
            Files = all.Select(f => new DatasetFile(f.Path, f.DataType, f.Shape, f.Zooms, f.AffineSource, Fit(f.Fit), f.Min, f.Max, f.NonZero, f.NaN, f.Infinite, f.IntegerValued, f.LabelValued)).ToList(),
        };
    }

    /// <summary>One line: volumes, datatypes, shapes, how many were resampled, value range, non-finite voxels; notes after a semicolon.</summary>
    public string Line(string what = "data")
    {
        var s = Summarise();
        static string List(IReadOnlyDictionary<string, int> counts) => string.Join(", ", counts.Select(c => $"{c.Key} ({c.Value})"));
        var line = $"{what}: {s.Volumes} volume(s); {List(s.DataTypes)}; {List(s.Shapes)} at {List(s.VoxelSizesMm)} mm; "
                   + $"{s.OnGrid} on the grid, {s.Resampled} resampled" + (s.AssumedOnGrid > 0 ? $", {s.AssumedOnGrid} assumed on it" : "")
                   + string.Create(CultureInfo.InvariantCulture, $"; values {s.Min:G4} to {s.Max:G4}")
                   + (s.VolumesWithNonFinite > 0 ? $"; {s.NaNVoxels + s.InfiniteVoxels} non-finite voxel(s) in {s.VolumesWithNonFinite} volume(s) set to 0" : "; no NaN")
                   + (s.LabelValued > 0 ? $"; {s.LabelValued} label-valued" : "");
        return s.Notes.Count == 0 ? line : line + $" (note: {string.Join("; ", s.Notes)})";
    }

    /// <summary>The summary with every volume's entry as JSON, written atomically.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(Summarise(), Json));

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static string Fit(GridFit fit) => fit switch
    {
        GridFit.OnGrid => "on_grid",
        GridFit.Resampled => "resampled",
        GridFit.AssumedOnGrid => "assumed_on_grid",
        _ => "own_grid",
    };

    private static SortedDictionary<string, int> Counts(IEnumerable<VolumeFindings> all, Func<VolumeFindings, string> key) =>
        new(all.GroupBy(key).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);
}

/// <summary>The dataset part of <see cref="DatasetReport"/> (dataset-report.json).</summary>
public sealed record DatasetSummary
{
    public int Volumes { get; init; }
    public required IReadOnlyDictionary<string, int> DataTypes { get; init; }
    public required IReadOnlyDictionary<string, int> Shapes { get; init; }
    public required IReadOnlyDictionary<string, int> VoxelSizesMm { get; init; }
    public required IReadOnlyDictionary<string, int> AffineSources { get; init; }
    public int OnGrid { get; init; }
    public int Resampled { get; init; }
    public int AssumedOnGrid { get; init; }
    public double Min { get; init; }
    public double Max { get; init; }
    public int VolumesWithNonFinite { get; init; }
    [JsonPropertyName("nan_voxels")] public long NaNVoxels { get; init; }
    public long InfiniteVoxels { get; init; }
    public int IntegerValued { get; init; }
    public int LabelValued { get; init; }
    public required IReadOnlyList<string> Notes { get; init; }
    public required IReadOnlyList<DatasetFile> Files { get; init; }
}

/// <summary>One volume's entry in dataset-report.json.</summary>
public sealed record DatasetFile(string Path, string DataType, int[] Shape, double[] VoxelSizeMm, string AffineSource, string Fit,
    double Min, double Max, long NonZero, [property: JsonPropertyName("nan")] long NaN, long Infinite, bool IntegerValued, bool LabelValued);
