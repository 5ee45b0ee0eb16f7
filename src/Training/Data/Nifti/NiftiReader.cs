using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ILGpuNet.Training.Data.Nifti;

/// <summary>
/// Reads NIfTI-1 and NIfTI-2 images: single .nii files and .hdr/.img pairs, each optionally gzipped (found
/// by the gzip signature, not the name), in either byte order (found from sizeof_hdr), in the ten integer
/// and float datatypes. Voxels come back as float32 with scl_slope/scl_inter applied, x fastest (see
/// <see cref="NiftiVolume"/>). Every problem with a file is a <see cref="NiftiException"/> whose one-line
/// message starts with the file's path.
/// </summary>
public static class NiftiReader
{
    /// <summary>Reads one 3D volume (<paramref name="volumeIndex"/> of a 4D file; 0 for a 3D file).
    /// With <paramref name="requireFinite"/>, a NaN or infinite voxel is an error naming its position.</summary>
    public static NiftiVolume Read(string path, int volumeIndex = 0, bool requireFinite = false)
    {
        using var source = NiftiSource.Open(path);
        var h = source.Header;
        if (volumeIndex < 0 || volumeIndex >= h.VolumeCount)
            throw new NiftiException(path, $"volume index {volumeIndex} out of range: the file has {h.VolumeCount} volume{(h.VolumeCount == 1 ? "" : "s")}");
        source.SkipVolumes(volumeIndex);
        return source.ReadVolume(volumeIndex, requireFinite);
    }

    /// <summary>Every 3D volume of a file in order, decoded from one pass over the stream.</summary>
    public static IEnumerable<NiftiVolume> ReadVolumes(string path, bool requireFinite = false)
    {
        using var source = NiftiSource.Open(path);
        for (int v = 0; v < source.Header.VolumeCount; v++)
            yield return source.ReadVolume(v, requireFinite);
    }

    /// <summary>The header alone, validated (the data is not read, so a truncated compressed file passes).</summary>
    public static NiftiHeader ReadHeader(string path)
    {
        using var source = NiftiSource.Open(path);
        return source.Header;
    }

    /// <summary>An open image: its validated header and a stream positioned inside its data.</summary>
    private sealed class NiftiSource : IDisposable
    {
        private const int ChunkVoxels = 1 << 16;

        private readonly string headerPath;
        private Stream data = null!;
        private string dataPath = null!;
        private bool dataCompressed;
        private long position;   // bytes consumed from the data stream
        private long dataLength; // length of an uncompressed data file, -1 when compressed

        private NiftiSource(string headerPath) => this.headerPath = headerPath;

        public NiftiHeader Header { get; private set; } = null!;

        private long VolumeBytes => Header.VolumeVoxels * NiftiDataTypes.Size(Header.DataType);

        public static NiftiSource Open(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            var (headerPath, imagePath) = ResolvePair(path);
            var source = new NiftiSource(headerPath);
            try
            {
                source.OpenHeader(imagePath);
                return source;
            }
            catch
            {
                source.Dispose();
                throw;
            }
        }

        public void Dispose() => data?.Dispose();

        public void SkipVolumes(int count) => Skip(count * VolumeBytes, "the volumes before the one asked for");

        public NiftiVolume ReadVolume(int volumeIndex, bool requireFinite)
        {
            var h = Header;
            int nx = (int)h.Size(1), ny = (int)h.Size(2), nz = (int)h.Size(3);
            var voxels = new float[h.VolumeVoxels];
            var type = h.DataType;
            int size = NiftiDataTypes.Size(type);
            bool swap = (h.ByteOrder == NiftiByteOrder.BigEndian) == BitConverter.IsLittleEndian;
            bool scale = h.HasScaling;
            byte[]? buffer = type == NiftiDataType.Float32 ? null : ArrayPool<byte>.Shared.Rent(ChunkVoxels * size);
            try
            {
                for (int start = 0; start < voxels.Length; start += ChunkVoxels)
                {
                    int count = Math.Min(ChunkVoxels, voxels.Length - start);
                    var dst = voxels.AsSpan(start, count);
                    var raw = buffer == null ? MemoryMarshal.AsBytes(dst) : buffer.AsSpan(0, count * size);
                    ReadExactly(raw, volumeIndex);
                    if (swap) SwapInPlace(raw, size);
                    Decode(raw, type, dst, scale, h.SclSlope, h.EffectiveSclInter);
                    if (requireFinite)
                    {
                        int bad = IndexOfNonFinite(dst);
                        if (bad >= 0)
                        {
                            int i = start + bad;
                            string where = $"({i % nx}, {i / nx % ny}, {i / nx / ny})" + (h.VolumeCount > 1 ? $" of volume {volumeIndex}" : "");
                            throw new NiftiException(dataPath, $"non-finite voxel {dst[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)} at {where}: this volume must be finite");
                        }
                    }
                }
            }
            finally
            {
                if (buffer != null) ArrayPool<byte>.Shared.Return(buffer);
            }

            if (dataCompressed && volumeIndex == Header.VolumeCount - 1) VerifyGzipTrailer();
            return new NiftiVolume([nx, ny, nz], voxels, h.Affine, h.Zooms)
            {
                Header = h,
                VolumeIndex = volumeIndex,
                SourcePath = headerPath,
            };
        }

        private void OpenHeader(string? pairImagePath)
        {
            if (!File.Exists(headerPath))
                throw new NiftiException(headerPath, Directory.Exists(headerPath) ? "is a directory, not a NIfTI file" : "no such file");
            var (stream, compressed) = OpenMaybeGzip(headerPath);
            data = stream;
            dataPath = headerPath;
            dataCompressed = compressed;
            dataLength = compressed ? -1 : stream.Length;

            Span<byte> bytes = stackalloc byte[NiftiHeader.Nifti2Size];
            ReadHeaderBytes(bytes[..4], 0);
            int little = BinaryPrimitives.ReadInt32LittleEndian(bytes), big = BinaryPrimitives.ReadInt32BigEndian(bytes);
            (NiftiFormat format, NiftiByteOrder order) = (little, big) switch
            {
                (NiftiHeader.Nifti1Size, _) => (NiftiFormat.Nifti1, NiftiByteOrder.LittleEndian),
                (NiftiHeader.Nifti2Size, _) => (NiftiFormat.Nifti2, NiftiByteOrder.LittleEndian),
                (_, NiftiHeader.Nifti1Size) => (NiftiFormat.Nifti1, NiftiByteOrder.BigEndian),
                (_, NiftiHeader.Nifti2Size) => (NiftiFormat.Nifti2, NiftiByteOrder.BigEndian),
                _ => throw new NiftiException(headerPath,
                    $"bad header size: sizeof_hdr is {little} (bytes {Hex(bytes[..4])}), expected 348 (NIfTI-1) or 540 (NIfTI-2) in either byte order: not a NIfTI file?"),
            };
            int headerSize = format == NiftiFormat.Nifti1 ? NiftiHeader.Nifti1Size : NiftiHeader.Nifti2Size;
            ReadHeaderBytes(bytes[4..headerSize], 4);
            var header = NiftiHeader.Parse(bytes, format, order);
            var problem = header.FindProblem(bytes);
            if (problem != null) throw new NiftiException(headerPath, problem);
            Header = header;
            position = headerSize;

            if (header.IsPair)
            {
                var imagePath = pairImagePath ?? FindImageOf(headerPath);
                data.Dispose();
                (data, dataCompressed) = OpenMaybeGzip(imagePath);
                dataPath = imagePath;
                dataLength = dataCompressed ? -1 : data.Length;
                position = 0;
            }

            long needed = header.VoxOffset + header.VolumeCount * VolumeBytes;
            if (dataLength >= 0 && dataLength < needed)
                throw new NiftiException(dataPath,
                    $"data shorter than the header promises: {Summary(header)} needs {needed} bytes{(header.IsPair ? "" : " with the header")}, the file has {dataLength}");
            Skip(header.VoxOffset - position, "the header extensions before vox_offset");
        }

        private void ReadHeaderBytes(Span<byte> span, int offset)
        {
            int got = ReadAtMost(span);
            if (got < span.Length)
                throw new NiftiException(headerPath, offset + got == 0
                    ? "empty file"
                    : $"file ends inside the header after {offset + got} bytes{(offset == 0 ? "" : $" (header size {offset + span.Length})")}");
        }

        private void ReadExactly(Span<byte> span, int volumeIndex)
        {
            int got = ReadAtMost(span);
            position += got;
            if (got < span.Length)
                throw new NiftiException(dataPath,
                    $"data shorter than the header promises: {Summary(Header)} needs {Header.VoxOffset + Header.VolumeCount * VolumeBytes} bytes, " +
                    $"the {(dataCompressed ? "decompressed stream" : "file")} ends at {position}" +
                    (Header.VolumeCount > 1 ? $" (inside volume {volumeIndex})" : "") + (dataCompressed ? " (truncated gzip?)" : ""));
        }

        private void Skip(long count, string what)
        {
            if (count <= 0) return;
            if (data.CanSeek)
            {
                data.Seek(count, SeekOrigin.Current);
                position += count;
                return;
            }

            var scratch = ArrayPool<byte>.Shared.Rent(1 << 16);
            try
            {
                while (count > 0)
                {
                    int n = ReadAtMost(scratch.AsSpan(0, (int)Math.Min(count, scratch.Length)));
                    if (n == 0)
                        throw new NiftiException(dataPath, $"data shorter than the header promises: the decompressed stream ends at {position} while skipping {what} (truncated gzip?)");
                    count -= n;
                    position += n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        /// <summary>Reads until the span is full or the stream ends; gzip corruption becomes a NiftiException.</summary>
        private int ReadAtMost(Span<byte> span)
        {
            int total = 0;
            try
            {
                while (total < span.Length)
                {
                    int n = data.Read(span[total..]);
                    if (n == 0) break;
                    total += n;
                }
            }
            catch (InvalidDataException e)
            {
                throw new NiftiException(dataPath, $"corrupt gzip data: {OneLine(e.Message)}", e);
            }
            catch (IOException e) when (e is not NiftiException)
            {
                throw new NiftiException(dataPath, $"read error: {OneLine(e.Message)}", e);
            }

            return total;
        }

        /// <summary>Reading the stream to its end makes the inflater check the gzip CRC-32 and length, so
        /// corruption that still inflates to plausible voxels is caught too.</summary>
        private void VerifyGzipTrailer()
        {
            var scratch = ArrayPool<byte>.Shared.Rent(1 << 14);
            try
            {
                while (ReadAtMost(scratch) > 0) { }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        private static (Stream Stream, bool Compressed) OpenMaybeGzip(string path)
        {
            FileStream file;
            try
            {
                file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            }
            catch (FileNotFoundException)
            {
                throw new NiftiException(path, "no such file");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new NiftiException(path, $"cannot open: {OneLine(e.Message)}", e);
            }

            Span<byte> signature = stackalloc byte[2];
            int got = file.Read(signature);
            if (got == 1) got += file.Read(signature[1..]);
            file.Seek(0, SeekOrigin.Begin);
            if (got == 2 && signature[0] == 0x1f && signature[1] == 0x8b)
                return (new GZipStream(file, CompressionMode.Decompress), true);
            return (file, false);
        }

        /// <summary>(header file, image file or null): an .img path names its .hdr; a .hdr names its .img
        /// once the magic says "ni1"/"ni2"; anything else is a single file.</summary>
        private static (string Header, string? Image) ResolvePair(string path)
        {
            var (stem, ext, gz) = SplitName(path);
            if (ext != ".img") return (path, null);
            foreach (var candidate in new[] { stem + ".hdr" + (gz ? ".gz" : ""), stem + ".hdr" + (gz ? "" : ".gz") })
                if (File.Exists(candidate)) return (candidate, path);
            throw new NiftiException(path, $"header file {stem}.hdr{(gz ? ".gz" : "")} of this image not found");
        }

        private static string FindImageOf(string headerPath)
        {
            var (stem, _, gz) = SplitName(headerPath);
            foreach (var candidate in new[] { stem + ".img" + (gz ? ".gz" : ""), stem + ".img" + (gz ? "" : ".gz") })
                if (File.Exists(candidate)) return candidate;
            throw new NiftiException(headerPath, $"magic says the data is in a separate .img file, but {stem}.img{(gz ? ".gz" : "")} does not exist");
        }

        private static string Hex(ReadOnlySpan<byte> b) => System.Convert.ToHexString(b).ToLowerInvariant();
    }

    internal static (string Stem, string Extension, bool Gzipped) SplitName(string path)
    {
        bool gz = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        var withoutGz = gz ? path[..^3] : path;
        var ext = Path.GetExtension(withoutGz).ToLowerInvariant();
        return (withoutGz[..^ext.Length], ext, gz);
    }

    internal static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();

    private static string Summary(NiftiHeader h) =>
        $"dims {NiftiHeader.FormatShape(h.Shape)} of {NiftiDataTypes.NumpyName(h.DataType)} from vox_offset {h.VoxOffset}";

    private static void SwapInPlace(Span<byte> raw, int size)
    {
        switch (size)
        {
            case 2:
                var s16 = MemoryMarshal.Cast<byte, ushort>(raw);
                BinaryPrimitives.ReverseEndianness(s16, s16);
                break;
            case 4:
                var s32 = MemoryMarshal.Cast<byte, uint>(raw);
                BinaryPrimitives.ReverseEndianness(s32, s32);
                break;
            case 8:
                var s64 = MemoryMarshal.Cast<byte, ulong>(raw);
                BinaryPrimitives.ReverseEndianness(s64, s64);
                break;
        }
    }

    private static void Decode(ReadOnlySpan<byte> raw, NiftiDataType type, Span<float> dst, bool scale, double slope, double inter)
    {
        switch (type)
        {
            case NiftiDataType.UInt8: Convert(raw, dst, scale, slope, inter); break;
            case NiftiDataType.Int8: Convert(MemoryMarshal.Cast<byte, sbyte>(raw), dst, scale, slope, inter); break;
            case NiftiDataType.Int16: Convert(MemoryMarshal.Cast<byte, short>(raw), dst, scale, slope, inter); break;
            case NiftiDataType.UInt16: Convert(MemoryMarshal.Cast<byte, ushort>(raw), dst, scale, slope, inter); break;
            case NiftiDataType.Int32: Convert(MemoryMarshal.Cast<byte, int>(raw), dst, scale, slope, inter); break;
            case NiftiDataType.UInt32: Convert(MemoryMarshal.Cast<byte, uint>(raw), dst, scale, slope, inter); break;
            case NiftiDataType.Int64: Convert(MemoryMarshal.Cast<byte, long>(raw), dst, scale, slope, inter); break;
            case NiftiDataType.UInt64: Convert(MemoryMarshal.Cast<byte, ulong>(raw), dst, scale, slope, inter); break;
            case NiftiDataType.Float64: Convert(MemoryMarshal.Cast<byte, double>(raw), dst, scale, slope, inter); break;
            case NiftiDataType.Float32:
                // Read in place: raw is dst's own bytes.
                if (scale)
                    for (int i = 0; i < dst.Length; i++) dst[i] = (float)(dst[i] * slope + inter);
                break;
            default: throw new InvalidOperationException($"datatype {type} passed validation but has no decoder");
        }
    }

    /// <summary>Stored value to float32; with scaling, y = scl_slope * x + scl_inter computed in double.</summary>
    private static void Convert<T>(ReadOnlySpan<T> src, Span<float> dst, bool scale, double slope, double inter)
        where T : unmanaged, INumberBase<T>
    {
        if (scale)
            for (int i = 0; i < dst.Length; i++) dst[i] = (float)(double.CreateTruncating(src[i]) * slope + inter);
        else
            for (int i = 0; i < dst.Length; i++) dst[i] = float.CreateTruncating(src[i]);
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}
