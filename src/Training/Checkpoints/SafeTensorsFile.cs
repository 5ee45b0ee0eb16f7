using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace ILGpuNet.Training.Checkpoints;

/// <summary>
/// Our reader (and, in SafeTensorsFile.Write.cs, writer) of the safetensors format that PyTorch,
/// Hugging Face and others use for state_dicts: 8 bytes of little-endian header length N, N bytes of
/// UTF-8 JSON <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}</c>,
/// then the row-major little-endian tensor data, offsets relative to the data's start.
/// <see cref="Open"/> reads and validates the header only (the same rules as the reference implementation:
/// tensors contiguous from 0, each range exactly shape x dtype size, the last ending at the end of the file,
/// plus no duplicate names); tensor data is read on request, so a large file costs one tensor of memory at a time.
/// </summary>
public sealed partial class SafeTensorsFile : IDisposable
{
    /// <summary>The reference implementation's limit; a larger header means a corrupt or foreign file.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    private readonly SafeFileHandle handle;
    private readonly Dictionary<string, SafeTensorInfo> byName;

    private SafeTensorsFile(string path, SafeFileHandle handle, long dataStart, List<SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        this.handle = handle;
        DataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
        byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public string Path { get; }

    /// <summary>The <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in data-offset order.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>File position of the data section (8 + header length).</summary>
    public long DataStart { get; }

    public bool Contains(string name) => byName.ContainsKey(name);

    public SafeTensorInfo Info(string name) =>
        byName.TryGetValue(name, out var info) ? info : throw new SafeTensorsException(Path, $"has no tensor '{name}'");

    /// <summary>Opens a file and validates its header; errors are <see cref="SafeTensorsException"/>s naming the file and problem.</summary>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length < 8)
                throw new SafeTensorsException(path, $"truncated: {length} bytes, shorter than the 8-byte header length");
            Span<byte> prefix = stackalloc byte[8];
            ReadExactly(handle, prefix, 0, path);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (n > MaxHeaderBytes)
                throw new SafeTensorsException(path, $"header length {n} exceeds the format's limit of {MaxHeaderBytes} bytes (not a safetensors file?)");
            if (8 + (long)n > length)
                throw new SafeTensorsException(path, $"header length {n} runs past the end of the file ({length} bytes): truncated or not a safetensors file");
            var header = new byte[n];
            ReadExactly(handle, header, 8, path);
            var (tensors, metadata) = ParseHeader(header, path);
            long dataStart = 8 + (long)n;
            ValidateLayout(tensors, length - dataStart, path);
            return new SafeTensorsFile(path, handle, dataStart, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The raw little-endian bytes of a tensor.</summary>
    public byte[] ReadBytes(string name)
    {
        var info = Info(name);
        var bytes = new byte[info.ByteLength];
        ReadExactly(handle, bytes, DataStart + info.Begin, Path);
        return bytes;
    }

    /// <summary>A tensor's elements converted to float (F16, BF16 and F64 round to float32; integers and BOOL convert).</summary>
    public float[] ReadFloats(string name)
    {
        var info = Info(name);
        var bytes = ReadBytes(name);
        var values = new float[info.ElementCount];
        if (info.DType == SafeTensorsDType.F32 && BitConverter.IsLittleEndian)
        {
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
            return values;
        }
        for (int i = 0; i < values.Length; i++) values[i] = info.DType.ReadAsFloat(bytes, i);
        return values;
    }

    /// <summary>An integer (or BOOL) tensor's elements as longs; floating-point tensors are refused.</summary>
    public long[] ReadInt64s(string name)
    {
        var info = Info(name);
        if (!info.DType.IsInteger() && info.DType != SafeTensorsDType.BOOL)
            throw new SafeTensorsException(Path, $"tensor '{name}' is {info.DType}, not an integer tensor");
        var bytes = ReadBytes(name);
        var values = new long[info.ElementCount];
        try
        {
            for (int i = 0; i < values.Length; i++) values[i] = info.DType.ReadAsInt64(bytes, i);
        }
        catch (OverflowException)
        {
            throw new SafeTensorsException(Path, $"tensor '{name}' holds a U64 value beyond the signed 64-bit range");
        }
        return values;
    }

    public void Dispose() => handle.Dispose();

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        while (buffer.Length > 0)
        {
            int read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0) throw new SafeTensorsException(path, $"truncated: the file ends at byte {offset}, {buffer.Length} bytes short");
            buffer = buffer[read..];
            offset += read;
        }
    }

    private static (List<SafeTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(byte[] header, string path)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(header);
        }
        catch (DecoderFallbackException)
        {
            throw new SafeTensorsException(path, "header is not valid UTF-8 (not a safetensors file?)");
        }
        if (!text.StartsWith('{')) throw new SafeTensorsException(path, "header does not start with '{' (not a safetensors file?)");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new SafeTensorsException(path, $"header is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new SafeTensorsException(path, "header is not a JSON object");
            var tensors = new List<SafeTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name)) throw new SafeTensorsException(path, $"'{property.Name}' appears twice in the header");
                if (property.Name == MetadataKey)
                    ReadMetadata(property.Value, metadata, path);
                else
                    tensors.Add(ReadTensorInfo(property.Name, property.Value, path));
            }
            return (tensors, metadata);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object) throw new SafeTensorsException(path, $"{MetadataKey} is not an object of strings");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new SafeTensorsException(path, $"{MetadataKey} entry '{entry.Name}' is not a string");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw new SafeTensorsException(path, $"{MetadataKey} entry '{entry.Name}' appears twice");
        }
    }

    private static SafeTensorInfo ReadTensorInfo(string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new SafeTensorsException(path, $"tensor '{name}': entry is not an object");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new SafeTensorsException(path, $"tensor '{name}' has no dtype");
        string dtypeName = dtypeElement.GetString()!;
        var dtype = SafeTensorsDTypes.Parse(dtypeName)
            ?? throw new SafeTensorsException(path, $"tensor '{name}' has unknown or unsupported dtype '{dtypeName}'");
        var shape = ReadIntegers(value, "shape", name, path);
        var offsets = ReadIntegers(value, "data_offsets", name, path);
        if (offsets.Length != 2) throw new SafeTensorsException(path, $"tensor '{name}': data_offsets must be [begin, end]");
        return new SafeTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(JsonElement entry, string field, string name, string path)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new SafeTensorsException(path, $"tensor '{name}' has no {field} array");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out values[i]) || values[i] < 0)
                throw new SafeTensorsException(path, $"tensor '{name}': {field} holds {item.GetRawText()}, not a non-negative integer");
            i++;
        }
        return values;
    }

    /// <summary>Sorts by offset and checks that the tensors tile the data section exactly.</summary>
    private static void ValidateLayout(List<SafeTensorInfo> tensors, long dataLength, string path)
    {
        foreach (var t in tensors)
        {
            if (t.End < t.Begin)
                throw new SafeTensorsException(path, $"tensor '{t.Name}' has data_offsets [{t.Begin}, {t.End}] (end before begin)");
            long bytes = ByteSize(t, path);
            if (bytes != t.ByteLength)
                throw new SafeTensorsException(path,
                    $"tensor '{t.Name}': shape {t.ShapeText} of {t.DType} needs {bytes} bytes, data_offsets [{t.Begin}, {t.End}] hold {t.ByteLength}");
            if (t.End > dataLength)
                throw new SafeTensorsException(path,
                    $"truncated: tensor '{t.Name}' ends at data byte {t.End}, the file holds {dataLength} data bytes");
        }

        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        SafeTensorInfo? previous = null;
        foreach (var t in tensors)
        {
            if (t.Begin < expected)
                throw new SafeTensorsException(path,
                    $"tensors '{previous!.Name}' [{previous.Begin}, {previous.End}) and '{t.Name}' [{t.Begin}, {t.End}) overlap");
            if (t.Begin > expected)
                throw new SafeTensorsException(path,
                    $"{t.Begin - expected} unused bytes before tensor '{t.Name}' at data byte {expected}: data_offsets must cover the data without gaps");
            expected = t.End;
            previous = t;
        }
        if (expected != dataLength)
            throw new SafeTensorsException(path, $"the tensors cover {expected} data bytes but the file holds {dataLength}: trailing bytes after the last tensor");
    }

    private static long ByteSize(SafeTensorInfo t, string path)
    {
        try
        {
            long n = t.DType.Size();
            foreach (var d in t.Shape) n = checked(n * d);
            return n;
        }
        catch (OverflowException)
        {
            throw new SafeTensorsException(path, $"tensor '{t.Name}': shape {t.ShapeText} overflows");
        }
    }
}
