using System.Text.Json;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Training.Checkpoints;
using ILGpuNet.Training.Data;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// A run's checkpoints: the model's state_dict (PyTorch names), the optimizer's state, and in the
/// metadata the model card (what prediction needs) and the run state (what resume needs).
/// </summary>
public static class RunCheckpoint
{
    private const string CardKey = "model_card", StateKey = "run_state";

    public static void Save(string path, Module model, Optimizer? optimizer, RunState state, ModelCard card)
    {
        var info = new CheckpointInfo();
        info.Properties[CardKey] = JsonSerializer.SerializeToNode(card, ModelCard.Json);
        info.Properties[StateKey] = JsonSerializer.SerializeToNode(state, ModelCard.Json);
        Checkpoint.Save(model, path, info, optimizer);
    }

    /// <summary>Loads weights (and the optimizer's state when given) and returns the run state.</summary>
    public static RunState Load(string path, Module model, Optimizer? optimizer)
    {
        var result = Checkpoint.Load(model, path, strict: true, optimizer: optimizer);
        return Read<RunState>(path, result.Info, StateKey) ?? new RunState();
    }

    /// <summary>The model card of a training checkpoint, its preprocessing string checked.</summary>
    public static ModelCard ReadCard(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such checkpoint");
        var card = Read<ModelCard>(path, Checkpoint.ReadInfo(path), CardKey)
                   ?? throw new SafeTensorsException(path, "not an ilgpunet training checkpoint (no model card in its metadata)");
        try
        {
            VolumePreprocessing.Parse(card.Preprocessing);
        }
        catch (FormatException e)
        {
            throw new SafeTensorsException(path, $"the model card's preprocessing: {e.Message}");
        }
        return card;
    }

    /// <summary>The model card of a checkpoint, or null for a file without one (a plain state_dict).</summary>
    public static ModelCard? TryReadCard(string path) => Read<ModelCard>(path, Checkpoint.ReadInfo(path), CardKey);

    private static T? Read<T>(string path, CheckpointInfo? info, string key)
    {
        if (info is null || !info.Properties.TryGetPropertyValue(key, out var node) || node is null) return default;
        try
        {
            return node.Deserialize<T>(ModelCard.Json);
        }
        catch (JsonException e)
        {
            throw new SafeTensorsException(path, $"unreadable {key} in the checkpoint's metadata ({e.Message})");
        }
    }
}
