using System.CommandLine;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Cli.Commands;

/// <summary>
/// <c>ilgpunet predict</c>: a trained checkpoint applied to new volumes (loose files or an OASIS folder),
/// conformed to MNI152 2 mm and normalised as in training; per scan and per subject.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "A checkpoint written by train (best.safetensors)", Required = true };
        var files = new Argument<string[]>("files") { Description = "Volumes (.nii, .nii.gz, .hdr)", Arity = ArgumentArity.ZeroOrMore };
        var data = new Option<DirectoryInfo?>("--data") { Description = "An OASIS layout folder instead of files (its CSV adds ages for the gap)" };
        var csv = new Option<FileInfo?>("--csv") { Description = "The CSV of --data (default: the CSV in --data)" };
        var outFile = new Option<FileInfo>("--out") { Description = "Per-scan predictions (per subject beside it: *_subjects.csv)", DefaultValueFactory = _ => new FileInfo("predictions.csv") };
        var batch = new Option<int>("--batch-size") { Description = "Volumes per forward pass", DefaultValueFactory = _ => 4 };
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var preprocessed = new Option<bool>("--preprocessed")
        {
            Description = "The volumes are already on the model's grid and normalised by your own pipeline: use them as they are (no conforming, pooling or normalisation)",
        };
        var command = new Command("predict", "Predict class probabilities (with their logits), age and the brain-age gap for new volumes")
        {
            checkpoint, files, data, csv, outFile, batch, device, precision, preprocessed,
        };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files) ?? [];
            var dataDir = parse.GetValue(data);
            if (paths.Length > 0 == dataDir is not null) throw new CliException("give either volume files or --data DIR");
            var ckpt = parse.GetValue(checkpoint)!.FullName;
            if (!File.Exists(ckpt)) throw new CliException($"{ckpt}: no such checkpoint");
            if (parse.GetValue(batch) < 1) throw new CliException("--batch-size must be at least 1");
            var warnings = new List<string>();
            var samples = dataDir is null ? Prediction.FromFiles(paths) : Prediction.FromDataset(dataDir.FullName, parse.GetValue(csv)?.FullName, warnings);
            foreach (var w in warnings) output.WriteLine($"warning: {w}");
            var card = RunCheckpoint.ReadCard(ckpt);
            int b = parse.GetValue(batch);
            CommonOptions.CheckBatch(RunModels.ModelConfig(card.Config), b, $"--batch-size {b}");
            var dev = CommonOptions.Open(parse.GetValue(device)!, parse.GetValue(precision)!);
            bool asGiven = parse.GetValue(preprocessed);
            if (asGiven) Prediction.CheckOnGrid(samples, RunModels.InputGrid(card.Config));
            var report = new DatasetReport();
            var predictions = CommonOptions.WithMemoryHint(() => Prediction.Run(ckpt, samples, dev, b, workers: 2, asGiven, report), dev, b, "--batch-size");
            string scans = parse.GetValue(outFile)!.FullName;
            string subjects = Path.Combine(Path.GetDirectoryName(scans)!, Path.GetFileNameWithoutExtension(scans) + "_subjects.csv");
            report.Write(Path.Combine(Path.GetDirectoryName(scans)!, Path.GetFileNameWithoutExtension(scans) + "_dataset-report.json"));
            output.WriteLine(report.Line());
            RunReports.WritePredictions(scans, predictions, card.Correction);
            RunReports.WritePredictions(subjects, SubjectPredictions.Average(predictions), card.Correction);
            output.WriteLine($"predict: {predictions.Count} scans of {predictions.Select(p => p.Sample.SubjectId).Distinct().Count()} subjects with {Path.GetFileName(ckpt)} " +
                             $"(task {card.Config.Task.Name()}, input {(asGiven ? $"as given on grid {card.Config.Grid}" : card.Preprocessing)}, " +
                             $"{CommonOptions.PrecisionText(dev)}) -> {scans}, {subjects}");
            return 0;
        });
        return command;
    }
}
