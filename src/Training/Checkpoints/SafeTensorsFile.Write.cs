using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ILGpuNet.Training.IO;

namespace ILGpuNet.Training.Checkpoints;

public sealed partial class SafeTensorsFile
{
    /// <summary>
    /// Writes tensors (and optional metadata) atomically: a temporary file in the same folder, flushed to disk,
    /// then renamed over <paramref name="path"/>, so an exception midway leaves no partial file and keeps any
    /// previous one. The bytes are those the reference implementation (safetensors.torch.save_file) writes
    /// for the same dict: see <see cref="Serialize"/>.
    /// </summary>
    public static void Write(string path, IEnumerable<SafeTensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        AtomicFile.Write(path, stream => Serialize(stream, list, metadata));
    }

    /// <summary>
    /// The format as the reference implementation lays it out: tensors sorted by dtype alignment descending
    /// (the dtype enum order), then by name (ordinal); compact JSON with <c>__metadata__</c> first (its keys
    /// sorted here: the reference keeps a hash map's order), then each tensor as
    /// <c>{"dtype":..,"shape":[..],"data_offsets":[b,e]}</c> in data order; the header padded with spaces
    /// to a multiple of 8 bytes so every tensor's data starts aligned.
    /// </summary>
    public static void Serialize(Stream stream, IEnumerable<SafeTensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors.OrderByDescending(t => t.DType).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in ordered)
        {
            if (t.Name == MetadataKey) throw new ArgumentException($"a tensor cannot be named {MetadataKey}");
            if (!names.Add(t.Name)) throw new ArgumentException($"tensor '{t.Name}' is given twice");
        }

        var header = Encoding.UTF8.GetBytes(HeaderJson(ordered, metadata));
        int padding = (8 - header.Length % 8) % 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(header.Length + padding));
        stream.Write(prefix);
        stream.Write(header);
        for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
        foreach (var t in ordered) stream.Write(t.Produce());
    }

    private static string HeaderJson(List<SafeTensorEntry> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new StringBuilder("{");
        if (metadata != null)
        {
            json.Append(Quote(MetadataKey)).Append(":{");
            json.AppendJoin(',', metadata.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Quote(p.Key) + ":" + Quote(p.Value)));
            json.Append('}');
            if (ordered.Count > 0) json.Append(',');
        }
        long offset = 0;
        for (int i = 0; i < ordered.Count; i++)
        {
            var t = ordered[i];
            if (i > 0) json.Append(',');
            json.Append(Quote(t.Name)).Append(":{\"dtype\":").Append(Quote(t.DType.ToString()))
                .Append(",\"shape\":[").AppendJoin(',', t.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))
                .Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append((offset + t.ByteLength).ToString(CultureInfo.InvariantCulture)).Append("]}");
            offset += t.ByteLength;
        }
        return json.Append('}').ToString();
    }

    /// <summary>A JSON string escaped as serde_json (the reference's serializer) escapes it: quote, backslash and
    /// control characters only (short forms for \b \f \n \r \t, else \u00xx in lower case); everything else verbatim.</summary>
    internal static string Quote(string s)
    {
        var b = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\b': b.Append("\\b"); break;
                case '\f': b.Append("\\f"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                default:
                    if (c < 0x20) b.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else b.Append(c);
                    break;
            }
        }
        return b.Append('"').ToString();
    }
}
