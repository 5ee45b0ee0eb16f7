using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ILGpuNet.Training.Metrics;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// What a checkpoint must carry for prediction to see what training saw: the run's configuration
/// (task, heads, grid, widths), the preprocessing string, the age standardisation, the class names and
/// the brain-age bias correction fitted on the validation split (after training has finished), and a
/// description of the data the model learned from (<see cref="Data"/>). A card travels with the weights to
/// other machines and people, so it holds nothing of the machine it was made on: no paths, no device, no
/// loader threads (<see cref="PortableConfig"/> leaves them out of the configuration it writes).
/// </summary>
/// <param name="Data">The training data in words: "oasis_registered: 1688 scans of 416 subjects",
/// "synthetic: 240 subjects, seed 42", or where imported weights came from; null on cards written before it existed.</param>
public sealed record ModelCard(
    [property: JsonConverter(typeof(PortableConfig))] TrainConfig Config,
    string Preprocessing, AgeScale AgeScale, BrainAgeFit? Correction, string? Data = null)
{
    public string[]? ClassNames => Config.Task.Classifies(Config.BrainAgeClass)?.ClassNames();

    public static readonly JsonSerializerOptions Json = new(TrainConfig.Json)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The card as indented JSON (the file <c>export</c> writes beside the weights).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(Json) { WriteIndented = true });

    /// <summary>The data description of a run: the data folder's name (never its path) with its counts, or the synthetic cohort's size and seed.</summary>
    public static string DescribeData(TrainConfig config, int scans, int subjects) => config.Data is { } data
        ? $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(data))}: {scans} scans of {subjects} subjects"
        : $"synthetic: {config.SyntheticSubjects} subjects, seed {config.Seed % int.MaxValue} ({scans} scans)";
}

/// <summary>
/// Writes a configuration without the fields that describe one machine or one folder (data and CSV paths,
/// the synthetic cohort's place and size, device, loader threads, sync interval, the sizing note, the
/// --init path); reads any configuration, so cards written before still load.
/// </summary>
public sealed class PortableConfig : JsonConverter<TrainConfig>
{
    /// <summary>The config.json fields a card leaves out.</summary>
    public static readonly IReadOnlySet<string> MachineFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "data", "csv", "synthetic_data", "synthetic_subjects", "device", "workers", "sync_every", "sizing_note", "init",
    };

    public override TrainConfig Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<TrainConfig>(ref reader, options) ?? throw new JsonException("the model card's config is null");

    public override void Write(Utf8JsonWriter writer, TrainConfig value, JsonSerializerOptions options)
    {
        var node = (JsonObject)JsonSerializer.SerializeToNode(value, options)!;
        foreach (var field in MachineFields) node.Remove(field);
        node.WriteTo(writer, options);
    }
}
