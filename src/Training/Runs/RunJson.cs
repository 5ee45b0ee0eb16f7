using System.Text.Json;

namespace ILGpuNet.Training.Runs;

/// <summary>Reads a run's JSON documents; a broken one is a one-line error naming the file.</summary>
internal static class RunJson
{
    public static T Read<T>(string path, string text, JsonSerializerOptions options, string problem)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, options) ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {problem} ({e.Message})");
        }
    }
}
