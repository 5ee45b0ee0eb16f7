using System.Globalization;

namespace TorchPeer;

/// <summary>The peer's few options (--name value), parsed by hand: a System.CommandLine reference is not worth its restore here.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args, params string[] known)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            string name = e.Current;
            if (!known.Contains(name)) throw new UsageException($"unknown option '{name}' (known: {string.Join(", ", known)})");
            if (!e.MoveNext()) throw new UsageException($"{name} needs a value");
            values[name] = e.Current;
        }
    }

    public string Text(string name, string fallback) => values.GetValueOrDefault(name, fallback);

    public string? Text(string name) => values.GetValueOrDefault(name);

    public int Int(string name, int fallback, int min)
    {
        if (!values.TryGetValue(name, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min)
            throw new UsageException($"{name} expects an integer >= {min}, got '{text}'");
        return v;
    }

    /// <summary>DxHxW such as 91x109x91.</summary>
    public int[] Grid(string name, string fallback)
    {
        string text = Text(name, fallback);
        var parts = text.ToLowerInvariant().Split('x');
        var dims = parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 0).ToArray();
        if (dims.Length != 3 || dims.Min() < 1) throw new UsageException($"{name} expects DxHxW such as 91x109x91, got '{text}'");
        return dims;
    }
}

internal sealed class UsageException(string message) : Exception(message);
