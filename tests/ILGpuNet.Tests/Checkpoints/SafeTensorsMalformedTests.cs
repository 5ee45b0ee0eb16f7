using System.Text;
using ILGpuNet.Training.Checkpoints;

namespace ILGpuNet.Tests.Checkpoints;

public class SafeTensorsMalformedTests
{
    private static byte[] Build(string header, int dataBytes, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes(declaredLength ?? (ulong)json.Length), .. json, .. new byte[dataBytes]];
    }

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    public static TheoryData<string, byte[], string> Cases() => new()
    {
        { "short", [1, 2, 3, 4, 5], "truncated: 5 bytes" },
        { "header past end", Build("{}", 0, declaredLength: 1000), "header length 1000 runs past the end of the file (10 bytes)" },
        { "huge header", Build("{}", 0, declaredLength: ulong.MaxValue), "exceeds the format's limit" },
        { "not json", Build("{\"a\": [1, }", 0), "header is not valid JSON" },
        { "not an object", Build("[1, 2]  ", 0), "does not start with '{'" },
        { "bad utf8", [.. BitConverter.GetBytes(2UL), 0x7B, 0xFF], "not valid UTF-8" },
        { "unknown dtype", Build("{" + Entry("w", "Q7", "[1]", 0, 4) + "}", 4), "tensor 'w' has unknown or unsupported dtype 'Q7'" },
        { "duplicate", Build("{" + Entry("w", "F32", "[1]", 0, 4) + "," + Entry("w", "F32", "[1]", 4, 8) + "}", 8), "'w' appears twice" },
        { "size mismatch", Build("{" + Entry("w", "F32", "[3]", 0, 8) + "}", 8), "tensor 'w': shape [3] of F32 needs 12 bytes, data_offsets [0, 8] hold 8" },
        { "end before begin", Build("{" + Entry("w", "F32", "[0]", 8, 4) + "}", 8), "'w' has data_offsets [8, 4] (end before begin)" },
        { "overlap", Build("{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[2]", 4, 12) + "}", 12), "tensors 'a' [0, 8) and 'b' [4, 12) overlap" },
        { "gap", Build("{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 8, 12) + "}", 12), "4 unused bytes before tensor 'b'" },
        { "data cut short", Build("{" + Entry("w", "F32", "[4]", 0, 16) + "}", 8), "truncated: tensor 'w' ends at data byte 16, the file holds 8 data bytes" },
        { "trailing bytes", Build("{" + Entry("w", "F32", "[1]", 0, 4) + "}", 8), "the tensors cover 4 data bytes but the file holds 8" },
        { "negative shape", Build("{" + Entry("w", "F32", "[-1]", 0, 4) + "}", 4), "tensor 'w': shape holds -1" },
        { "bad metadata", Build("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__ entry 'k' is not a string" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MalformedFilesGiveOneLineErrorsNamingFileAndProblem(string what, byte[] bytes, string problem)
    {
        using var folder = new TempFolder();
        var path = folder.File(what.Replace(' ', '-') + ".safetensors");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ACheckpointCutShortIsReportedAsTruncated()
    {
        using var folder = new TempFolder();
        var path = folder.File("cut.safetensors");
        SafeTensorsFile.Write(path, [SafeTensorEntry.FromFloats("w", new float[64], 64), SafeTensorEntry.FromFloats("b", [1f], 1)]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        var error = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Contains("truncated: tensor 'w' ends at data byte 260", error.Message);
    }
}
