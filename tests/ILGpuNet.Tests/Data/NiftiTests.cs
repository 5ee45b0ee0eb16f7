using ILGpuNet.Training.Data.Nifti;
using static ILGpuNet.Tests.Data.NiftiTestFiles;

namespace ILGpuNet.Tests.Data;

/// <summary>NIfTI reader and writer: round trips over every datatype, byte order, format and file layout,
/// scaling, affine precedence, quaternions, 4D selection, vox_offset, and the tensor layout.</summary>
public class NiftiTests
{
    private static readonly string[] Layouts = ["a.nii", "b.nii.gz", "c.hdr", "d.hdr.gz"];

    public static TheoryData<NiftiDataType, NiftiByteOrder, NiftiFormat> EveryStorage()
    {
        var data = new TheoryData<NiftiDataType, NiftiByteOrder, NiftiFormat>();
        foreach (var type in Enum.GetValues<NiftiDataType>())
            foreach (var order in Enum.GetValues<NiftiByteOrder>())
                foreach (var format in Enum.GetValues<NiftiFormat>())
                    data.Add(type, order, format);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryStorage))]
    public void EveryDatatypeByteOrderFormatAndLayoutRoundTripsExactly(NiftiDataType type, NiftiByteOrder order, NiftiFormat format)
    {
        using var dir = new TempDir();
        bool signed = type is NiftiDataType.Int8 or NiftiDataType.Int16 or NiftiDataType.Int32 or NiftiDataType.Int64
            or NiftiDataType.Float32 or NiftiDataType.Float64;
        // Whole numbers every datatype holds exactly, negative ones for the signed types, and the type's extremes
        // where float32 represents them exactly.
        var volume = Ramp(5, 4, 3, i => signed ? i - 30 : i, ObliqueAffine());
        if (type == NiftiDataType.UInt8) volume.Data[^1] = 255;
        if (type == NiftiDataType.Int8) volume.Data[0] = -128;
        if (type == NiftiDataType.Int16) volume.Data[0] = short.MinValue;
        if (type == NiftiDataType.UInt16) volume.Data[^1] = ushort.MaxValue;
        if (type == NiftiDataType.Float32) volume.Data[1] = 0.1f;
        var options = new NiftiWriteOptions { DataType = type, ByteOrder = order, Format = format };
        foreach (var name in Layouts)
        {
            var path = dir.File(name);
            NiftiWriter.Write(path, volume, options);
            var read = NiftiReader.Read(path);
            Assert.Equal(volume.Data, read.Data);
            Assert.Equal([5, 4, 3], read.Shape);
            var h = read.Header!;
            Assert.Equal(type, h.DataType);
            Assert.Equal(order, h.ByteOrder);
            Assert.Equal(format, h.Format);
            Assert.Equal(name.StartsWith('c') || name.StartsWith('d'), h.IsPair);
            Assert.False(h.HasScaling);
            AssertAffine(volume.Affine, read.Affine, 1e-4);
            Assert.Equal(volume.Zooms[0], read.Zooms[0], 5);
        }

        // The pair layout wrote both files, under either name.
        Assert.True(File.Exists(dir.File("c.img")) && File.Exists(dir.File("d.img.gz")));
        Assert.Equal(volume.Data, NiftiReader.Read(dir.File("c.img")).Data);
        Assert.Equal(volume.Data, NiftiReader.Read(dir.File("d.img.gz")).Data);
    }

    [Fact]
    public void HeaderFieldsAreWhatOtherToolsExpect()
    {
        using var dir = new TempDir();
        var path = dir.File("mni.nii");
        var volume = new NiftiVolume([91, 109, 91], new float[91 * 109 * 91], ILGpuNet.Training.Data.Conform.Mni152_2mm.Affine);
        NiftiWriter.Write(path, volume, new NiftiWriteOptions { XformCode = NiftiXform.Mni152 });
        var b = File.ReadAllBytes(path);
        Assert.Equal(352 + 4 * 91 * 109 * 91, b.Length);
        Assert.Equal(348, BitConverter.ToInt32(b, 0));
        Assert.Equal("n+1\0"u8.ToArray(), b[344..348]);
        Assert.Equal(352f, BitConverter.ToSingle(b, 108));            // vox_offset
        Assert.Equal(new short[] { 3, 91, 109, 91, 1, 1, 1, 1 }, Enumerable.Range(0, 8).Select(i => BitConverter.ToInt16(b, 40 + 2 * i)));
        Assert.Equal(16, BitConverter.ToInt16(b, 70));                // float32
        Assert.Equal(32, BitConverter.ToInt16(b, 72));                // bitpix
        Assert.Equal(2, b[123]);                                      // xyzt_units: mm
        Assert.Equal(4, BitConverter.ToInt16(b, 252));                // qform_code MNI
        Assert.Equal(4, BitConverter.ToInt16(b, 254));                // sform_code MNI
        // pixdim: qfac -1 (x flipped), 2 mm voxels; quaternion (0, 1, 0): a 180-degree turn about y, then z flipped.
        Assert.Equal(new float[] { -1, 2, 2, 2 }, Enumerable.Range(0, 4).Select(i => BitConverter.ToSingle(b, 76 + 4 * i)));
        Assert.Equal(new float[] { 0, 1, 0, 90, -126, -72 }, Enumerable.Range(0, 6).Select(i => BitConverter.ToSingle(b, 256 + 4 * i)));
        Assert.Equal(new float[] { -2, 0, 0, 90, 0, 2, 0, -126, 0, 0, 2, -72 }, Enumerable.Range(0, 12).Select(i => BitConverter.ToSingle(b, 280 + 4 * i)));
        Assert.Equal(new byte[4], b[348..352]);                       // no extensions
        Assert.Equal(1f, BitConverter.ToSingle(b, 112));              // scl_slope
        var h = NiftiReader.ReadHeader(path);
        AssertAffine(h.SformAffine, h.QformAffine, 1e-6);
    }

    [Fact]
    public void HandBuiltBigEndianFileWithScalingReadsAsTheStandardSays()
    {
        using var dir = new TempDir();
        short[] raw = [-3, 0, 1, 2, 100, short.MaxValue];
        var srow = new float[,] { { 0, 0, 1.5f, 10 }, { 2, 0, 0, -20 }, { 0, 3, 0, 5 } };
        var path = dir.File("big.nii");
        File.WriteAllBytes(path, HandBuiltBigEndianInt16(raw, 3, 2, 1, slope: 0.5f, inter: -7f, qformCode: 0, sformCode: 1,
            quatern: [0, 0, 0], qoffset: [0, 0, 0], pixdim: [1, 2, 3, 1.5f, 0, 0, 0, 0], srow: srow));
        var v = NiftiReader.Read(path);
        Assert.Equal(raw.Select(r => (float)(0.5 * r - 7)), v.Data);
        Assert.Equal(NiftiByteOrder.BigEndian, v.Header!.ByteOrder);
        Assert.Equal(AffineSource.Sform, v.Header.AffineSource);
        AssertAffine(new double[,] { { 0, 0, 1.5, 10 }, { 2, 0, 0, -20 }, { 0, 3, 0, 5 }, { 0, 0, 0, 1 } }, v.Affine, 0);
        Assert.Equal([2.0, 3.0, 1.5], v.Zooms);

        // A slope of 0 means no scaling, whatever the intercept says.
        File.WriteAllBytes(path, HandBuiltBigEndianInt16(raw, 3, 2, 1, slope: 0, inter: 100, qformCode: 0, sformCode: 0,
            quatern: [0, 0, 0], qoffset: [0, 0, 0], pixdim: [1, 2, 3, 1.5f, 0, 0, 0, 0], srow: srow));
        v = NiftiReader.Read(path);
        Assert.Equal(raw.Select(r => (float)r), v.Data);
        Assert.Equal(AffineSource.Pixdim, v.Header!.AffineSource);
        AssertAffine(NiftiAffine.Diagonal(2, 3, 1.5), v.Affine, 0);
    }

    [Fact]
    public void NonIntegerDataWrittenAsIntegersIsScaledToFitAndReadBackScaled()
    {
        using var dir = new TempDir();
        var volume = Ramp(6, 5, 4, i => MathF.Sin(i * 0.37f) * 1234.5f + 17.25f);
        foreach (var type in new[] { NiftiDataType.Int16, NiftiDataType.UInt8 })
        {
            var path = dir.File($"scaled-{type}.nii.gz");
            NiftiWriter.Write(path, volume, new NiftiWriteOptions { DataType = type });
            var read = NiftiReader.Read(path);
            Assert.True(read.Header!.HasScaling);
            double step = read.Header.SclSlope;
            Assert.True(step > 0);
            for (int i = 0; i < volume.Data.Length; i++)
                Assert.True(Math.Abs(read.Data[i] - volume.Data[i]) <= step * 0.5 + 1e-3, $"voxel {i}: {read.Data[i]} vs {volume.Data[i]} (step {step})");
        }

        // An explicit scaling: stored = (value - inter) / slope, values = slope * stored + inter.
        var exact = Ramp(4, 3, 2, i => 10 + 0.25f * i);
        var p = dir.File("explicit.nii");
        NiftiWriter.Write(p, exact, new NiftiWriteOptions { DataType = NiftiDataType.Int16, Slope = 0.25, Intercept = 10 });
        var back = NiftiReader.Read(p);
        Assert.Equal(exact.Data, back.Data);
        Assert.Equal(0.25, back.Header!.SclSlope);
        Assert.Equal(10, back.Header.SclInter);

        // A valid slope with a non-finite scl_inter (an unset field): the intercept counts as 0.
        var unsetInter = NiftiTestFiles.Edited(dir, "nan-inter.nii", b => NiftiTestFiles.F32(b, 116, float.NaN), exact,
            new NiftiWriteOptions { DataType = NiftiDataType.Int16, Slope = 0.25, Intercept = 10 });
        var shifted = NiftiReader.Read(unsetInter);
        for (int i = 0; i < exact.Data.Length; i++) Assert.Equal(exact.Data[i] - 10, shifted.Data[i]);

        // A value the explicit scaling cannot store is an error, not a silent clamp.
        var e = Assert.Throws<ArgumentException>(() => NiftiWriter.Write(p, exact, new NiftiWriteOptions { DataType = NiftiDataType.UInt8, Slope = 0.001 }));
        Assert.Contains("does not fit uint8", e.Message);
    }

    [Fact]
    public void SformTakesPrecedenceOverQformWhichTakesPrecedenceOverPixdim()
    {
        using var dir = new TempDir();
        var qAffine = ObliqueAffine();
        var sAffine = new double[,] { { 1, 0.5, 0, -10 }, { 0, 2, 0, 20 }, { 0, 0, 3, -30 }, { 0, 0, 0, 1 } };
        void SetSrow(byte[] b)
        {
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 4; c++)
                    F32(b, 280 + 16 * r + 4 * c, (float)sAffine[r, c]);
        }

        var volume = Ramp(5, 4, 3, affine: qAffine);
        // Both codes set, different affines: the sform wins.
        var both = Edited(dir, "both.nii", SetSrow, volume);
        var h = NiftiReader.ReadHeader(both);
        Assert.Equal(AffineSource.Sform, h.AffineSource);
        AssertAffine(sAffine, NiftiReader.Read(both).Affine, 1e-6);
        AssertAffine(qAffine, h.QformAffine, 1e-5);

        // sform_code 0: the qform.
        var qOnly = Edited(dir, "qonly.nii.gz", b => { SetSrow(b); I16(b, 254, 0); }, volume);
        Assert.Equal(AffineSource.Qform, NiftiReader.ReadHeader(qOnly).AffineSource);
        AssertAffine(qAffine, NiftiReader.Read(qOnly).Affine, 1e-5);

        // Both codes 0: pixdim scaling (method 1).
        var none = Edited(dir, "none.nii", b => { I16(b, 252, 0); I16(b, 254, 0); }, volume);
        Assert.Equal(AffineSource.Pixdim, NiftiReader.ReadHeader(none).AffineSource);
        var zooms = NiftiAffine.ColumnNorms(qAffine);
        AssertAffine(NiftiAffine.Diagonal(zooms[0], zooms[1], zooms[2]), NiftiReader.Read(none).Affine, 1e-5);

        // qform_code 0 with sform_code > 0: still the sform.
        var sOnly = Edited(dir, "sonly.nii", b => { SetSrow(b); I16(b, 252, 0); }, volume);
        AssertAffine(sAffine, NiftiReader.Read(sOnly).Affine, 1e-6);
    }

    [Fact]
    public void QuaternionRoundTripsForRandomRotationsZoomsAndBothHandednesses()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 500; trial++)
        {
            // A random unit quaternion with a >= 0, stored as (b, c, d).
            double a, b, c, d;
            do
            {
                a = rng.NextDouble() * 2 - 1; b = rng.NextDouble() * 2 - 1; c = rng.NextDouble() * 2 - 1; d = rng.NextDouble() * 2 - 1;
            } while (a * a + b * b + c * c + d * d is > 1 or < 1e-3);
            double n = Math.Sqrt(a * a + b * b + c * c + d * d) * Math.Sign(a == 0 ? 1 : a);
            var q = new NiftiAffine.Quaternion(b / n, c / n, d / n, rng.Next(-100, 100), rng.Next(-100, 100), rng.Next(-100, 100),
                0.5 + rng.NextDouble() * 3, 0.5 + rng.NextDouble() * 3, 0.5 + rng.NextDouble() * 3, trial % 2 == 0 ? 1 : -1);
            var m = NiftiAffine.FromQuaternion(q);
            var back = NiftiAffine.ToQuaternion(m);
            AssertAffine(m, NiftiAffine.FromQuaternion(back), 1e-9);
            Assert.Equal(q.Qfac, back.Qfac);
            Assert.Equal(q.Dx, back.Dx, 9);
        }

        // Axis-aligned cases hit the branches where 1 + trace is small: flips and 180-degree turns.
        foreach (var diag in new[] { (-2.0, 2.0, 2.0), (2.0, -2.0, 2.0), (2.0, 2.0, -2.0), (-1.0, -1.0, 1.0), (1.0, -1.0, -1.0), (-1.0, 1.0, -1.0), (-1.0, -1.0, -1.0) })
        {
            var m = NiftiAffine.Diagonal(diag.Item1, diag.Item2, diag.Item3);
            AssertAffine(m, NiftiAffine.FromQuaternion(NiftiAffine.ToQuaternion(m)), 1e-12);
        }

        // The MNI affine's quaternion is what nibabel and FSL store: (0, 1, 0) with qfac -1.
        var mni = NiftiAffine.ToQuaternion(ILGpuNet.Training.Data.Conform.Mni152_2mm.Affine);
        Assert.Equal((0.0, 1.0, 0.0, -1.0), (mni.B, mni.C, mni.D, mni.Qfac));

        // An affine with shear gets the nearest rigid rotation in its qform; the sform keeps the shear.
        var sheared = new double[,] { { 2, 0.3, 0, 1 }, { 0, 2, 0, 2 }, { 0, 0, 2, 3 }, { 0, 0, 0, 1 } };
        var r = NiftiAffine.FromQuaternion(NiftiAffine.ToQuaternion(sheared));
        var cols = NiftiAffine.ColumnNorms(r);
        Assert.Equal(NiftiAffine.ColumnNorms(sheared), cols, (x, y) => Math.Abs(x - y) < 1e-12);
        double dot01 = r[0, 0] * r[0, 1] + r[1, 0] * r[1, 1] + r[2, 0] * r[2, 1];
        Assert.True(Math.Abs(dot01) < 1e-12, "qform columns must be orthogonal");
    }

    [Fact]
    public void FourDimensionalFilesSelectVolumesByIndex()
    {
        using var dir = new TempDir();
        int nx = 4, ny = 3, nz = 2, nt = 3, n = nx * ny * nz;
        var data = new float[n * nt];
        for (int t = 0; t < nt; t++)
            for (int i = 0; i < n; i++)
                data[t * n + i] = 1000 * t + i;
        var series = new NiftiVolume([nx, ny, nz, nt], data, NiftiAffine.Diagonal(2, 2, 2), [2, 2, 2, 1.5]);
        foreach (var name in new[] { "s.nii", "s.nii.gz", "s.hdr.gz" })
        {
            var path = dir.File(name);
            NiftiWriter.Write(path, series, new NiftiWriteOptions { DataType = NiftiDataType.Int16 });
            var h = NiftiReader.ReadHeader(path);
            Assert.Equal(nt, h.VolumeCount);
            Assert.Equal([nx, ny, nz, nt], h.Shape.Select(s => (int)s));
            Assert.Equal(1.5, h.PixDim[4]);
            Assert.Equal(2 | 8, h.XyztUnits);
            for (int t = 0; t < nt; t++)
            {
                var v = NiftiReader.Read(path, t);
                Assert.Equal(data.AsSpan(t * n, n).ToArray(), v.Data);
                Assert.Equal(t, v.VolumeIndex);
                Assert.Equal([nx, ny, nz], v.Shape);
            }

            Assert.Equal(nt, NiftiReader.ReadVolumes(path).Count());
            var e = Assert.Throws<NiftiException>(() => NiftiReader.Read(path, nt));
            Assert.Contains(path, e.Message);
            Assert.Contains("volume index 3 out of range: the file has 3 volumes", e.Message);
        }
    }

    [Fact]
    public void VoxOffsetIsHonouredPastExtensions()
    {
        using var dir = new TempDir();
        var volume = Ramp(5, 4, 3);
        foreach (var name in new[] { "ext.nii", "ext.nii.gz" })
        {
            var path = dir.File(name);
            NiftiWriter.Write(path, volume);
            var b = NiftiTestFiles.Bytes(path);
            // Insert a 48-byte extension (flag 1, esize 48, ecode 6 = comment) and move the data to 400.
            var ext = new byte[48];
            BitConverter.GetBytes(48).CopyTo(ext, 0);
            BitConverter.GetBytes(6).CopyTo(ext, 4);
            "hello"u8.CopyTo(ext.AsSpan(8));
            var edited = b[..348].Concat(new byte[] { 1, 0, 0, 0 }).Concat(ext).Concat(b[352..]).ToArray();
            F32(edited, 108, 400);
            Save(path, edited, name.EndsWith(".gz"));
            Assert.Equal(volume.Data, NiftiReader.Read(path).Data);
            Assert.Equal(400, NiftiReader.ReadHeader(path).VoxOffset);
        }
    }

    [Fact]
    public void GzipIsFoundBySignatureNotByName()
    {
        using var dir = new TempDir();
        var volume = Ramp(5, 4, 3);
        var plain = dir.File("plain.nii");
        NiftiWriter.Write(plain, volume);
        File.Move(plain, dir.File("misnamed.nii.gz"));
        Assert.Equal(volume.Data, NiftiReader.Read(dir.File("misnamed.nii.gz")).Data);
    }

    [Fact]
    public void RequireFiniteRejectsNaNAndNamesItsPosition()
    {
        using var dir = new TempDir();
        var volume = Ramp(5, 4, 3);
        volume[2, 1, 2] = float.NaN;
        var path = dir.File("nan.nii.gz");
        NiftiWriter.Write(path, volume);
        Assert.True(float.IsNaN(NiftiReader.Read(path)[2, 1, 2]));
        var e = Assert.Throws<NiftiException>(() => NiftiReader.Read(path, requireFinite: true));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains("non-finite voxel NaN at (2, 1, 2)", e.Message);
    }

    [Fact]
    public void WritesAreAtomicAndOverwrite()
    {
        using var dir = new TempDir();
        var path = dir.File("sub/deeper/v.nii.gz");
        NiftiWriter.Write(path, Ramp(3, 3, 3));
        NiftiWriter.Write(path, Ramp(3, 3, 3, i => -i));
        Assert.Equal(-26f, NiftiReader.Read(path).Data[^1]);
        Assert.Equal(["v.nii.gz"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        Assert.Throws<ArgumentException>(() => NiftiWriter.Write(dir.File("v.mgz"), Ramp(3, 3, 3)));
    }

    [Fact]
    public void TensorOrderIsXyzWithZFastestAndRoundTrips()
    {
        int nx = 7, ny = 5, nz = 40; // nz beyond one 32-wide tile
        var volume = Ramp(nx, ny, nz, i => i * 0.5f);
        var tensor = new float[nx * ny * nz];
        volume.CopyToTensorOrder(tensor);
        for (int x = 0; x < nx; x++)
            for (int y = 0; y < ny; y++)
                for (int z = 0; z < nz; z++)
                    Assert.Equal(volume[x, y, z], tensor[(x * ny + y) * nz + z]);
        Assert.Equal(volume.Data, NiftiVolume.FromTensorOrder(tensor, nx, ny, nz, volume.Affine).Data);
        Assert.Equal([nx, ny, nz], volume.TensorShape);
    }
}
