using ILGpuNet.Training.Data.Nifti;
using static ILGpuNet.Tests.Data.NiftiTestFiles;

namespace ILGpuNet.Tests.Data;

/// <summary>Every malformed input is a one-line NiftiException that starts with the file's path and names the problem.</summary>
public class NiftiMalformedTests
{
    private static void AssertFails(string path, string expectedProblem, string? reportedPath = null)
    {
        var e = Assert.Throws<NiftiException>(() => NiftiReader.Read(path));
        Assert.StartsWith((reportedPath ?? path) + ": ", e.Message);
        Assert.Contains(expectedProblem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.IsAssignableFrom<IOException>(e); // the CLI's catch list prints IOExceptions as one line
    }

    [Fact]
    public void BadMagic()
    {
        using var dir = new TempDir();
        AssertFails(Edited(dir, "m.nii", b => "abc\0"u8.CopyTo(b.AsSpan(344))), "bad magic \"abc\\x00\"");
        AssertFails(Edited(dir, "analyze.nii.gz", b => b.AsSpan(344, 4).Clear()), "ANALYZE 7.5 files without a magic are not supported");
        AssertFails(Edited(dir, "n2.nii", b => "n+3\0"u8.CopyTo(b.AsSpan(4)), options: new NiftiWriteOptions { Format = NiftiFormat.Nifti2 }),
            "bad magic \"n+3\\x00\" (expected \"n+2\" or \"ni2\")");
        AssertFails(Edited(dir, "n2text.nii", b => { b[8] = (byte)'\n'; b[9] = 0x1a; }, options: new NiftiWriteOptions { Format = NiftiFormat.Nifti2 }),
            "damaged NIfTI-2 magic");
    }

    [Fact]
    public void WrongHeaderSizes()
    {
        using var dir = new TempDir();
        AssertFails(Edited(dir, "s.nii", b => I32(b, 0, 123)), "bad header size: sizeof_hdr is 123");
        var empty = dir.File("empty.nii");
        File.WriteAllBytes(empty, []);
        AssertFails(empty, "empty file");
        var shortHeader = dir.File("short.nii");
        File.WriteAllBytes(shortHeader, NiftiTestFiles.Bytes(Edited(dir, "full.nii", _ => { }))[..200]);
        AssertFails(shortHeader, "file ends inside the header after 200 bytes (header size 348)");
        var text = dir.File("text.nii");
        File.WriteAllText(text, "this is not an image at all");
        AssertFails(text, "not a NIfTI file?");
    }

    [Theory]
    [InlineData(0, 0, "impossible dims: dim[0] = 0 (must be 1 to 7)")]
    [InlineData(0, 8, "impossible dims: dim[0] = 8 (must be 1 to 7)")]
    [InlineData(0, -3, "impossible dims: dim[0] = -3")]
    [InlineData(2, 0, "impossible dims: dim[2] = 0 (sizes must be positive; dims 5x0x3)")]
    [InlineData(3, -5, "impossible dims: dim[3] = -5")]
    public void ImpossibleDims(int index, short value, string problem)
    {
        using var dir = new TempDir();
        AssertFails(Edited(dir, "d.nii.gz", b => I16(b, 40 + 2 * index, value)), problem);
    }

    [Fact]
    public void DataShorterThanTheHeaderPromises()
    {
        using var dir = new TempDir();
        var path = Edited(dir, "t.nii", _ => { });
        var b = File.ReadAllBytes(path);
        File.WriteAllBytes(path, b[..^7]);
        AssertFails(path, $"data shorter than the header promises: dims 5x4x3 of float32 from vox_offset 352 needs {b.Length} bytes with the header, the file has {b.Length - 7}");

        // Dims grown after writing: the header promises more than the file holds, also in the gzip case.
        AssertFails(Edited(dir, "t.nii.gz", bb => I16(bb, 46, 4)), "data shorter than the header promises");
        var gz = Edited(dir, "g.nii.gz", bb => I16(bb, 46, 4));
        var e = Assert.Throws<NiftiException>(() => NiftiReader.Read(gz));
        Assert.Contains("decompressed stream ends at 592 (truncated gzip?)", e.Message);

        // A pair whose .img is short names the .img.
        var hdr = dir.File("p.hdr");
        NiftiWriter.Write(hdr, Ramp(5, 4, 3));
        File.WriteAllBytes(dir.File("p.img"), File.ReadAllBytes(dir.File("p.img"))[..100]);
        AssertFails(hdr, "data shorter than the header promises", dir.File("p.img"));
    }

    [Fact]
    public void TruncatedAndCorruptGzip()
    {
        using var dir = new TempDir();
        var rng = new Random(3);
        var volume = Ramp(20, 20, 20, _ => (float)rng.NextDouble());
        var path = dir.File("z.nii.gz");
        NiftiWriter.Write(path, volume);
        var good = File.ReadAllBytes(path);

        // Cut in the middle of the deflate stream.
        File.WriteAllBytes(path, good[..(good.Length / 2)]);
        var e = Assert.Throws<NiftiException>(() => NiftiReader.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.True(e.Message.Contains("truncated gzip") || e.Message.Contains("corrupt gzip"), e.Message);

        // Cut inside the header.
        File.WriteAllBytes(path, good[..30]);
        e = Assert.Throws<NiftiException>(() => NiftiReader.Read(path));
        Assert.StartsWith(path + ": ", e.Message);

        // Garbage in the middle of the deflate stream.
        var bad = (byte[])good.Clone();
        for (int i = good.Length / 3; i < good.Length / 3 + 64; i++) bad[i] ^= 0x5a;
        File.WriteAllBytes(path, bad);
        e = Assert.Throws<NiftiException>(() => NiftiReader.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.True(e.Message.Contains("corrupt gzip") || e.Message.Contains("truncated gzip"), e.Message);

        // A wrong CRC-32 in the trailer: the data decompresses, the check fails.
        bad = (byte[])good.Clone();
        bad[^8] ^= 0xff;
        File.WriteAllBytes(path, bad);
        AssertFails(path, "corrupt gzip data");

        // A bad deflate block type right after the gzip header.
        bad = (byte[])good.Clone();
        bad[10] = 0xff;
        File.WriteAllBytes(path, bad);
        AssertFails(path, "corrupt gzip data");
    }

    [Theory]
    [InlineData(32, "unsupported datatype 32 (COMPLEX64)")]
    [InlineData(128, "unsupported datatype 128 (RGB24)")]
    [InlineData(2304, "unsupported datatype 2304 (RGBA32)")]
    [InlineData(1, "unsupported datatype 1 (BINARY)")]
    [InlineData(0, "unsupported datatype 0 (UNKNOWN)")]
    [InlineData(77, "unsupported datatype 77 (not a NIfTI datatype)")]
    public void UnsupportedDatatype(short code, string problem)
    {
        using var dir = new TempDir();
        AssertFails(Edited(dir, "dt.nii", b => I16(b, 70, code)), problem);
    }

    [Fact]
    public void NonFiniteVoxelsWhereTheVolumeMustBeFinite()
    {
        using var dir = new TempDir();
        var volume = Ramp(5, 4, 3);
        volume[4, 3, 2] = float.PositiveInfinity;
        var path = dir.File("inf.nii");
        NiftiWriter.Write(path, volume);
        var e = Assert.Throws<NiftiException>(() => NiftiReader.Read(path, requireFinite: true));
        Assert.Equal($"{path}: non-finite voxel Infinity at (4, 3, 2): this volume must be finite", e.Message);

        // A finite stored value that scaling overflows is caught too.
        var big = Edited(dir, "big.nii", b => F32(b, 112, 1e38f), Ramp(2, 2, 2, i => i * 10));
        Assert.Throws<NiftiException>(() => NiftiReader.Read(big, requireFinite: true));
    }

    [Fact]
    public void BadVoxOffsetMissingFilesAndMissingPairs()
    {
        using var dir = new TempDir();
        AssertFails(Edited(dir, "vo.nii", b => F32(b, 108, 100)), "bad vox_offset 100: the data would start inside the 348-byte header");
        AssertFails(Edited(dir, "vf.nii", b => F32(b, 108, 352.5f)), "bad vox_offset: not a non-negative whole number of bytes");
        AssertFails(dir.File("absent.nii.gz"), "no such file");
        AssertFails(dir.Path, "is a directory");

        var hdr = dir.File("lonely.hdr");
        NiftiWriter.Write(hdr, Ramp(3, 3, 3));
        File.Delete(dir.File("lonely.img"));
        AssertFails(hdr, "magic says the data is in a separate .img file");
        var img = dir.File("orphan.img");
        File.WriteAllBytes(img, new byte[108]);
        AssertFails(img, "header file");
    }
}
