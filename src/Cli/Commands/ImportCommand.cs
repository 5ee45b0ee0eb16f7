using System.CommandLine;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Cli.Commands;

/// <summary>
/// <c>ilgpunet import</c>: a PyTorch state_dict of the reference model (safetensors) as a checkpoint that
/// predict, evaluate and <c>train --init</c> take. The options say what the state_dict cannot: the head's
/// form, the grid, the task and the preprocessing the weights were trained with.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(TextWriter output)
    {
        var d = new TrainConfig();
        var stateDict = new Option<FileInfo>("--state-dict") { Description = "safetensors.torch.save_file(model.state_dict(), FILE) of the seed's EfficeientNet3d", Required = true };
        var config = new Option<string>("--config")
        {
            Description = "reference: the seed's model (no activation between the classifier's Linear layers); default: ours (SiLU between them)",
            DefaultValueFactory = _ => "reference",
        }.AcceptOnlyFromAmong("reference", "default");
        var grid = new Option<string>("--grid") { Description = "Input grid DxHxW the weights were trained on", DefaultValueFactory = _ => d.Grid };
        var downsample = new Option<int>("--downsample") { Description = "Average-pool factor applied to MNI152 2 mm volumes before the grid", DefaultValueFactory = _ => d.Downsample };
        var width = new Option<double>("--width-mult") { Description = "Width multiplier of the model (1: the reference)", DefaultValueFactory = _ => 1.0 };
        var depth = new Option<double>("--depth-mult") { Description = "Depth multiplier of the model (1: the reference)", DefaultValueFactory = _ => 1.0 };
        var task = new Option<string?>("--task") { Description = "cdr, sex, age or brainage (default: from the heads: one output is age, age_head.* is brainage, else cdr)" }
            .AcceptOnlyFromAmong([.. RunChoices.Task.Names]);
        var brainAgeClass = CommonOptions.Choice("--brainage-class", "brainage: the class head's label", RunChoices.ClassLabel, d.BrainAgeClass);
        var classes = new Option<int?>("--classes") { Description = "Outputs of the classification head (ilgpunet's tasks have 2)" };
        var normalization = CommonOptions.Choice("--normalization", "The intensity normalisation the weights were trained with",
            RunChoices.Normalization, d.Normalization);
        var ageMean = new Option<double>("--age-mean") { Description = "age heads: age = output x --age-std + --age-mean (default: the output is years)", DefaultValueFactory = _ => 0 };
        var ageStd = new Option<double>("--age-std") { Description = "age heads: see --age-mean", DefaultValueFactory = _ => 1 };
        var outFile = new Option<FileInfo>("--out") { Description = "The checkpoint to write (CKPT.safetensors, with CKPT.json beside it)", Required = true };
        var command = new Command("import", "Turn a PyTorch state_dict of the reference model (safetensors) into a checkpoint for predict, evaluate and train --init")
        {
            stateDict, config, grid, downsample, width, depth, task, brainAgeClass, classes, normalization, ageMean, ageStd, outFile,
        };
        command.SetAction(parse =>
        {
            string source = parse.GetValue(stateDict)!.FullName;
            string destination = parse.GetValue(outFile)!.FullName;
            if (!File.Exists(source)) throw new CliException($"--state-dict {source}: no such file");
            if (string.Equals(Path.GetExtension(destination), ".json", StringComparison.OrdinalIgnoreCase))
                throw new CliException($"--out {destination}: a checkpoint cannot be a .json file (that name is its sidecar's)");
            if (Path.GetFullPath(destination) == Path.GetFullPath(source)) throw new CliException("--out must differ from --state-dict");
            var taskValue = parse.GetValue(task) is { } t ? RunChoices.Task.Parse(t) : ModelImport.InferTask(source);
            if (parse.GetValue(classes) is int k)
            {
                if (!taskValue.Classifies(d.BrainAgeClass).HasValue)
                    throw new CliException($"--classes {k}: task {taskValue.Name()} has no classification head");
                if (k != 2) throw new CliException($"--classes {k}: ilgpunet's classification tasks (cdr, sex, brainage) have 2 classes");
            }
            double std = parse.GetValue(ageStd);
            if (!(std > 0) || !double.IsFinite(std)) throw new CliException($"--age-std must be positive, got {std}");
            var imported = new TrainConfig
            {
                Task = taskValue,
                BrainAgeClass = parse.GetChoice(brainAgeClass, RunChoices.ClassLabel),
                Grid = parse.GetValue(grid)!,
                Downsample = parse.GetValue(downsample),
                WidthMult = parse.GetValue(width),
                DepthMult = parse.GetValue(depth),
                ReferenceHead = parse.GetValue(config) == "reference",
                Normalization = parse.GetChoice(normalization, RunChoices.Normalization),
            };
            imported.Validate();
            var result = ModelImport.Import(source, destination, imported, new AgeScale(parse.GetValue(ageMean), std));
            output.WriteLine($"import: {result.Tensors} tensors ({result.Parameters:N0} parameters) of {Path.GetFileName(source)} as task {taskValue.Name()}, " +
                             $"{parse.GetValue(config)} head, input {result.Card.Preprocessing} -> {destination}");
            return 0;
        });
        return command;
    }
}
