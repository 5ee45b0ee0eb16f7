using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// Applies a trained checkpoint to volumes it has not seen: each volume is conformed to the MNI152 2 mm
/// grid (when its geometry differs), preprocessed exactly as in training (the checkpoint's model card),
/// and run through the model in evaluation mode. Labels, where a CSV gives them, only feed the gap columns.
/// </summary>
public static class Prediction
{
    /// <summary>Samples for loose files: the OASIS name gives subject and session where it follows the layout.</summary>
    public static IReadOnlyList<RunSample> FromFiles(IEnumerable<string> files) => files.Select(f =>
    {
        if (!File.Exists(f)) throw new FileNotFoundException($"{f}: no such file");
        var scan = OasisLayout.ParseFileName(f);
        string id = scan?.SubjectId ?? VolumeName(f);
        return new RunSample(Path.GetFullPath(f), id, scan?.SessionId ?? id, -1, -1, float.NaN);
    }).ToList();

    /// <summary>Every scan of an OASIS folder with its CSV labels (age, sex, CDR) where the CSV has them.</summary>
    public static IReadOnlyList<RunSample> FromDataset(string root, string? csv, List<string> warnings)
    {
        var dataset = OasisDataset.Load(root, csv, new OasisOptions { Task = OasisTask.Cdr });
        warnings.AddRange(dataset.Warnings);
        return dataset.Samples.Select(RunSample.Of).ToList();
    }

    /// <summary>
    /// Predictions of <paramref name="checkpoint"/> for <paramref name="samples"/>, in sample order. With
    /// <paramref name="preprocessed"/> the volumes are taken as they are (already on the model's grid and normalised by
    /// the user's own pipeline): no conforming, pooling or normalisation, and every file's shape is checked against the
    /// grid before any work. What each volume turned out to be goes to <paramref name="report"/> when given.
    /// </summary>
    public static List<ScanPrediction> Run(string checkpoint, IReadOnlyList<RunSample> samples, Device device, int batchSize, int workers,
        bool preprocessed = false, DatasetReport? report = null)
    {
        if (samples.Count == 0) throw new UserErrorException("nothing to predict: give volume files or --data");
        var card = RunCheckpoint.ReadCard(checkpoint);
        var grid = RunModels.InputGrid(card.Config);
        if (preprocessed) CheckOnGrid(samples, grid);
        using var model = RunModels.Create(card.Config, device, new RandomSource(card.Config.Seed));
        RunCheckpoint.Load(checkpoint, model, null);
        using var loader = preprocessed
            ? RunData.EvaluationLoader(samples, new NiftiVolumeSource(null, report), VolumePreprocessing.Given(grid), batchSize, workers)
            : RunData.EvaluationLoader(samples, new NiftiVolumeSource(RunModels.ConformGrid(card.Config), report),
                VolumePreprocessing.Parse(card.Preprocessing), batchSize, workers);
        return Evaluator.Run(model, loader, samples, null, card.AgeScale, device).Predictions;
    }

    /// <summary>
    /// --preprocessed: every volume (its first, for a 4D file) must have the model's grid as its (x, y, z) shape;
    /// the files that do not are named with their shapes, from their headers alone.
    /// </summary>
    public static void CheckOnGrid(IReadOnlyList<RunSample> samples, GridShape grid)
    {
        var off = new List<string>();
        foreach (var s in samples)
        {
            var shape = NiftiReader.ReadHeader(s.Path).Shape;
            if (shape.Length < 3 || shape[0] != grid.D || shape[1] != grid.H || shape[2] != grid.W) off.Add($"{s.Path} has shape {NiftiHeader.FormatShape(shape)}");
        }
        if (off.Count > 0)
            throw new UserErrorException($"--preprocessed takes volumes already on the model's grid {grid}: {string.Join("; ", off)} " +
                                         "(leave out --preprocessed to conform, pool and normalise them as in training)");
    }

    private static string VolumeName(string path)
    {
        var name = Path.GetFileName(path);
        foreach (var ext in new[] { ".nii.gz", ".hdr.gz", ".nii", ".hdr" })
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) return name[..^ext.Length];
        return name;
    }
}
