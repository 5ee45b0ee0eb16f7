using System.CommandLine;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Cli.Commands;

/// <summary>
/// <c>ilgpunet export</c>: a checkpoint's model as a plain PyTorch state_dict (safetensors) that
/// <c>load_state_dict(strict=True)</c> takes, with the model card beside it as JSON.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "A checkpoint written by train or import (best.safetensors)", Required = true };
        var outFile = new Option<FileInfo>("--out") { Description = "The state_dict to write (FILE.safetensors; the model card goes to FILE.json)", Required = true };
        var command = new Command("export", "Write a checkpoint's model as a PyTorch state_dict (safetensors) plus its model card (JSON)")
        {
            checkpoint, outFile,
        };
        command.SetAction(parse =>
        {
            string source = parse.GetValue(checkpoint)!.FullName;
            string destination = parse.GetValue(outFile)!.FullName;
            if (!File.Exists(source)) throw new CliException($"--checkpoint {source}: no such checkpoint");
            if (string.Equals(Path.GetExtension(destination), ".json", StringComparison.OrdinalIgnoreCase))
                throw new CliException($"--out {destination}: the state_dict cannot be a .json file (that name is its model card's)");
            if (Path.GetFullPath(destination) == Path.GetFullPath(source)) throw new CliException("--out must differ from --checkpoint");
            var result = ModelExport.Export(source, destination);
            output.WriteLine($"export: {result.Tensors} tensors -> {result.StateDict}, model card -> {result.Card}");
            foreach (var note in result.Notes) output.WriteLine($"note: {note}");
            return 0;
        });
        return command;
    }
}
