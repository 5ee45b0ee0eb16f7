using System.Globalization;
using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Checkpoints;
using ILGpuNet.Training.IO;

namespace ILGpuNet.Training.Runs;

/// <summary>What <c>export</c> wrote, and where the model departs from the seed's <c>EfficeientNet3d</c>.</summary>
public sealed record ExportResult(string StateDict, string Card, int Tensors, IReadOnlyList<string> Notes);

/// <summary>
/// A checkpoint's model as a plain PyTorch state_dict: the parameters and buffers alone under the seed's names,
/// float32, <c>num_batches_tracked</c> as a 0-dim int64, no metadata (exactly what
/// <c>safetensors.torch.save_file(model.state_dict(), path)</c> writes), so <c>load_state_dict(strict=True)</c>
/// takes it; the model card (task, grid, preprocessing, age scale, correction) goes beside it as JSON.
/// </summary>
public static class ModelExport
{
    public static ExportResult Export(string checkpoint, string destination)
    {
        if (string.Equals(Path.GetExtension(destination), ".json", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{destination}: the state_dict cannot be a .json file (that name is its model card's)");
        string card = Checkpoint.SidecarPath(destination);
        var modelCard = RunCheckpoint.ReadCard(checkpoint);
        using var model = RunModels.Create(modelCard.Config, Device.Cpu, new RandomSource(modelCard.Config.Seed));
        RunCheckpoint.Load(checkpoint, model, null);
        Checkpoint.SaveStateDict(model, destination);
        AtomicFile.WriteAllText(card, modelCard.ToJson() + "\n");
        return new ExportResult(destination, card, model.NamedParameters().Count() + model.NamedBuffers().Count(), Notes(model.Config, modelCard));
    }

    /// <summary>Where the seed's model, as its training script builds it, would not reproduce this one.</summary>
    public static IReadOnlyList<string> Notes(EfficientNet3dConfig config, ModelCard card)
    {
        var notes = new List<string>();
        var reference = EfficientNet3dConfig.Reference();
        if (config.Grid != reference.Grid)
            notes.Add($"grid {config.GridText}: the seed's classifier is built for 91x109x91 (Linear({reference.HeadInputs}, 400)); this one takes {config.HeadInputs} inputs");
        if (config.WidthMultiplier != 1 || config.DepthMultiplier != 1)
            notes.Add($"width x{config.WidthMultiplier}, depth x{config.DepthMultiplier}: the seed's model has the reference's channels and repeats");
        if (config.ClassifierActivation)
            notes.Add("SiLU between the classifier's Linear layers (our default): the seed's classifier has none, so add nn.SiLU() after classifier[1] and classifier[2] to reproduce the predictions");
        if (config.Heads == ModelHeads.Double)
            notes.Add("a second head age_head.* (brainage): the seed's model has no such module; load with strict=False or add it");
        if (card.Config.Task.PredictsAge() && (card.AgeScale.Mean != 0 || card.AgeScale.Std != 1))
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"the age head predicts standardised years: age = output x {card.AgeScale.Std:G6} + {card.AgeScale.Mean:G6} (age_scale in the card)"));
        notes.Add($"input: {card.Preprocessing} after conforming to MNI152 2 mm (the card's preprocessing)");
        return notes;
    }
}
