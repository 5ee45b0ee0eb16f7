using System.Buffers.Binary;

namespace ILGpuNet.Training.Checkpoints;

/// <summary>
/// Element types of the safetensors format, declared in the format's own order of increasing alignment:
/// writers sort tensors by this order descending (then by name), so the numeric values matter.
/// </summary>
public enum SafeTensorsDType
{
    BOOL,
    U8,
    I8,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    F64,
    I64,
    U64,
}

public static class SafeTensorsDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.BOOL or SafeTensorsDType.U8 or SafeTensorsDType.I8 => 1,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 4,
        _ => 8,
    };

    public static bool IsFloatingPoint(this SafeTensorsDType dtype) =>
        dtype is SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.F32 or SafeTensorsDType.F64;

    public static bool IsInteger(this SafeTensorsDType dtype) => !dtype.IsFloatingPoint() && dtype != SafeTensorsDType.BOOL;

    /// <summary>The header's spelling ("F32", "BF16", ...); null when the name is not a dtype we know.</summary>
    public static SafeTensorsDType? Parse(string name) =>
        Enum.TryParse<SafeTensorsDType>(name, ignoreCase: false, out var d) && Enum.IsDefined(d) && name == d.ToString() ? d : null;

    /// <summary>Element <paramref name="i"/> of little-endian data as a float (bfloat16 is the top half of a float32).</summary>
    public static float ReadAsFloat(this SafeTensorsDType dtype, ReadOnlySpan<byte> data, int i) => dtype switch
    {
        SafeTensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]),
        SafeTensorsDType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(8 * i)..]),
        SafeTensorsDType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(data[(2 * i)..]),
        SafeTensorsDType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(data[(2 * i)..]) << 16),
        SafeTensorsDType.U64 => BinaryPrimitives.ReadUInt64LittleEndian(data[(8 * i)..]),
        _ => dtype.ReadAsInt64(data, i),
    };

    /// <summary>Element <paramref name="i"/> of little-endian integer (or BOOL) data; U64 above long.MaxValue throws.</summary>
    public static long ReadAsInt64(this SafeTensorsDType dtype, ReadOnlySpan<byte> data, int i) => dtype switch
    {
        SafeTensorsDType.BOOL => data[i] != 0 ? 1 : 0,
        SafeTensorsDType.U8 => data[i],
        SafeTensorsDType.I8 => (sbyte)data[i],
        SafeTensorsDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(data[(2 * i)..]),
        SafeTensorsDType.U16 => BinaryPrimitives.ReadUInt16LittleEndian(data[(2 * i)..]),
        SafeTensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]),
        SafeTensorsDType.U32 => BinaryPrimitives.ReadUInt32LittleEndian(data[(4 * i)..]),
        SafeTensorsDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(data[(8 * i)..]),
        SafeTensorsDType.U64 => checked((long)BinaryPrimitives.ReadUInt64LittleEndian(data[(8 * i)..])),
        _ => throw new InvalidOperationException($"{dtype} is not an integer dtype"),
    };
}
