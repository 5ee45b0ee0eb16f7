using System.Buffers.Binary;
using System.IO.Compression;
using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Tests.Data;

/// <summary>A temporary directory, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ilgpunet-nifti-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Builders of small NIfTI files for the tests, including byte-level edits at the standard's offsets.</summary>
internal static class NiftiTestFiles
{
    /// <summary>An oblique affine: rotation about an arbitrary axis, anisotropic voxels, an offset.</summary>
    public static double[,] ObliqueAffine(double qfac = 1)
    {
        var q = new NiftiAffine.Quaternion(0.1, -0.2, 0.3, -80.5, 12.25, 33.0, 1.2, 0.9, 2.5, qfac);
        return NiftiAffine.FromQuaternion(q);
    }

    public static NiftiVolume Ramp(int nx, int ny, int nz, Func<int, float>? value = null, double[,]? affine = null)
    {
        var data = new float[nx * ny * nz];
        for (int i = 0; i < data.Length; i++) data[i] = value?.Invoke(i) ?? i;
        return new NiftiVolume([nx, ny, nz], data, affine ?? NiftiAffine.Diagonal(2, 3, 4));
    }

    /// <summary>The uncompressed bytes of a file (gunzipped when it is a gzip file).</summary>
    public static byte[] Bytes(string path)
    {
        var raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
        using var z = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
        using var m = new MemoryStream();
        z.CopyTo(m);
        return m.ToArray();
    }

    public static void Save(string path, byte[] bytes, bool gzip = false)
    {
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return;
        }

        using var file = File.Create(path);
        using var z = new GZipStream(file, CompressionLevel.Fastest);
        z.Write(bytes);
    }

    /// <summary>Writes a float32 volume with our writer, applies a byte-level edit to the uncompressed bytes, saves it back.</summary>
    public static string Edited(TempDir dir, string name, Action<byte[]> edit, NiftiVolume? volume = null, NiftiWriteOptions? options = null)
    {
        var path = dir.File(name);
        NiftiWriter.Write(path, volume ?? Ramp(5, 4, 3), options);
        var bytes = Bytes(path);
        edit(bytes);
        Save(path, bytes, path.EndsWith(".gz"));
        return path;
    }

    public static void I16(byte[] b, int at, short v) => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(at), v);

    public static void I32(byte[] b, int at, int v) => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), v);

    public static void F32(byte[] b, int at, float v) => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(at), v);

    /// <summary>
    /// A NIfTI-1 single file built field by field from the standard's offsets, independent of our writer:
    /// big-endian int16 voxels, the given scaling, codes and affines.
    /// </summary>
    public static byte[] HandBuiltBigEndianInt16(short[] voxels, int nx, int ny, int nz, float slope, float inter,
        short qformCode, short sformCode, float[] quatern, float[] qoffset, float[] pixdim, float[,] srow)
    {
        var b = new byte[352 + 2 * voxels.Length];
        var s = b.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(s, 348);
        short[] dim = [3, (short)nx, (short)ny, (short)nz, 1, 1, 1, 1];
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteInt16BigEndian(s[(40 + 2 * i)..], dim[i]);
        BinaryPrimitives.WriteInt16BigEndian(s[70..], 4);   // datatype int16
        BinaryPrimitives.WriteInt16BigEndian(s[72..], 16);  // bitpix
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteSingleBigEndian(s[(76 + 4 * i)..], pixdim[i]);
        BinaryPrimitives.WriteSingleBigEndian(s[108..], 352);   // vox_offset
        BinaryPrimitives.WriteSingleBigEndian(s[112..], slope);
        BinaryPrimitives.WriteSingleBigEndian(s[116..], inter);
        b[123] = 2;                                              // xyzt_units: mm
        BinaryPrimitives.WriteInt16BigEndian(s[252..], qformCode);
        BinaryPrimitives.WriteInt16BigEndian(s[254..], sformCode);
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteSingleBigEndian(s[(256 + 4 * i)..], quatern[i]);
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteSingleBigEndian(s[(268 + 4 * i)..], qoffset[i]);
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 4; c++)
                BinaryPrimitives.WriteSingleBigEndian(s[(280 + 16 * r + 4 * c)..], srow[r, c]);
        "n+1\0"u8.CopyTo(s[344..]);
        for (int i = 0; i < voxels.Length; i++) BinaryPrimitives.WriteInt16BigEndian(s[(352 + 2 * i)..], voxels[i]);
        return b;
    }

    public static void AssertAffine(double[,] expected, double[,] actual, double tolerance)
    {
        double diff = NiftiAffine.MaxDifference(expected, actual);
        Assert.True(diff <= tolerance, $"affines differ by {diff}:\n{NiftiAffine.Format(expected)}\nvs\n{NiftiAffine.Format(actual)}");
    }
}
