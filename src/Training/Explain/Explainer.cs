using System.Globalization;
using System.IO.Compression;
using System.Text;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Nifti;
using ILGpuNet.Training.IO;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Training.Explain;

/// <summary>What <see cref="Explainer.Run"/> does: the checkpoint, the volumes, where to write, how, and the optional group mean and region check.</summary>
public sealed record ExplainRequest
{
    public required string Checkpoint { get; init; }
    public required IReadOnlyList<string> Files { get; init; }
    public required string OutputDirectory { get; init; }
    public SaliencyOptions Options { get; init; } = new();

    /// <summary>Also the mean map over all volumes, on the template grid (each map scaled to sum 1 first, so every volume weighs the same).</summary>
    public bool Mean { get; init; }

    /// <summary>A folder of masks (brain.nii.gz and regions, e.g. a synthetic cohort's planted_regions/) on the volumes' grid: each map's share of mass per region.</summary>
    public string? Regions { get; init; }

    /// <summary>Regions whose union is reported too (default: see <see cref="RegionMasks.Load"/>).</summary>
    public IReadOnlyList<string>? Union { get; init; }

    /// <summary>Leave out the per-volume figures (many volumes with --mean).</summary>
    public bool NoFigures { get; init; }
}

/// <summary>One volume's map: where it was written, how the volume was fitted, the peak (file voxels) and the region shares.</summary>
public sealed record ExplainedVolume(string Path, string MapPath, string? FigurePath, GridFit Fit, (int X, int Y, int Z) Peak, IReadOnlyList<RegionShare>? Shares);

public sealed record ExplainResult(IReadOnlyList<ExplainedVolume> Volumes, string? MeanMapPath, string? MeanFigurePath, IReadOnlyList<RegionShare>? MeanShares);

/// <summary>
/// <c>ilgpunet explain</c>'s work: loads a training checkpoint, takes each volume exactly as prediction does (intake,
/// fit to the template grid, the model card's preprocessing), computes its saliency map (<see cref="Saliency"/>) and
/// writes it back in the file's own space (<see cref="InputSpace"/>) as NIfTI (<c>NAME_METHOD.nii.gz</c>, the file's
/// shape, affine and xform code) with a PNG of three slices through its peak (<see cref="SaliencyFigure"/>). With
/// <see cref="ExplainRequest.Mean"/> the maps are also averaged on the template grid (<c>mean_METHOD.nii.gz</c> and
/// .png over the mean scan); with <see cref="ExplainRequest.Regions"/> each map's mass share per region goes to
/// <c>regions.csv</c>.
/// </summary>
public static class Explainer
{
    public static ExplainResult Run(ExplainRequest request, Device device, Action<string>? log = null)
    {
        if (request.Files.Count == 0) throw new UserErrorException("nothing to explain: give volume files or --data");
        if (request.Options.Problem() is { } problem) throw new UserErrorException(problem);
        var card = RunCheckpoint.ReadCard(request.Checkpoint);
        var modelConfig = RunModels.ModelConfig(card.Config);
        if (Saliency.TargetProblem(modelConfig, request.Options) is { } target) throw new UserErrorException($"{request.Checkpoint}: {target}");
        var regions = request.Regions is null ? null : RegionMasks.Load(request.Regions, request.Union);
        using var model = RunModels.Create(card.Config, device, new RandomSource(card.Config.Seed));
        RunCheckpoint.Load(request.Checkpoint, model, null);
        var preprocessing = VolumePreprocessing.Parse(card.Preprocessing);
        var template = RunModels.ConformGrid(card.Config);
        var options = request.Options;
        string method = options.Method.Name();
        Directory.CreateDirectory(request.OutputDirectory);

        var volumes = new List<ExplainedVolume>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        double[]? meanMap = null, meanScan = null;
        int chunk = options.Method == SaliencyMethod.SmoothGrad ? 1 : options.BatchSize;
        for (int start = 0; start < request.Files.Count; start += chunk)
        {
            var paths = request.Files.Skip(start).Take(chunk).ToList();
            var intakes = paths.Select(p => VolumeIntake.Read(p, template)).ToList();
            var spaces = intakes.Select(v => InputSpace.Of(v, preprocessing)).ToList();
            var inputs = intakes.Select((v, i) => Prepare(v.Volume, spaces[i], preprocessing)).ToList();
            var maps = Saliency.Compute(model, inputs, options, device);
            for (int i = 0; i < paths.Count; i++)
            {
                var (intake, space, map) = (intakes[i], spaces[i], maps[i]);
                string name = Unique(names, VolumeName(paths[i]));
                var fileMap = space.ModelToFile(map);
                string mapPath = Path.Combine(request.OutputDirectory, $"{name}_{method}.nii.gz");
                NiftiWriter.Write(mapPath, fileMap, MapOptions(XformCodeOf(intake.Original.Header), $"ilgpunet {method} saliency"));
                string? figure = null;
                if (!request.NoFigures)
                {
                    figure = Path.Combine(request.OutputDirectory, $"{name}_{method}.png");
                    SaliencyFigure.Write(figure, intake.Original, fileMap, $"{name}: {Describe(options)}");
                }
                IReadOnlyList<RegionShare>? shares = null;
                if (regions is not null)
                {
                    if (!regions.Matches(fileMap))
                        throw new UserErrorException($"{paths[i]}: its grid ({space.File}) is not the grid of the --regions masks ({VoxelGrid.Of(regions.Brain)})");
                    shares = regions.Shares(fileMap);
                }
                if (request.Mean)
                {
                    var templateMap = space.ModelToTemplate(map).Data;
                    double sum = templateMap.Sum(v => (double)v);
                    meanMap ??= new double[templateMap.Length];
                    meanScan ??= new double[templateMap.Length];
                    for (int v = 0; v < templateMap.Length; v++)
                    {
                        meanMap[v] += sum > 0 ? templateMap[v] / sum : 0;
                        meanScan[v] += intake.Volume.Data[v];
                    }
                }
                var explained = new ExplainedVolume(paths[i], mapPath, figure, intake.Findings.Fit, SaliencyFigure.Peak(fileMap, intake.Original), shares);
                volumes.Add(explained);
                log?.Invoke($"{name}: {method} map -> {Path.GetFileName(mapPath)}" + (intake.Findings.Fit == GridFit.Resampled ? " (resampled back onto the file's grid)" : "")
                            + (shares is null ? "" : $"; {shares[^1]}"));
            }
        }

        string? meanPath = null, meanFigure = null;
        IReadOnlyList<RegionShare>? meanShares = null;
        if (meanMap is not null && meanScan is not null)
        {
            int n = volumes.Count;
            var mapVolume = new NiftiVolume([template.Nx, template.Ny, template.Nz], meanMap.Select(v => (float)(v / n)).ToArray(), template.Affine);
            var scanVolume = new NiftiVolume([template.Nx, template.Ny, template.Nz], meanScan.Select(v => (float)(v / n)).ToArray(), template.Affine);
            meanPath = Path.Combine(request.OutputDirectory, $"mean_{method}.nii.gz");
            NiftiWriter.Write(meanPath, mapVolume, MapOptions(NiftiXform.Mni152, $"ilgpunet mean {method} saliency, {n} volumes"));
            meanFigure = Path.Combine(request.OutputDirectory, $"mean_{method}.png");
            SaliencyFigure.Write(meanFigure, scanVolume, mapVolume, $"mean of {n}: {Describe(options)}");
            if (regions is not null && regions.Matches(mapVolume)) meanShares = regions.Shares(mapVolume);
            log?.Invoke($"mean of {n} maps (template grid {template}) -> {Path.GetFileName(meanPath)}" + (meanShares is null ? "" : $"; {meanShares[^1]}"));
        }
        if (regions is not null) WriteRegions(Path.Combine(request.OutputDirectory, "regions.csv"), volumes);
        return new ExplainResult(volumes, meanPath, meanFigure, meanShares);
    }

    /// <summary>The model's input for a volume fitted to the template grid: pooled, cropped or padded, normalised as in training.</summary>
    public static float[] Prepare(NiftiVolume fitted, InputSpace space, VolumePreprocessing preprocessing)
    {
        var data = new float[fitted.VolumeVoxels];
        fitted.CopyToTensorOrder(data);
        return preprocessing.Prepare(new TensorVolume(data, space.TemplateShape)).Data;
    }

    public static string Describe(SaliencyOptions o) =>
        o.Method.Name() + (o.Target == SaliencyTarget.Age ? ", age" : $", class {o.Class}")
        + (o.Method == SaliencyMethod.SmoothGrad ? $", {o.Samples} samples, noise {o.Noise:0.###}" : "");

    private static NiftiWriteOptions MapOptions(int xform, string description) => new()
    {
        XformCode = xform, Compression = CompressionLevel.Fastest, Description = description.Length > 79 ? description[..79] : description,
    };

    /// <summary>The file's own xform code (sform's, else qform's; 0 when it has none), so the map claims the same space.</summary>
    private static int XformCodeOf(NiftiHeader? header) =>
        header is null ? NiftiXform.AlignedAnat : header.SformCode > 0 ? header.SformCode : header.QformCode;

    private static void WriteRegions(string path, IReadOnlyList<ExplainedVolume> volumes)
    {
        var text = new StringBuilder("volume,region,mass_share,volume_share,factor\n");
        foreach (var v in volumes)
            foreach (var s in v.Shares ?? [])
                text.Append(CultureInfo.InvariantCulture, $"{Path.GetFileName(v.Path)},{s.Region},{s.MassShare:G6},{s.VolumeShare:G6},{s.Factor:G6}\n");
        AtomicFile.WriteAllText(path, text.ToString());
    }

    private static string Unique(HashSet<string> used, string name)
    {
        string candidate = name;
        for (int k = 2; !used.Add(candidate); k++) candidate = $"{name}-{k}";
        return candidate;
    }

    public static string VolumeName(string path)
    {
        var name = Path.GetFileName(path);
        foreach (var ext in new[] { ".nii.gz", ".hdr.gz", ".img.gz", ".nii", ".hdr", ".img" })
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) return name[..^ext.Length];
        return name;
    }
}
