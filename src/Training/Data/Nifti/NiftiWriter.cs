using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using ILGpuNet.Training.IO;

namespace ILGpuNet.Training.Data.Nifti;

/// <summary>The standard's xform codes (qform_code, sform_code): what world space an affine maps to.</summary>
public static class NiftiXform
{
    public const int Unknown = 0;
    public const int ScannerAnat = 1;
    public const int AlignedAnat = 2;
    public const int Talairach = 3;
    public const int Mni152 = 4;
    public const int Template = 5;

    public static string Name(int code) => code switch
    {
        Unknown => "unknown",
        ScannerAnat => "scanner",
        AlignedAnat => "aligned",
        Talairach => "talairach",
        Mni152 => "mni",
        Template => "template",
        _ => $"code {code}",
    };
}

/// <summary>How <see cref="NiftiWriter"/> stores a volume. The defaults give what nibabel and FSL write for a
/// float32 image: NIfTI-1, little-endian, float32, qform and sform both set from the affine.</summary>
public sealed record NiftiWriteOptions
{
    public NiftiDataType DataType { get; init; } = NiftiDataType.Float32;

    public NiftiFormat Format { get; init; } = NiftiFormat.Nifti1;

    public NiftiByteOrder ByteOrder { get; init; } = NiftiByteOrder.LittleEndian;

    /// <summary>qform_code and sform_code (<see cref="NiftiXform"/>); use <see cref="NiftiXform.Mni152"/> for MNI space.</summary>
    public int XformCode { get; init; } = NiftiXform.AlignedAnat;

    /// <summary>scl_slope for integer datatypes. Null: slope 1 when every voxel is a whole number the datatype
    /// holds, otherwise slope and intercept that map the data's range onto the datatype's range.</summary>
    public double? Slope { get; init; }

    /// <summary>scl_inter (used with <see cref="Slope"/>).</summary>
    public double Intercept { get; init; }

    public string Description { get; init; } = "ILGpuNet";

    public CompressionLevel Compression { get; init; } = CompressionLevel.Optimal;
}

/// <summary>
/// Writes a <see cref="NiftiVolume"/> as NIfTI: the file name picks the layout (.nii or .hdr/.img, each
/// optionally .gz). Both qform (quaternion of the affine's nearest rigid-plus-zoom part, qfac in pixdim[0])
/// and sform (the affine itself) are set, pixdim from the affine's column norms, xyzt_units mm (and s for
/// 4D). Files are written to a temporary name in the same directory and renamed, so readers never see a
/// partial file.
/// </summary>
public static class NiftiWriter
{
    private const int ChunkVoxels = 1 << 16;

    public static void Write(string path, NiftiVolume volume, NiftiWriteOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(volume);
        options ??= new NiftiWriteOptions();
        var (stem, ext, gz) = NiftiReader.SplitName(path);
        bool pair = ext is ".hdr" or ".img";
        if (!pair && ext != ".nii")
            throw new ArgumentException($"{path}: unknown NIfTI file name; use .nii, .nii.gz, or .hdr/.img (optionally .gz)");

        var (slope, inter) = ChooseScaling(volume.Data, options, path);
        var header = BuildHeader(volume, options, pair, slope, inter, path);
        var headerBytes = new byte[header.HeaderSize + 4]; // header, then the 4-byte extension flag (no extensions)
        header.Write(headerBytes);

        if (!pair)
        {
            WriteAtomically(path, gz, options.Compression, s =>
            {
                s.Write(headerBytes);
                WriteVoxels(s, volume.Data, header, slope, inter);
            });
            return;
        }

        string suffix = gz ? ".gz" : "";
        string imagePath = stem + ".img" + suffix, headerPath = stem + ".hdr" + suffix;
        WriteAtomically(imagePath, gz, options.Compression, s => WriteVoxels(s, volume.Data, header, slope, inter));
        WriteAtomically(headerPath, gz, options.Compression, s => s.Write(headerBytes));
    }

    private static NiftiHeader BuildHeader(NiftiVolume volume, NiftiWriteOptions options, bool pair, double slope, double inter, string path)
    {
        var q = NiftiAffine.ToQuaternion(volume.Affine);
        var h = new NiftiHeader
        {
            Format = options.Format,
            ByteOrder = options.ByteOrder,
            IsPair = pair,
            DataTypeCode = (int)options.DataType,
            BitPix = 8 * NiftiDataTypes.Size(options.DataType),
            VoxOffset = pair ? 0 : options.Format == NiftiFormat.Nifti1 ? NiftiHeader.Nifti1DataOffset : NiftiHeader.Nifti2DataOffset,
            SclSlope = slope,
            SclInter = inter,
            XyztUnits = volume.Shape.Length > 3 ? 2 | 8 : 2,
            Description = options.Description,
            QformCode = options.XformCode,
            SformCode = options.XformCode,
            QuaternB = q.B,
            QuaternC = q.C,
            QuaternD = q.D,
            QOffsetX = q.OffsetX,
            QOffsetY = q.OffsetY,
            QOffsetZ = q.OffsetZ,
        };
        h.Dim[0] = volume.Shape.Length;
        for (int i = 0; i < volume.Shape.Length; i++)
        {
            if (options.Format == NiftiFormat.Nifti1 && volume.Shape[i] > short.MaxValue)
                throw new ArgumentException($"{path}: size {volume.Shape[i]} exceeds NIfTI-1's limit of {short.MaxValue} per axis; write NIfTI-2");
            h.Dim[i + 1] = volume.Shape[i];
        }

        h.PixDim[0] = q.Qfac;
        h.PixDim[1] = q.Dx;
        h.PixDim[2] = q.Dy;
        h.PixDim[3] = q.Dz;
        if (volume.Shape.Length > 3) h.PixDim[4] = volume.Zooms[3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
                h.Srow[i, j] = volume.Affine[i, j];
        return h;
    }

    /// <summary>(scl_slope, scl_inter) to write: 1 and 0 for floats, see <see cref="NiftiWriteOptions.Slope"/> for integers.</summary>
    private static (double Slope, double Inter) ChooseScaling(float[] data, NiftiWriteOptions options, string path)
    {
        if (!NiftiDataTypes.IsInteger(options.DataType))
            return options.Slope is { } s ? (s, options.Intercept) : (1, 0);
        if (options.Slope is { } given)
        {
            if (given == 0 || !double.IsFinite(given)) throw new ArgumentException($"{path}: scl_slope must be finite and non-zero, not {given}");
            return (given, options.Intercept);
        }

        var (tmin, tmax) = NiftiDataTypes.Range(options.DataType);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        bool whole = true;
        foreach (float v in data)
        {
            if (!float.IsFinite(v)) throw new ArgumentException($"{path}: cannot store the non-finite value {v} as {NiftiDataTypes.NumpyName(options.DataType)}");
            if (v < min) min = v;
            if (v > max) max = v;
            if (whole && v != MathF.Round(v)) whole = false;
        }

        if (data.Length == 0 || (whole && min >= tmin && max <= tmax)) return (1, 0);
        if (max == min) return (1, min);
        double slope = (max - min) / (tmax - tmin);
        return (slope, min - tmin * slope);
    }

    private static void WriteVoxels(Stream s, float[] data, NiftiHeader h, double slope, double inter)
    {
        var type = h.DataType;
        int size = NiftiDataTypes.Size(type);
        bool swap = (h.ByteOrder == NiftiByteOrder.BigEndian) == BitConverter.IsLittleEndian;
        var (tmin, tmax) = NiftiDataTypes.Range(type);
        bool identity = slope == 1 && inter == 0;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkVoxels * size);
        try
        {
            for (int start = 0; start < data.Length; start += ChunkVoxels)
            {
                int count = Math.Min(ChunkVoxels, data.Length - start);
                var src = data.AsSpan(start, count);
                var raw = buffer.AsSpan(0, count * size);
                switch (type)
                {
                    case NiftiDataType.Float32:
                        var f32 = MemoryMarshal.Cast<byte, float>(raw);
                        if (identity) src.CopyTo(f32);
                        else for (int i = 0; i < count; i++) f32[i] = (float)((src[i] - inter) / slope);
                        break;
                    case NiftiDataType.Float64:
                        var f64 = MemoryMarshal.Cast<byte, double>(raw);
                        for (int i = 0; i < count; i++) f64[i] = identity ? src[i] : (src[i] - inter) / slope;
                        break;
                    case NiftiDataType.UInt8: Quantise(src, raw, start, slope, inter, tmin, tmax, h); break;
                    case NiftiDataType.Int8: Quantise(src, MemoryMarshal.Cast<byte, sbyte>(raw), start, slope, inter, tmin, tmax, h); break;
                    case NiftiDataType.Int16: Quantise(src, MemoryMarshal.Cast<byte, short>(raw), start, slope, inter, tmin, tmax, h); break;
                    case NiftiDataType.UInt16: Quantise(src, MemoryMarshal.Cast<byte, ushort>(raw), start, slope, inter, tmin, tmax, h); break;
                    case NiftiDataType.Int32: Quantise(src, MemoryMarshal.Cast<byte, int>(raw), start, slope, inter, tmin, tmax, h); break;
                    case NiftiDataType.UInt32: Quantise(src, MemoryMarshal.Cast<byte, uint>(raw), start, slope, inter, tmin, tmax, h); break;
                    case NiftiDataType.Int64: Quantise(src, MemoryMarshal.Cast<byte, long>(raw), start, slope, inter, tmin, tmax, h); break;
                    case NiftiDataType.UInt64: Quantise(src, MemoryMarshal.Cast<byte, ulong>(raw), start, slope, inter, tmin, tmax, h); break;
                }

                if (swap)
                {
                    if (size == 2) { var v = MemoryMarshal.Cast<byte, ushort>(raw); BinaryPrimitives.ReverseEndianness(v, v); }
                    else if (size == 4) { var v = MemoryMarshal.Cast<byte, uint>(raw); BinaryPrimitives.ReverseEndianness(v, v); }
                    else if (size == 8) { var v = MemoryMarshal.Cast<byte, ulong>(raw); BinaryPrimitives.ReverseEndianness(v, v); }
                }

                s.Write(raw);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>stored = round((value - inter) / slope); a value the datatype cannot hold is an error, not a silent clamp.</summary>
    private static void Quantise<T>(ReadOnlySpan<float> src, Span<T> dst, int offset, double slope, double inter, double tmin, double tmax, NiftiHeader h)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        for (int i = 0; i < src.Length; i++)
        {
            double v = (src[i] - inter) / slope;
            if (!(v >= tmin - 0.5 && v <= tmax + 0.5))
                throw new ArgumentException(
                    $"value {src[i]} at voxel {offset + i} does not fit {NiftiDataTypes.NumpyName(h.DataType)} with scl_slope {slope} and scl_inter {inter}");
            double q = Math.Clamp(Math.Round(v, MidpointRounding.ToEven), tmin, tmax);
            dst[i] = T.CreateSaturating(q);
        }
    }

    private static void WriteAtomically(string path, bool gzip, CompressionLevel level, Action<Stream> write) =>
        AtomicFile.Write(path, file =>
        {
            if (!gzip)
            {
                write(file);
                return;
            }

            using var z = new GZipStream(file, level, leaveOpen: true);
            write(z);
        }, durable: false);
}
