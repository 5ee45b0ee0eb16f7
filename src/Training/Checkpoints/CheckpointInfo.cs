using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ILGpuNet.Training.Checkpoints;

/// <summary>
/// What a checkpoint records besides its tensors: a format version and a free-form JSON object the trainer
/// fills (configuration, task, input grid, normalisation, label mapping, bias-correction coefficients, epoch,
/// ...). It travels inside the safetensors file (<c>__metadata__["ilgpunet"]</c>, so the file alone is enough)
/// and in a readable sidecar <c>&lt;name&gt;.json</c>.
/// <code>new CheckpointInfo { Properties = { ["task"] = "dementia", ["epoch"] = 12 } }</code>
/// </summary>
public sealed record CheckpointInfo
{
    /// <summary>Bumped when the tensor naming or the metadata layout changes incompatibly.</summary>
    public const int CurrentFormatVersion = 1;

    public const string FormatName = "ilgpunet-checkpoint";

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        // Readable sidecars: labels and paths stay as written instead of \u-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The trainer's free-form record; mutable, so it can be filled after construction.</summary>
    public JsonObject Properties { get; init; } = new();

    /// <summary>Sets a property to <paramref name="value"/> serialised as JSON; returns this info for chaining.</summary>
    public CheckpointInfo Set<T>(string key, T value)
    {
        Properties[key] = JsonSerializer.SerializeToNode(value, JsonOptions);
        return this;
    }

    /// <summary>A property deserialised as <typeparamref name="T"/>, or default when it is absent.</summary>
    public T? Get<T>(string key) =>
        Properties.TryGetPropertyValue(key, out var node) && node != null ? node.Deserialize<T>(JsonOptions) : default;

    /// <summary>The metadata document: format, version, optional extra fields (e.g. the optimizer's type), and the properties.</summary>
    internal JsonObject ToDocument(IEnumerable<KeyValuePair<string, JsonNode?>>? extra = null)
    {
        var doc = new JsonObject
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion,
        };
        foreach (var (key, value) in extra ?? []) doc[key] = value?.DeepClone();
        doc["info"] = Properties.DeepClone();
        return doc;
    }

    internal static CheckpointInfo FromDocument(string json, string path)
    {
        JsonObject doc;
        try
        {
            doc = JsonNode.Parse(json) as JsonObject ?? throw new SafeTensorsException(path, "checkpoint metadata is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new SafeTensorsException(path, $"checkpoint metadata is not valid JSON: {e.Message}");
        }
        if (doc["format"] is not JsonValue format || format.GetValueKind() != JsonValueKind.String || (string?)format != FormatName)
            throw new SafeTensorsException(path, $"checkpoint metadata does not declare format '{FormatName}'");
        if (doc["format_version"] is not JsonValue v || !v.TryGetValue(out int version) || version < 1)
            throw new SafeTensorsException(path, "checkpoint metadata has no valid format_version");
        if (version > CurrentFormatVersion)
            throw new SafeTensorsException(path, $"checkpoint format version {version} is newer than this build reads ({CurrentFormatVersion}); update ilgpunet");
        var properties = doc["info"] as JsonObject ?? new JsonObject();
        return new CheckpointInfo { FormatVersion = version, Properties = (JsonObject)properties.DeepClone() };
    }
}
