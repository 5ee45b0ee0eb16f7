namespace ILGpuNet.Training.Data.Nifti;

/// <summary>The NIfTI datatype codes this reader and writer support (the standard's <c>datatype</c> field).</summary>
public enum NiftiDataType : short
{
    UInt8 = 2,
    Int16 = 4,
    Int32 = 8,
    Float32 = 16,
    Float64 = 64,
    Int8 = 256,
    UInt16 = 512,
    UInt32 = 768,
    Int64 = 1024,
    UInt64 = 1280,
}

public enum NiftiFormat
{
    /// <summary>348-byte header, magic "n+1" (single file) or "ni1" (.hdr/.img pair).</summary>
    Nifti1 = 1,

    /// <summary>540-byte header, magic "n+2" (single file) or "ni2" (.hdr/.img pair).</summary>
    Nifti2 = 2,
}

public enum NiftiByteOrder
{
    LittleEndian,
    BigEndian,
}

/// <summary>Which of the standard's three methods gave a volume's voxel-to-world affine.</summary>
public enum AffineSource
{
    /// <summary>sform_code &gt; 0: the srow_x/y/z rows (method 3).</summary>
    Sform,

    /// <summary>sform_code 0, qform_code &gt; 0: quaternion, offsets, pixdim and qfac (method 2).</summary>
    Qform,

    /// <summary>Both codes 0: diag(pixdim[1..3]) with no offset (method 1, ANALYZE compatibility).</summary>
    Pixdim,
}

public static class NiftiDataTypes
{
    public static bool IsSupported(int code) => code is 2 or 4 or 8 or 16 or 64 or 256 or 512 or 768 or 1024 or 1280;

    /// <summary>Bytes per voxel of a supported datatype.</summary>
    public static int Size(NiftiDataType type) => type switch
    {
        NiftiDataType.UInt8 or NiftiDataType.Int8 => 1,
        NiftiDataType.Int16 or NiftiDataType.UInt16 => 2,
        NiftiDataType.Int32 or NiftiDataType.UInt32 or NiftiDataType.Float32 => 4,
        NiftiDataType.Int64 or NiftiDataType.UInt64 or NiftiDataType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported NIfTI datatype"),
    };

    /// <summary>The numpy name of a datatype (what nibabel's get_data_dtype() prints).</summary>
    public static string NumpyName(NiftiDataType type) => type switch
    {
        NiftiDataType.UInt8 => "uint8",
        NiftiDataType.Int8 => "int8",
        NiftiDataType.Int16 => "int16",
        NiftiDataType.UInt16 => "uint16",
        NiftiDataType.Int32 => "int32",
        NiftiDataType.UInt32 => "uint32",
        NiftiDataType.Int64 => "int64",
        NiftiDataType.UInt64 => "uint64",
        NiftiDataType.Float32 => "float32",
        NiftiDataType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported NIfTI datatype"),
    };

    /// <summary>Parses a numpy-style name (uint8, int16, float32, ...) as used on command lines.</summary>
    public static NiftiDataType Parse(string name)
    {
        foreach (var t in Enum.GetValues<NiftiDataType>())
            if (NumpyName(t) == name.ToLowerInvariant()) return t;
        throw new ArgumentException($"unknown datatype '{name}' (expected one of {string.Join(", ", Enum.GetValues<NiftiDataType>().Select(NumpyName))})");
    }

    /// <summary>The standard's name for any datatype code, supported or not, for error messages.</summary>
    public static string StandardName(int code) => code switch
    {
        0 => "UNKNOWN",
        1 => "BINARY",
        2 => "UINT8",
        4 => "INT16",
        8 => "INT32",
        16 => "FLOAT32",
        32 => "COMPLEX64",
        64 => "FLOAT64",
        128 => "RGB24",
        255 => "ALL",
        256 => "INT8",
        512 => "UINT16",
        768 => "UINT32",
        1024 => "INT64",
        1280 => "UINT64",
        1536 => "FLOAT128",
        1792 => "COMPLEX128",
        2048 => "COMPLEX256",
        2304 => "RGBA32",
        _ => "not a NIfTI datatype",
    };

    /// <summary>Smallest and largest value a datatype stores (as doubles, for range checks when writing).</summary>
    internal static (double Min, double Max) Range(NiftiDataType type) => type switch
    {
        NiftiDataType.UInt8 => (byte.MinValue, byte.MaxValue),
        NiftiDataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        NiftiDataType.Int16 => (short.MinValue, short.MaxValue),
        NiftiDataType.UInt16 => (ushort.MinValue, ushort.MaxValue),
        NiftiDataType.Int32 => (int.MinValue, int.MaxValue),
        NiftiDataType.UInt32 => (uint.MinValue, uint.MaxValue),
        NiftiDataType.Int64 => (long.MinValue, long.MaxValue),
        NiftiDataType.UInt64 => (ulong.MinValue, ulong.MaxValue),
        NiftiDataType.Float32 => (float.MinValue, float.MaxValue),
        _ => (double.MinValue, double.MaxValue),
    };

    internal static bool IsInteger(NiftiDataType type) => type is not (NiftiDataType.Float32 or NiftiDataType.Float64);
}
