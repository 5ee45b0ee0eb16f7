using System.Buffers.Binary;
using System.Text;

namespace ILGpuNet.Training.Data.Nifti;

/// <summary>
/// The fields of a NIfTI-1 or NIfTI-2 header, held at NIfTI-2 widths (64-bit dims and offsets, double
/// floats) whichever format the file had, with the geometry the standard derives from them. Field names
/// follow nifti1.h / nifti2.h. <see cref="Parse"/> only decodes; <see cref="FindProblem"/> says what is wrong.
/// </summary>
public sealed class NiftiHeader
{
    public const int Nifti1Size = 348;
    public const int Nifti2Size = 540;

    /// <summary>Where single-file data starts when there are no extensions: header plus the 4-byte extension flag.</summary>
    public const int Nifti1DataOffset = 352;
    public const int Nifti2DataOffset = 544;

    private static readonly byte[] Nifti2MagicTail = [0x0D, 0x0A, 0x1A, 0x0A];

    public NiftiFormat Format { get; set; } = NiftiFormat.Nifti1;

    public NiftiByteOrder ByteOrder { get; set; } = NiftiByteOrder.LittleEndian;

    /// <summary>Magic "ni1"/"ni2": header and image live in a .hdr/.img pair; "n+1"/"n+2": one file.</summary>
    public bool IsPair { get; set; }

    /// <summary>The magic exactly as found (for messages), e.g. "n+1".</summary>
    public string Magic { get; set; } = "n+1";

    public int DataTypeCode { get; set; } = (int)NiftiDataType.Float32;

    /// <summary>The datatype; only meaningful when <see cref="NiftiDataTypes.IsSupported"/> holds for the code.</summary>
    public NiftiDataType DataType => (NiftiDataType)DataTypeCode;

    public int BitPix { get; set; } = 32;

    /// <summary>dim[0..7]: dim[0] is the number of dimensions, dim[1..dim[0]] their sizes.</summary>
    public long[] Dim { get; set; } = [3, 1, 1, 1, 1, 1, 1, 1];

    /// <summary>pixdim[0..7]: pixdim[0] is qfac (the sign of the qform's third axis), pixdim[1..] voxel sizes.</summary>
    public double[] PixDim { get; set; } = [1, 1, 1, 1, 1, 1, 1, 1];

    public long VoxOffset { get; set; } = Nifti1DataOffset;

    public double SclSlope { get; set; } = 1;

    public double SclInter { get; set; }

    public double CalMin { get; set; }

    public double CalMax { get; set; }

    public double SliceDuration { get; set; }

    public double TOffset { get; set; }

    public long SliceStart { get; set; }

    public long SliceEnd { get; set; }

    public int SliceCode { get; set; }

    public byte DimInfo { get; set; }

    /// <summary>Bits 0-2 the spatial unit (2 = mm), bits 3-5 the temporal unit (8 = s).</summary>
    public int XyztUnits { get; set; } = 2;

    public int IntentCode { get; set; }

    public double IntentP1 { get; set; }

    public double IntentP2 { get; set; }

    public double IntentP3 { get; set; }

    public string IntentName { get; set; } = "";

    public string Description { get; set; } = "";

    public string AuxFile { get; set; } = "";

    public int QformCode { get; set; }

    public int SformCode { get; set; }

    public double QuaternB { get; set; }

    public double QuaternC { get; set; }

    public double QuaternD { get; set; }

    public double QOffsetX { get; set; }

    public double QOffsetY { get; set; }

    public double QOffsetZ { get; set; }

    /// <summary>srow_x, srow_y, srow_z as a 3x4 matrix (the first three rows of the sform).</summary>
    public double[,] Srow { get; set; } = new double[3, 4];

    public int HeaderSize => Format == NiftiFormat.Nifti1 ? Nifti1Size : Nifti2Size;

    /// <summary>Number of dimensions (dim[0]).</summary>
    public int Rank => (int)Dim[0];

    /// <summary>dim[1..dim[0]].</summary>
    public long[] Shape => Dim[1..(1 + Math.Clamp(Rank, 0, 7))];

    /// <summary>Voxels of one 3D volume: dim[1] * dim[2] * dim[3] (missing dimensions count as 1).</summary>
    public long VolumeVoxels => Size(1) * Size(2) * Size(3);

    /// <summary>Number of 3D volumes: the product of dim[4..dim[0]] (1 for a 3D image).</summary>
    public long VolumeCount
    {
        get
        {
            long n = 1;
            for (int i = 4; i <= Rank && i <= 7; i++) n *= Dim[i];
            return n;
        }
    }

    /// <summary>Size of axis i (1-based, as in dim[]); 1 beyond dim[0].</summary>
    public long Size(int axis) => axis <= Rank ? Dim[axis] : 1;

    /// <summary>qfac: -1 when pixdim[0] is negative, else 1 (the standard treats 0 as 1).</summary>
    public double Qfac => PixDim[0] < 0 ? -1 : 1;

    /// <summary>The qform (method 2) whatever qform_code says.</summary>
    public double[,] QformAffine => NiftiAffine.FromQuaternion(new NiftiAffine.Quaternion(
        QuaternB, QuaternC, QuaternD, QOffsetX, QOffsetY, QOffsetZ, PixDim[1], PixDim[2], PixDim[3], Qfac));

    /// <summary>The sform (method 3) whatever sform_code says.</summary>
    public double[,] SformAffine
    {
        get
        {
            var a = new double[4, 4];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                    a[i, j] = Srow[i, j];
            a[3, 3] = 1;
            return a;
        }
    }

    /// <summary>The standard's precedence: sform when sform_code &gt; 0, else qform when qform_code &gt; 0, else pixdim.</summary>
    public AffineSource AffineSource => SformCode > 0 ? AffineSource.Sform : QformCode > 0 ? AffineSource.Qform : AffineSource.Pixdim;

    /// <summary>The voxel-to-world affine by the standard's precedence (<see cref="AffineSource"/>).</summary>
    public double[,] Affine => AffineSource switch
    {
        AffineSource.Sform => SformAffine,
        AffineSource.Qform => QformAffine,
        // Method 1 (ANALYZE): x = pixdim[1] * i, and so on; a size that is not positive counts as 1.
        _ => NiftiAffine.Diagonal(Positive(PixDim[1]), Positive(PixDim[2]), Positive(PixDim[3])),
    };

    /// <summary>Voxel sizes |pixdim[1..3]| (what nibabel's get_zooms() gives for the spatial axes).</summary>
    public double[] Zooms => [Math.Abs(PixDim[1]), Math.Abs(PixDim[2]), Math.Abs(PixDim[3])];

    /// <summary>Whether scl_slope asks for scaling: the standard says a slope of 0 means none
    /// (non-finite slopes, which some writers use for "unset", count as none too).</summary>
    public bool HasScaling => SclSlope != 0 && double.IsFinite(SclSlope) && !(SclSlope == 1 && EffectiveSclInter == 0);

    /// <summary>scl_inter as applied: a non-finite intercept (an unset field) counts as 0 rather than turning every voxel into NaN.</summary>
    public double EffectiveSclInter => double.IsFinite(SclInter) ? SclInter : 0;

    /// <summary>The spatial unit as text ("mm", "um", "m" or "unknown").</summary>
    public string SpatialUnit => (XyztUnits & 7) switch { 1 => "m", 2 => "mm", 3 => "um", _ => "unknown" };

    /// <summary>
    /// Decodes a header. <paramref name="bytes"/> holds at least <see cref="HeaderSize"/> bytes of the
    /// given format; the byte order was decided from sizeof_hdr by the caller.
    /// </summary>
    public static NiftiHeader Parse(ReadOnlySpan<byte> bytes, NiftiFormat format, NiftiByteOrder order)
    {
        var f = new Fields(bytes, order == NiftiByteOrder.BigEndian);
        var h = new NiftiHeader { Format = format, ByteOrder = order };
        if (format == NiftiFormat.Nifti1)
        {
            h.Magic = Text(bytes.Slice(344, 4));
            h.IsPair = h.Magic == "ni1";
            h.DimInfo = bytes[39];
            for (int i = 0; i < 8; i++) h.Dim[i] = f.I16(40 + 2 * i);
            h.IntentP1 = f.F32(56);
            h.IntentP2 = f.F32(60);
            h.IntentP3 = f.F32(64);
            h.IntentCode = f.I16(68);
            h.DataTypeCode = f.I16(70);
            h.BitPix = f.I16(72);
            h.SliceStart = f.I16(74);
            for (int i = 0; i < 8; i++) h.PixDim[i] = f.F32(76 + 4 * i);
            double voxOffset = f.F32(108);
            h.VoxOffset = double.IsFinite(voxOffset) && voxOffset == Math.Floor(voxOffset) && voxOffset >= 0 && voxOffset < long.MaxValue
                ? (long)voxOffset
                : -1;
            h.SclSlope = f.F32(112);
            h.SclInter = f.F32(116);
            h.SliceEnd = f.I16(120);
            h.SliceCode = bytes[122];
            h.XyztUnits = bytes[123];
            h.CalMax = f.F32(124);
            h.CalMin = f.F32(128);
            h.SliceDuration = f.F32(132);
            h.TOffset = f.F32(136);
            h.Description = Text(bytes.Slice(148, 80));
            h.AuxFile = Text(bytes.Slice(228, 24));
            h.QformCode = f.I16(252);
            h.SformCode = f.I16(254);
            h.QuaternB = f.F32(256);
            h.QuaternC = f.F32(260);
            h.QuaternD = f.F32(264);
            h.QOffsetX = f.F32(268);
            h.QOffsetY = f.F32(272);
            h.QOffsetZ = f.F32(276);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                    h.Srow[i, j] = f.F32(280 + 16 * i + 4 * j);
            h.IntentName = Text(bytes.Slice(328, 16));
        }
        else
        {
            h.Magic = Text(bytes.Slice(4, 4));
            h.IsPair = h.Magic == "ni2";
            h.DataTypeCode = f.I16(12);
            h.BitPix = f.I16(14);
            for (int i = 0; i < 8; i++) h.Dim[i] = f.I64(16 + 8 * i);
            h.IntentP1 = f.F64(80);
            h.IntentP2 = f.F64(88);
            h.IntentP3 = f.F64(96);
            for (int i = 0; i < 8; i++) h.PixDim[i] = f.F64(104 + 8 * i);
            h.VoxOffset = f.I64(168);
            h.SclSlope = f.F64(176);
            h.SclInter = f.F64(184);
            h.CalMax = f.F64(192);
            h.CalMin = f.F64(200);
            h.SliceDuration = f.F64(208);
            h.TOffset = f.F64(216);
            h.SliceStart = f.I64(224);
            h.SliceEnd = f.I64(232);
            h.Description = Text(bytes.Slice(240, 80));
            h.AuxFile = Text(bytes.Slice(320, 24));
            h.QformCode = f.I32(344);
            h.SformCode = f.I32(348);
            h.QuaternB = f.F64(352);
            h.QuaternC = f.F64(360);
            h.QuaternD = f.F64(368);
            h.QOffsetX = f.F64(376);
            h.QOffsetY = f.F64(384);
            h.QOffsetZ = f.F64(392);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                    h.Srow[i, j] = f.F64(400 + 32 * i + 8 * j);
            h.SliceCode = f.I32(496);
            h.XyztUnits = f.I32(500);
            h.IntentCode = f.I32(504);
            h.IntentName = Text(bytes.Slice(508, 16));
            h.DimInfo = bytes[524];
        }

        return h;
    }

    /// <summary>The first thing wrong with this header for reading its data, or null. <paramref name="rawBytes"/>
    /// is the header as read, for the magic's byte-exact check.</summary>
    public string? FindProblem(ReadOnlySpan<byte> rawBytes)
    {
        if (Format == NiftiFormat.Nifti1)
        {
            var m = rawBytes.Slice(344, 4);
            if (!(m[0] == 'n' && (m[1] == '+' || m[1] == 'i') && m[2] == '1' && m[3] == 0))
                return $"bad magic {Quote(m)} (expected \"n+1\" or \"ni1\"; ANALYZE 7.5 files without a magic are not supported)";
        }
        else
        {
            var m = rawBytes.Slice(4, 8);
            if (!(m[0] == 'n' && (m[1] == '+' || m[1] == 'i') && m[2] == '2' && m[3] == 0))
                return $"bad magic {Quote(m[..4])} (expected \"n+2\" or \"ni2\")";
            if (!m[4..].SequenceEqual(Nifti2MagicTail))
                return "damaged NIfTI-2 magic: bytes 8-11 are not \\r\\n\\032\\n (was the file transferred in text mode?)";
        }

        if (Dim[0] < 1 || Dim[0] > 7) return $"impossible dims: dim[0] = {Dim[0]} (must be 1 to 7)";
        for (int i = 1; i <= Rank; i++)
            if (Dim[i] < 1) return $"impossible dims: dim[{i}] = {Dim[i]} (sizes must be positive; dims {FormatShape(Shape)})";
        if (!NiftiDataTypes.IsSupported(DataTypeCode))
            return $"unsupported datatype {DataTypeCode} ({NiftiDataTypes.StandardName(DataTypeCode)}); supported: " +
                   string.Join(", ", Enum.GetValues<NiftiDataType>().Select(NiftiDataTypes.NumpyName));
        if (VoxOffset < 0) return "bad vox_offset: not a non-negative whole number of bytes";
        if (!IsPair && VoxOffset < HeaderSize)
            return $"bad vox_offset {VoxOffset}: the data would start inside the {HeaderSize}-byte header";

        // Every size must multiply out without overflow, and one 3D volume must fit a .NET array.
        try
        {
            long total = checked(VolumeVoxels * VolumeCount * NiftiDataTypes.Size(DataType));
            _ = checked(VoxOffset + total);
        }
        catch (OverflowException)
        {
            return $"impossible dims {FormatShape(Shape)}: the data size overflows 64 bits";
        }

        if (VolumeVoxels > Array.MaxLength)
            return $"a 3D volume of {FormatShape(Shape[..Math.Min(3, Rank)])} = {VolumeVoxels} voxels is too large to load";
        return null;
    }

    /// <summary>Serialises this header (format and byte order as set) into <paramref name="bytes"/> (HeaderSize bytes).</summary>
    public void Write(Span<byte> bytes)
    {
        bytes[..HeaderSize].Clear();
        var f = new FieldWriter(bytes, ByteOrder == NiftiByteOrder.BigEndian);
        if (Format == NiftiFormat.Nifti1)
        {
            f.SetI32(0, Nifti1Size);
            bytes[38] = (byte)'r'; // "regular", unused by NIfTI but set by the usual writers
            bytes[39] = DimInfo;
            for (int i = 0; i < 8; i++) f.SetI16(40 + 2 * i, checked((short)Dim[i]));
            f.SetF32(56, IntentP1);
            f.SetF32(60, IntentP2);
            f.SetF32(64, IntentP3);
            f.SetI16(68, checked((short)IntentCode));
            f.SetI16(70, checked((short)DataTypeCode));
            f.SetI16(72, checked((short)BitPix));
            f.SetI16(74, checked((short)SliceStart));
            for (int i = 0; i < 8; i++) f.SetF32(76 + 4 * i, PixDim[i]);
            f.SetF32(108, VoxOffset);
            f.SetF32(112, SclSlope);
            f.SetF32(116, SclInter);
            f.SetI16(120, checked((short)SliceEnd));
            bytes[122] = checked((byte)SliceCode);
            bytes[123] = checked((byte)XyztUnits);
            f.SetF32(124, CalMax);
            f.SetF32(128, CalMin);
            f.SetF32(132, SliceDuration);
            f.SetF32(136, TOffset);
            SetText(bytes.Slice(148, 80), Description);
            SetText(bytes.Slice(228, 24), AuxFile);
            f.SetI16(252, checked((short)QformCode));
            f.SetI16(254, checked((short)SformCode));
            f.SetF32(256, QuaternB);
            f.SetF32(260, QuaternC);
            f.SetF32(264, QuaternD);
            f.SetF32(268, QOffsetX);
            f.SetF32(272, QOffsetY);
            f.SetF32(276, QOffsetZ);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                    f.SetF32(280 + 16 * i + 4 * j, Srow[i, j]);
            SetText(bytes.Slice(328, 16), IntentName);
            SetText(bytes.Slice(344, 4), IsPair ? "ni1" : "n+1");
        }
        else
        {
            f.SetI32(0, Nifti2Size);
            SetText(bytes.Slice(4, 4), IsPair ? "ni2" : "n+2");
            Nifti2MagicTail.CopyTo(bytes.Slice(8, 4));
            f.SetI16(12, checked((short)DataTypeCode));
            f.SetI16(14, checked((short)BitPix));
            for (int i = 0; i < 8; i++) f.SetI64(16 + 8 * i, Dim[i]);
            f.SetF64(80, IntentP1);
            f.SetF64(88, IntentP2);
            f.SetF64(96, IntentP3);
            for (int i = 0; i < 8; i++) f.SetF64(104 + 8 * i, PixDim[i]);
            f.SetI64(168, VoxOffset);
            f.SetF64(176, SclSlope);
            f.SetF64(184, SclInter);
            f.SetF64(192, CalMax);
            f.SetF64(200, CalMin);
            f.SetF64(208, SliceDuration);
            f.SetF64(216, TOffset);
            f.SetI64(224, SliceStart);
            f.SetI64(232, SliceEnd);
            SetText(bytes.Slice(240, 80), Description);
            SetText(bytes.Slice(320, 24), AuxFile);
            f.SetI32(344, QformCode);
            f.SetI32(348, SformCode);
            f.SetF64(352, QuaternB);
            f.SetF64(360, QuaternC);
            f.SetF64(368, QuaternD);
            f.SetF64(376, QOffsetX);
            f.SetF64(384, QOffsetY);
            f.SetF64(392, QOffsetZ);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                    f.SetF64(400 + 32 * i + 8 * j, Srow[i, j]);
            f.SetI32(496, SliceCode);
            f.SetI32(500, XyztUnits);
            f.SetI32(504, IntentCode);
            SetText(bytes.Slice(508, 16), IntentName);
            bytes[524] = DimInfo;
        }
    }

    public static string FormatShape(IEnumerable<long> shape) => string.Join("x", shape);

    private static double Positive(double v) => v > 0 && double.IsFinite(v) ? v : 1;

    private static string Text(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        if (end < 0) end = field.Length;
        var sb = new StringBuilder(end);
        foreach (byte b in field[..end]) sb.Append(b is >= 32 and < 127 ? (char)b : '?');
        return sb.ToString().Trim();
    }

    private static string Quote(ReadOnlySpan<byte> field)
    {
        var sb = new StringBuilder("\"");
        foreach (byte b in field) sb.Append(b is >= 32 and < 127 and not (byte)'"' and not (byte)'\\' ? ((char)b).ToString() : $"\\x{b:x2}");
        return sb.Append('"').ToString();
    }

    private static void SetText(Span<byte> field, string text)
    {
        field.Clear();
        int n = Math.Min(text.Length, field.Length - 1);
        for (int i = 0; i < n; i++) field[i] = text[i] is >= ' ' and < (char)127 ? (byte)text[i] : (byte)'?';
    }

    /// <summary>Typed reads of header fields at byte offsets in either byte order.</summary>
    private readonly ref struct Fields(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> b = bytes;

        public short I16(int at) => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(b[at..]) : BinaryPrimitives.ReadInt16LittleEndian(b[at..]);

        public int I32(int at) => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(b[at..]) : BinaryPrimitives.ReadInt32LittleEndian(b[at..]);

        public long I64(int at) => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(b[at..]) : BinaryPrimitives.ReadInt64LittleEndian(b[at..]);

        public double F32(int at) => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(b[at..]) : BinaryPrimitives.ReadSingleLittleEndian(b[at..]);

        public double F64(int at) => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(b[at..]) : BinaryPrimitives.ReadDoubleLittleEndian(b[at..]);
    }

    /// <summary>Typed writes of header fields at byte offsets in either byte order.</summary>
    private readonly ref struct FieldWriter(Span<byte> bytes, bool bigEndian)
    {
        private readonly Span<byte> b = bytes;

        public void SetI16(int at, short v) { if (bigEndian) BinaryPrimitives.WriteInt16BigEndian(b[at..], v); else BinaryPrimitives.WriteInt16LittleEndian(b[at..], v); }

        public void SetI32(int at, int v) { if (bigEndian) BinaryPrimitives.WriteInt32BigEndian(b[at..], v); else BinaryPrimitives.WriteInt32LittleEndian(b[at..], v); }

        public void SetI64(int at, long v) { if (bigEndian) BinaryPrimitives.WriteInt64BigEndian(b[at..], v); else BinaryPrimitives.WriteInt64LittleEndian(b[at..], v); }

        public void SetF32(int at, double v) { if (bigEndian) BinaryPrimitives.WriteSingleBigEndian(b[at..], (float)v); else BinaryPrimitives.WriteSingleLittleEndian(b[at..], (float)v); }

        public void SetF64(int at, double v) { if (bigEndian) BinaryPrimitives.WriteDoubleBigEndian(b[at..], v); else BinaryPrimitives.WriteDoubleLittleEndian(b[at..], v); }
    }
}
