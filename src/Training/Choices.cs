using System.Text.Json;
using System.Text.Json.Serialization;

namespace ILGpuNet.Training;

/// <summary>
/// The words that spell an enum's values on the command line and in config.json ("brainage", "zscore-brain").
/// Text is parsed into the enum once, where it comes in (options, config.json, checkpoints), and written back
/// as the same words, so run folders and checkpoints written earlier still load. Parsing ignores case and
/// surrounding blanks and also takes the aliases; <see cref="Names"/> are what a user is offered.
/// </summary>
public sealed class Choices<T> where T : struct, Enum
{
    private readonly (T Value, string Name)[] names;
    private readonly (string Name, T Value)[] aliases;

    /// <param name="what">What the values are, for messages ("task", "optimizer").</param>
    /// <param name="names">Every value of <typeparamref name="T"/> with its one written name.</param>
    /// <param name="aliases">Further spellings that are read, never written.</param>
    public Choices(string what, (T Value, string Name)[] names, params (string Name, T Value)[] aliases)
    {
        var missing = Enum.GetValues<T>().Where(v => !names.Any(n => EqualityComparer<T>.Default.Equals(n.Value, v))).ToList();
        if (missing.Count > 0) throw new ArgumentException($"{what}: no name for {string.Join(", ", missing)}");
        What = what;
        this.names = names;
        this.aliases = aliases;
        Json = new Converter(this);
    }

    public string What { get; }

    /// <summary>The written names, in declaration order.</summary>
    public IReadOnlyList<string> Names => names.Select(n => n.Name).ToList();

    /// <summary>"adam, adamw or sgd".</summary>
    public string Expected => names.Length == 1 ? names[0].Name
        : string.Join(", ", names[..^1].Select(n => n.Name)) + " or " + names[^1].Name;

    /// <summary>Reads and writes the names in JSON (config.json, checkpoint metadata).</summary>
    public JsonConverter<T> Json { get; }

    public string Name(T value)
    {
        foreach (var (v, name) in names)
            if (EqualityComparer<T>.Default.Equals(v, value)) return name;
        throw new ArgumentOutOfRangeException(nameof(value), value, $"not a {What}");
    }

    public bool TryParse(string? text, out T value)
    {
        string key = text?.Trim() ?? "";
        foreach (var (v, name) in names)
            if (name.Equals(key, StringComparison.OrdinalIgnoreCase)) { value = v; return true; }
        foreach (var (name, v) in aliases)
            if (name.Equals(key, StringComparison.OrdinalIgnoreCase)) { value = v; return true; }
        value = default;
        return false;
    }

    /// <summary>The value of a name; an unknown one is a <see cref="FormatException"/> listing the names.</summary>
    public T Parse(string text) => TryParse(text, out var value) ? value : throw new FormatException(Unknown(text));

    private string Unknown(string? text) => $"unknown {What} '{text}' (expected {Expected})";

    private sealed class Converter(Choices<T> choices) : JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
                throw new JsonException($"expected a {choices.What} ({choices.Expected}) as a string, got {reader.TokenType}");
            string? text = reader.GetString();
            return choices.TryParse(text, out var value) ? value : throw new JsonException(choices.Unknown(text));
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(choices.Name(value));
    }
}
