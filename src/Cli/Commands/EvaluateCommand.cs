using System.CommandLine;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Cli.Commands;

/// <summary><c>ilgpunet evaluate</c>: the best checkpoint of a run on one of its splits, per subject and per scan.</summary>
internal static class EvaluateCommand
{
    public static Command Create(TextWriter output)
    {
        var runDir = new Option<DirectoryInfo>("--run") { Description = "A run folder written by train", Required = true };
        var split = new Option<string>("--split") { Description = "Which split to evaluate", DefaultValueFactory = _ => "test" }
            .AcceptOnlyFromAmong("train", "val", "test");
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "best, last, or a checkpoint file of the same task (e.g. one made by import)",
            DefaultValueFactory = _ => "best",
        };
        var device = CommonOptions.Device();
        var command = new Command("evaluate", "Evaluate a run's checkpoint on its train, val or test split (per subject and per scan)")
        {
            runDir, split, checkpoint, device,
        };
        command.SetAction(parse =>
        {
            var run = new RunFolder(parse.GetValue(runDir)!.FullName);
            if (!File.Exists(run.Config)) throw new CliException($"{run.Config}: not found; --run takes a folder written by train");
            var config = TrainConfig.Read(run.Config);
            string which = parse.GetValue(checkpoint)!;
            string path = which switch { "best" => run.BestCheckpoint, "last" => run.LastCheckpoint, _ => Path.GetFullPath(which) };
            if (!File.Exists(path))
                throw new CliException(which is "best" or "last" ? $"{path}: not found; the run has not finished an epoch yet" : $"--checkpoint {path}: no such checkpoint");
            var part = parse.GetValue(split) switch { "train" => Split.Train, "val" => Split.Val, _ => Split.Test };
            CommonOptions.CheckBatch(RunModels.ModelConfig(config), config.BatchSize, $"the run's batch size {config.BatchSize} ({run.Config})");
            var dev = CommonOptions.Open(parse.GetValue(device)!);
            var result = CommonOptions.WithMemoryHint(() => RunEvaluation.Evaluate(run, config, path, part, dev), dev, config.BatchSize, "batch size of the run");
            foreach (var w in result.Warnings) output.WriteLine($"warning: {w}");
            output.WriteLine(RunReports.SummaryText(result.Summary));
            output.WriteLine($"wrote {result.PredictionsPath} and {result.SubjectPredictionsPath}");
            return 0;
        });
        return command;
    }
}
