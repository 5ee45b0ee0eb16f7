using System.Runtime.InteropServices;

namespace ILGpuNet.Training.Checkpoints;

/// <summary>
/// A tensor to write: name, dtype, shape and its little-endian bytes, produced when the writer reaches it
/// (a device tensor is then copied to the host one at a time, not all at once).
/// </summary>
public sealed class SafeTensorEntry
{
    private readonly Func<byte[]> produce;

    private SafeTensorEntry(string name, SafeTensorsDType dtype, long[] shape, Func<byte[]> produce)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (shape.Any(d => d < 0)) throw new ArgumentException($"tensor '{name}': negative dimension in {SafeTensorInfo.FormatShape(shape)}");
        Name = name;
        DType = dtype;
        Shape = shape;
        ByteLength = shape.Aggregate((long)dtype.Size(), (n, d) => checked(n * d));
        this.produce = produce;
    }

    public string Name { get; }

    public SafeTensorsDType DType { get; }

    public IReadOnlyList<long> Shape { get; }

    public long ByteLength { get; }

    /// <summary>Raw bytes, already little-endian and row-major.</summary>
    public static SafeTensorEntry FromBytes(string name, SafeTensorsDType dtype, long[] shape, byte[] data) =>
        new(name, dtype, shape, () => data);

    /// <summary>Bytes produced while writing; <paramref name="produce"/> must return exactly shape x dtype size bytes.</summary>
    public static SafeTensorEntry Deferred(string name, SafeTensorsDType dtype, long[] shape, Func<byte[]> produce) =>
        new(name, dtype, shape, produce);

    public static SafeTensorEntry FromFloats(string name, float[] values, params long[] shape) =>
        new(name, SafeTensorsDType.F32, shape, () => LittleEndianBytes<float>(values));

    public static SafeTensorEntry FromInt64s(string name, long[] values, params long[] shape) =>
        new(name, SafeTensorsDType.I64, shape, () => LittleEndianBytes<long>(values));

    /// <summary>The bytes, checked against the declared size.</summary>
    internal byte[] Produce()
    {
        var bytes = produce();
        if (bytes.LongLength != ByteLength)
            throw new InvalidOperationException($"tensor '{Name}': {bytes.LongLength} bytes produced, shape {SafeTensorInfo.FormatShape(Shape)} of {DType} needs {ByteLength}");
        return bytes;
    }

    internal static byte[] LittleEndianBytes<T>(T[] values) where T : unmanaged
    {
        // Every platform .NET runs on today is little-endian; refuse rather than write wrong bytes elsewhere.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors writing needs a little-endian host");
        return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    }
}
