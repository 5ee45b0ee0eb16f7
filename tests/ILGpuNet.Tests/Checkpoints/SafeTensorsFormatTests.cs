using System.Text;
using ILGpuNet.Training.Checkpoints;

namespace ILGpuNet.Tests.Checkpoints;

public class SafeTensorsFormatTests
{
    /// <summary>
    /// The bytes safetensors.torch.save_file writes for
    /// {"conv.weight": float32 [2,1,1,1,1] = (1, 2), "bn.running_mean": float32 [2] = (0.5, -1.5),
    ///  "bn.num_batches_tracked": int64 0-dim = 7, "h": float16 [1] = 1.0} with metadata {"format": "pt"}:
    /// sorted by dtype alignment (I64, then F32, then F16) and name, compact JSON with __metadata__ first,
    /// 301 header bytes padded with 3 spaces to 304 = 0x130.
    /// </summary>
    private static byte[] ExpectedFile()
    {
        const string header =
            "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}," +
            "\"bn.running_mean\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}," +
            "\"conv.weight\":{\"dtype\":\"F32\",\"shape\":[2,1,1,1,1],\"data_offsets\":[16,24]}," +
            "\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[24,26]}}" + "   ";
        byte[] prefix = [0x30, 0x01, 0, 0, 0, 0, 0, 0];
        byte[] data =
        [
            7, 0, 0, 0, 0, 0, 0, 0,                  // int64 7
            0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0xC0, 0xBF, // 0.5f, -1.5f
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40, // 1f, 2f
            0x00, 0x3C,                               // half 1.0
        ];
        return [.. prefix, .. Encoding.ASCII.GetBytes(header), .. data];
    }

    private static SafeTensorEntry[] KnownDict() =>
    [
        SafeTensorEntry.FromFloats("conv.weight", [1f, 2f], 2, 1, 1, 1, 1),
        SafeTensorEntry.FromBytes("h", SafeTensorsDType.F16, [1], [0x00, 0x3C]),
        SafeTensorEntry.FromInt64s("bn.num_batches_tracked", [7]),
        SafeTensorEntry.FromFloats("bn.running_mean", [0.5f, -1.5f], 2),
    ];

    [Fact]
    public void WritesTheBytesTheReferenceImplementationWrites()
    {
        using var folder = new TempFolder();
        var path = folder.File("known.safetensors");
        SafeTensorsFile.Write(path, KnownDict(), new Dictionary<string, string> { ["format"] = "pt" });
        Assert.Equal(ExpectedFile(), File.ReadAllBytes(path));
        Assert.Equal(["known.safetensors"], folder.Names());
    }

    [Fact]
    public void ReadsAHandMadeFile()
    {
        using var folder = new TempFolder();
        var path = folder.File("known.safetensors");
        File.WriteAllBytes(path, ExpectedFile());
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(304 + 8, file.DataStart);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, file.Metadata);
        Assert.Equal(["bn.num_batches_tracked", "bn.running_mean", "conv.weight", "h"], file.Tensors.Select(t => t.Name));
        var count = file.Info("bn.num_batches_tracked");
        Assert.Equal(SafeTensorsDType.I64, count.DType);
        Assert.Empty(count.Shape);
        Assert.Equal(1, count.ElementCount);
        Assert.Equal([7L], file.ReadInt64s("bn.num_batches_tracked"));
        Assert.Equal([0.5f, -1.5f], file.ReadFloats("bn.running_mean"));
        Assert.Equal([2L, 1, 1, 1, 1], file.Info("conv.weight").Shape);
        Assert.Equal([1f, 2f], file.ReadFloats("conv.weight"));
        Assert.Equal([1f], file.ReadFloats("h"));
    }

    [Fact]
    public void WithoutMetadataAndAlignedTheHeaderHasNoPadding()
    {
        // The format's own documented example: {"attn.0": float32 [1, 2, 3] = 0..5}, a 64-byte header.
        const string header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        using var stream = new MemoryStream();
        SafeTensorsFile.Serialize(stream, [SafeTensorEntry.FromFloats("attn.0", [0f, 1f, 2f, 3f, 4f, 5f], 1, 2, 3)]);
        var bytes = stream.ToArray();
        Assert.Equal(64UL, BitConverter.ToUInt64(bytes, 0));
        Assert.Equal(header, Encoding.ASCII.GetString(bytes, 8, 64));
        Assert.Equal(8 + 64 + 24, bytes.Length);
    }

    [Fact]
    public void MetadataStringsAreEscapedLikeSerdeJson()
    {
        using var folder = new TempFolder();
        var path = folder.File("meta.safetensors");
        var metadata = new Dictionary<string, string> { ["z"] = "a\"b\\c\n\u0001é/<", ["a"] = "{\"json\": [1, 2]}" };
        SafeTensorsFile.Write(path, [SafeTensorEntry.FromFloats("x", [3f], 1)], metadata);
        var bytes = File.ReadAllBytes(path);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes, 0));
        // Keys in ordinal order; only quote, backslash and control characters are escaped (\u00xx in lower case).
        Assert.StartsWith("{\"__metadata__\":{\"a\":\"{\\\"json\\\": [1, 2]}\",\"z\":\"a\\\"b\\\\c\\n\\u0001é/<\"},\"x\":", header);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(metadata, file.Metadata);
    }

    [Fact]
    public void DecodesHalfBFloatDoubleAndIntegerDtypes()
    {
        using var folder = new TempFolder();
        var path = folder.File("dtypes.safetensors");
        SafeTensorsFile.Write(path,
        [
            // float16: 1, -2, 0.5, 65504 (largest), 2^-24 (smallest subnormal)
            SafeTensorEntry.FromBytes("f16", SafeTensorsDType.F16, [5], [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B, 0x01, 0x00]),
            // bfloat16: 1, -2, 3.140625 (pi truncated to 8 bits of mantissa)
            SafeTensorEntry.FromBytes("bf16", SafeTensorsDType.BF16, [3], [0x80, 0x3F, 0x00, 0xC0, 0x49, 0x40]),
            SafeTensorEntry.FromBytes("f64", SafeTensorsDType.F64, [1], BitConverter.GetBytes(0.1)),
            SafeTensorEntry.FromInt64s("i64", [(1L << 40) + 3, -5], 2),
            SafeTensorEntry.FromBytes("i32", SafeTensorsDType.I32, [2], [.. BitConverter.GetBytes(-7), .. BitConverter.GetBytes(123456)]),
            SafeTensorEntry.FromBytes("u8", SafeTensorsDType.U8, [3], [0, 200, 255]),
            SafeTensorEntry.FromBytes("mask", SafeTensorsDType.BOOL, [2, 2], [1, 0, 0, 1]),
        ]);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal([1f, -2f, 0.5f, 65504f, MathF.Pow(2, -24)], file.ReadFloats("f16"));
        Assert.Equal([1f, -2f, 3.140625f], file.ReadFloats("bf16"));
        Assert.Equal([0.1f], file.ReadFloats("f64"));
        Assert.Equal([(1L << 40) + 3, -5], file.ReadInt64s("i64"));
        Assert.Equal([-7L, 123456], file.ReadInt64s("i32"));
        Assert.Equal([-7f, 123456f], file.ReadFloats("i32"));
        Assert.Equal([0L, 200, 255], file.ReadInt64s("u8"));
        Assert.Equal([1L, 0, 0, 1], file.ReadInt64s("mask"));
        Assert.Equal([1f, 0f, 0f, 1f], file.ReadFloats("mask"));
        var error = Assert.Throws<SafeTensorsException>(() => file.ReadInt64s("f16"));
        Assert.Contains("'f16' is F16", error.Message);
        // Sorted by alignment, largest first: I64 and F64 (8 bytes), I32 (4), then the 2- and 1-byte dtypes.
        Assert.Equal(["i64", "f64", "i32", "bf16", "f16", "u8", "mask"], file.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void TheWriterRejectsDuplicateNamesAndWrongSizes()
    {
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Serialize(stream,
            [SafeTensorEntry.FromFloats("a", [1f], 1), SafeTensorEntry.FromFloats("a", [2f], 1)]));
        Assert.Throws<InvalidOperationException>(() => SafeTensorsFile.Serialize(stream,
            [SafeTensorEntry.FromFloats("a", [1f, 2f], 3)]));
    }

    [Fact]
    public void AnExceptionMidwayLeavesNoPartialFileAndKeepsThePreviousOne()
    {
        using var folder = new TempFolder();
        var path = folder.File("model.safetensors");
        // "a" (16 KB) is written before "b" fails to produce its bytes.
        SafeTensorEntry[] failing() =>
        [
            SafeTensorEntry.FromFloats("a", Enumerable.Range(0, 4096).Select(i => (float)i).ToArray(), 4096),
            SafeTensorEntry.Deferred("b", SafeTensorsDType.F32, [1], () => throw new IOException("device lost")),
        ];

        Assert.Throws<IOException>(() => SafeTensorsFile.Write(path, failing()));
        Assert.Empty(folder.Names());

        SafeTensorsFile.Write(path, [SafeTensorEntry.FromFloats("old", [42f], 1)]);
        var before = File.ReadAllBytes(path);
        Assert.Throws<IOException>(() => SafeTensorsFile.Write(path, failing()));
        Assert.Equal(["model.safetensors"], folder.Names());
        Assert.Equal(before, File.ReadAllBytes(path));
    }
}
