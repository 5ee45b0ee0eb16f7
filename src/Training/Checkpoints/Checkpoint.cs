using System.Text.Json.Nodes;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Tensors;
using ILGpuNet.Training.IO;

namespace ILGpuNet.Training.Checkpoints;

/// <summary>What a load did: the checkpoint's info (null for a file without ours, e.g. one PyTorch wrote) and,
/// for a non-strict load, the names it skipped.</summary>
public sealed record CheckpointLoadResult(CheckpointInfo? Info, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);

/// <summary>
/// Checkpoints as PyTorch state_dicts in safetensors: every parameter and buffer under its dotted module
/// name (<c>features.3.se.se.1.weight</c>) as F32, <c>num_batches_tracked</c> as an I64 scalar, exactly what
/// <c>safetensors.torch.save_file(model.state_dict(), path)</c> writes, so either side loads the other's files.
/// Resume state lives beside the model's names in two reserved namespaces: <c>optimizer.step</c>,
/// <c>optimizer.&lt;parameter&gt;.&lt;slot&gt;</c> (exp_avg, exp_avg_sq, momentum_buffer) and
/// <c>optimizer.&lt;parameter&gt;.step</c> (PyTorch's per-parameter state['step']), and <c>extra.&lt;name&gt;</c>
/// for any other tensors the trainer keeps. <see cref="CheckpointInfo"/> goes into <c>__metadata__["ilgpunet"]</c>
/// and a sidecar <c>&lt;name&gt;.json</c>. Files are written atomically.
/// </summary>
public static class Checkpoint
{
    public const string MetadataKey = "ilgpunet";
    public const string OptimizerPrefix = "optimizer.";
    public const string ExtraPrefix = "extra.";

    /// <summary>The optimizer's global step count; its presence marks a checkpoint that carries optimizer state.</summary>
    public const string OptimizerStepName = OptimizerPrefix + "step";

    private const string StepSlot = "step";
    private const string CountBuffer = "num_batches_tracked";

    /// <summary>BatchNorm's batch counter: an integer (I64) in PyTorch, a one-element float tensor here.</summary>
    public static bool IsCountBuffer(string name) => name == CountBuffer || name.EndsWith("." + CountBuffer, StringComparison.Ordinal);

    /// <summary>The readable sidecar beside a checkpoint: <c>best.safetensors</c> -> <c>best.json</c>.</summary>
    public static string SidecarPath(string path) => Path.ChangeExtension(path, ".json");

    /// <summary>
    /// Saves the model's state_dict, with the optimizer's state and <paramref name="extra"/> tensors when given
    /// (for an exact resume), <paramref name="info"/> in the metadata, then the sidecar. Reads each tensor from
    /// the device as the writer reaches it.
    /// </summary>
    public static void Save(Module model, string path, CheckpointInfo info, Optimizer? optimizer = null,
        IEnumerable<(string Name, Tensor Tensor)>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (string.Equals(Path.GetExtension(path), ".json", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{path}: a checkpoint cannot be a .json file (that name is its sidecar's)");

        var entries = StateDictEntries(model);
        if (optimizer != null) entries.AddRange(OptimizerEntries(model, optimizer));
        foreach (var (name, tensor) in extra ?? []) entries.Add(FloatEntry(ExtraPrefix + name, tensor));

        var fields = new Dictionary<string, JsonNode?>();
        if (optimizer != null) fields["optimizer"] = optimizer.GetType().Name;
        string document = info.ToDocument(fields).ToJsonString(CheckpointInfo.JsonOptions);
        SafeTensorsFile.Write(path, entries, new Dictionary<string, string> { [MetadataKey] = document });

        var sidecar = info.ToDocument(fields);
        sidecar["checkpoint"] = Path.GetFileName(path);
        sidecar["parameters"] = model.ParameterCount;
        AtomicFile.WriteAllText(SidecarPath(path),
            sidecar.ToJsonString(new System.Text.Json.JsonSerializerOptions(CheckpointInfo.JsonOptions) { WriteIndented = true }) + "\n");
    }

    /// <summary>
    /// Saves the model's state_dict alone, byte for byte what <c>safetensors.torch.save_file(model.state_dict(), path)</c>
    /// writes for the same tensors: no metadata, no optimizer or extra tensors, no sidecar.
    /// </summary>
    public static void SaveStateDict(Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafeTensorsFile.Write(path, StateDictEntries(model));
    }

    /// <summary>Every parameter and buffer as PyTorch stores it: F32, and num_batches_tracked as a 0-dim I64.</summary>
    private static List<SafeTensorEntry> StateDictEntries(Module model)
    {
        var entries = new List<SafeTensorEntry>();
        foreach (var (name, tensor) in StateDict(model))
        {
            if (!IsCountBuffer(name))
            {
                entries.Add(FloatEntry(name, tensor));
                continue;
            }
            if (tensor.Length != 1) throw new ArgumentException($"buffer '{name}' has shape {tensor.ShapeText}; a batch count holds one value");
            // PyTorch's num_batches_tracked is a 0-dim int64 tensor.
            entries.Add(SafeTensorEntry.Deferred(name, SafeTensorsDType.I64, [],
                () => SafeTensorEntry.LittleEndianBytes(new[] { (long)Math.Round(tensor.Item()) })));
        }
        return entries;
    }

    /// <summary>The info stored in a checkpoint (read from the file's header only), or null when the file
    /// carries none (a safetensors file written elsewhere).</summary>
    public static CheckpointInfo? ReadInfo(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return ReadInfo(file);
    }

    /// <summary>
    /// Loads a checkpoint into <paramref name="model"/> (and <paramref name="optimizer"/> and the
    /// <paramref name="extra"/> tensors, when given). Every name, shape and dtype is checked first and all
    /// differences are reported together in one <see cref="CheckpointMismatchException"/>; nothing is copied
    /// unless the checks pass. As PyTorch's load_state_dict(strict): strict refuses missing and unexpected names,
    /// non-strict skips them and returns them; shape and dtype problems always fail. Float dtypes (F32, F64, F16,
    /// BF16) convert to float32; num_batches_tracked accepts integer and float counts. Optimizer and extra
    /// tensors in the file are ignored unless asked for.
    /// </summary>
    public static CheckpointLoadResult Load(Module model, string path, bool strict = true, Optimizer? optimizer = null,
        IEnumerable<(string Name, Tensor Tensor)>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var file = SafeTensorsFile.Open(path);
        var info = ReadInfo(file);
        var missing = new List<string>();
        var unexpected = new List<string>();
        var problems = new List<string>();
        var apply = new List<Action>();

        var state = StateDict(model);
        foreach (var (name, tensor) in state)
            PlanCopy(file, name, tensor, IsCountBuffer(name), "model", missing, problems, apply);
        var known = state.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        unexpected.AddRange(file.Tensors.Select(t => t.Name)
            .Where(n => !known.Contains(n) && !n.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !n.StartsWith(ExtraPrefix, StringComparison.Ordinal)));

        foreach (var (name, tensor) in extra ?? [])
            PlanCopy(file, ExtraPrefix + name, tensor, false, "target", missing, problems, apply);
        if (optimizer != null) apply.Add(PlanOptimizer(file, model, optimizer, unexpected, problems));

        if (problems.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new CheckpointMismatchException(path, missing, unexpected, problems);
        foreach (var step in apply) step();
        return new CheckpointLoadResult(info, missing, unexpected);
    }

    private static CheckpointInfo? ReadInfo(SafeTensorsFile file) =>
        file.Metadata.TryGetValue(MetadataKey, out var json) ? CheckpointInfo.FromDocument(json, file.Path) : null;

    private static List<(string Name, Tensor Tensor)> StateDict(Module model)
    {
        var state = model.NamedParameters().Concat(model.NamedBuffers()).ToList();
        foreach (var (name, _) in state)
            if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) || name.StartsWith(ExtraPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"module tensor '{name}' uses a name reserved for checkpoint resume state ({OptimizerPrefix}*, {ExtraPrefix}*)");
        return state;
    }

    private static SafeTensorEntry FloatEntry(string name, Tensor tensor) =>
        SafeTensorEntry.Deferred(name, SafeTensorsDType.F32, tensor.Shape.Select(d => (long)d).ToArray(),
            () => SafeTensorEntry.LittleEndianBytes(tensor.ToArray()));

    /// <summary>Checks one file tensor against its destination and queues the copy.</summary>
    private static void PlanCopy(SafeTensorsFile file, string name, Tensor target, bool count, string owner,
        List<string> missing, List<string> problems, List<Action> apply)
    {
        if (!file.Contains(name))
        {
            missing.Add(name);
            return;
        }
        var source = file.Info(name);
        bool ok = true;
        if (!ShapesMatch(source.Shape, target.Shape))
        {
            problems.Add($"{name}: shape {source.ShapeText} in the file, {target.ShapeText} in the {owner}");
            ok = false;
        }
        if (count ? source.DType == SafeTensorsDType.BOOL : !source.DType.IsFloatingPoint())
        {
            problems.Add($"{name}: dtype {source.DType} in the file, the {owner} needs {(count ? "an integer or float count" : "F32 (or F64, F16, BF16)")}");
            ok = false;
        }
        if (ok) apply.Add(() => target.Upload(file.ReadFloats(name)));
    }

    /// <summary>Equal shapes, or a scalar against a one-element vector (PyTorch accepts that pair too).</summary>
    private static bool ShapesMatch(IReadOnlyList<long> file, int[] model)
    {
        if (file.Count == model.Length && file.Select((d, i) => d == model[i]).All(x => x)) return true;
        return file.Count <= 1 && model.Length <= 1 && file.All(d => d == 1) && model.All(d => d == 1);
    }

    private static string[] OptimizerParameterNames(Module model, Optimizer optimizer)
    {
        var byTensor = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, tensor) in model.NamedParameters()) byTensor[tensor] = name;
        return optimizer.Parameters.Select((p, i) => byTensor.TryGetValue(p, out var name) ? name
            : throw new ArgumentException($"optimizer parameter #{i} {p.ShapeText} is not a parameter of the model")).ToArray();
    }

    private static IEnumerable<SafeTensorEntry> OptimizerEntries(Module model, Optimizer optimizer)
    {
        var names = OptimizerParameterNames(model, optimizer);
        yield return SafeTensorEntry.FromInt64s(OptimizerStepName, [optimizer.StepCount]);
        for (int i = 0; i < names.Length; i++)
            if (optimizer.ParameterSteps[i] > 0)
                yield return SafeTensorEntry.FromInt64s($"{OptimizerPrefix}{names[i]}.{StepSlot}", [optimizer.ParameterSteps[i]]);
        foreach (var (stateName, tensor) in optimizer.StateTensors())
        {
            int dot = stateName.IndexOf('.');
            int index = int.Parse(stateName[..dot]);
            yield return FloatEntry($"{OptimizerPrefix}{names[index]}.{stateName[(dot + 1)..]}", tensor);
        }
    }

    /// <summary>Validates the optimizer namespace of the file and returns the action that restores it.</summary>
    private static Action PlanOptimizer(SafeTensorsFile file, Module model, Optimizer optimizer, List<string> unexpected, List<string> problems)
    {
        var names = OptimizerParameterNames(model, optimizer);
        if (!file.Contains(OptimizerStepName))
        {
            problems.Add($"{OptimizerStepName}: the file holds no optimizer state (saved without an optimizer)");
            return () => { };
        }
        if (!CountLike(file.Info(OptimizerStepName))) problems.Add($"{OptimizerStepName}: expected one integer, found {Describe(file.Info(OptimizerStepName))}");

        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var slots = optimizer.StateSlotNames;
        var savedSteps = new long?[names.Length];
        var tensors = new List<(int Index, string Slot, string Name)>();
        foreach (var t in file.Tensors)
        {
            if (!t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) || t.Name == OptimizerStepName) continue;
            string rest = t.Name[OptimizerPrefix.Length..];
            int dot = rest.LastIndexOf('.');
            if (dot <= 0 || !index.TryGetValue(rest[..dot], out int i))
            {
                unexpected.Add(t.Name);
                continue;
            }
            string slot = rest[(dot + 1)..];
            var p = optimizer.Parameters[i];
            if (slot == StepSlot)
            {
                if (CountLike(t)) tensors.Add((i, slot, t.Name));
                else problems.Add($"{t.Name}: expected one integer, found {Describe(t)}");
            }
            else if (!slots.Contains(slot))
                problems.Add($"{t.Name}: {optimizer.GetType().Name} keeps no '{slot}' state (it keeps {(slots.Count > 0 ? string.Join(", ", slots) : "none")})");
            else if (!ShapesMatch(t.Shape, p.Shape))
                problems.Add($"{t.Name}: shape {t.ShapeText} in the file, {p.ShapeText} for the parameter");
            else if (!t.DType.IsFloatingPoint())
                problems.Add($"{t.Name}: dtype {t.DType} in the file, optimizer state needs F32 (or F64, F16, BF16)");
            else
                tensors.Add((i, slot, t.Name));
        }

        return () =>
        {
            long step = ReadCount(file, OptimizerStepName);
            var hasState = new bool[names.Length];
            var restored = new List<(string Name, Tensor Tensor)>();
            try
            {
                foreach (var (i, slot, name) in tensors)
                {
                    if (slot == StepSlot)
                    {
                        savedSteps[i] = ReadCount(file, name);
                        continue;
                    }
                    var p = optimizer.Parameters[i];
                    restored.Add((Optimizer.StateName(i, slot), Tensor.FromArray(p.Device, file.ReadFloats(name), p.Shape)));
                    hasState[i] = true;
                }
                var steps = savedSteps.Select((s, i) => s ?? (hasState[i] ? step : 0)).ToArray();
                optimizer.LoadState(step, restored, steps);
            }
            finally
            {
                foreach (var (_, t) in restored) t.Dispose();
            }
        };
    }

    private static bool CountLike(SafeTensorInfo t) => t.ElementCount == 1 && t.Shape.Count <= 1 && t.DType != SafeTensorsDType.BOOL;

    private static string Describe(SafeTensorInfo t) => $"{t.DType} {t.ShapeText}";

    private static long ReadCount(SafeTensorsFile file, string name)
    {
        var info = file.Info(name);
        return info.DType.IsFloatingPoint() ? (long)Math.Round(file.ReadFloats(name)[0]) : file.ReadInt64s(name)[0];
    }
}
