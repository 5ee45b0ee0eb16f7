using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Cli.Commands;

/// <summary>
/// <c>ilgpunet info FILE... [--json]</c>: header (format, dims, voxel sizes, datatype, scaling, affines) and
/// voxel statistics of NIfTI files, in the spirit of fslinfo/fslhd and fslstats. A bad file is a one-line
/// error naming it; the other files are still reported and the exit code is 2.
/// </summary>
internal static class InfoCommand
{
    public static Command Create(TextWriter output)
    {
        var files = new Argument<string[]>("files")
        {
            Description = "NIfTI files (.nii, .nii.gz, .hdr/.img, optionally gzipped)",
            Arity = ArgumentArity.OneOrMore,
        };
        var json = new Option<bool>("--json")
        {
            Description = "One JSON object per file and line: shape, zooms, affine, dtype, min, max, mean, std, sum and more",
        };
        var command = new Command("info", "Header and voxel statistics of NIfTI files (like fslinfo and fslstats)") { files, json };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            int failed = 0;
            foreach (var path in parse.GetValue(files)!)
            {
                try
                {
                    var (header, stats) = Inspect(path);
                    output.WriteLine(parse.GetValue(json) ? Json(path, header, stats) : Text(path, header, stats));
                }
                catch (Exception e) when (UserErrors.Is(e))
                {
                    failed++;
                    error.WriteLine($"error: {(e is NiftiException ? e.Message : $"{path}: {e.Message}")}");
                }
            }

            return failed == 0 ? 0 : 2;
        });
        return command;
    }

    /// <summary>The header and statistics over every volume of the file (one pass over the data).</summary>
    public static (NiftiHeader Header, VolumeStatistics Stats) Inspect(string path)
    {
        var stats = VolumeStatistics.Empty;
        NiftiHeader? header = null;
        foreach (var volume in NiftiReader.ReadVolumes(path))
        {
            header = volume.Header;
            stats = stats.Combine(VolumeStatistics.Of(volume.Data));
        }

        return (header ?? NiftiReader.ReadHeader(path), stats);
    }

    private static string Text(string path, NiftiHeader h, VolumeStatistics s)
    {
        var sb = new StringBuilder();
        sb.AppendLine(path);
        Line(sb, "format", $"{Format(h)}, {(h.IsPair ? ".hdr/.img pair" : "single file")}{(IsGzip(path) ? ", gzip" : "")}, " +
                           $"{(h.ByteOrder == NiftiByteOrder.LittleEndian ? "little" : "big")}-endian, vox_offset {h.VoxOffset}");
        Line(sb, "dims", string.Join(" x ", h.Shape) + (h.VolumeCount > 1 ? $"  ({h.VolumeCount} volumes)" : ""));
        Line(sb, "voxel size", string.Join(" x ", h.PixDim.Skip(1).Take(Math.Min(h.Rank, 3)).Select(N)) + " " + h.SpatialUnit +
                               (h.Rank > 3 ? $", pixdim[4] {N(h.PixDim[4])}" : ""));
        Line(sb, "datatype", $"{NiftiDataTypes.NumpyName(h.DataType)} (code {h.DataTypeCode}, bitpix {h.BitPix})");
        Line(sb, "scaling", h.HasScaling ? $"scl_slope {N(h.SclSlope)}, scl_inter {N(h.EffectiveSclInter)}" : "none");
        Line(sb, "qform", $"code {h.QformCode} ({NiftiXform.Name(h.QformCode)}), quaternion ({N(h.QuaternB)}, {N(h.QuaternC)}, {N(h.QuaternD)}), qfac {N(h.Qfac)}");
        Line(sb, "sform", $"code {h.SformCode} ({NiftiXform.Name(h.SformCode)})");
        Line(sb, "affine", $"from the {h.AffineSource.ToString().ToLowerInvariant()}");
        sb.AppendLine(NiftiAffine.Format(h.Affine, new string(' ', 14)));
        if (h.IntentCode != 0 || h.IntentName.Length > 0) Line(sb, "intent", $"code {h.IntentCode} {h.IntentName}".Trim());
        if (h.Description.Length > 0) Line(sb, "description", h.Description);
        if (s.Finite == 0)
        {
            Line(sb, "statistics", $"no finite voxels among {s.Voxels}");
        }
        else
        {
            Line(sb, "min / max", $"{N(s.Min)} / {N(s.Max)}");
            Line(sb, "mean / std", $"{N(s.Mean)} / {N(s.Std)}");
            Line(sb, "sum", N(s.Sum));
            Line(sb, "non-zero", $"{s.NonZero} of {s.Voxels} voxels" + (s.NonFinite > 0 ? $" ({s.NonFinite} non-finite, left out of the statistics)" : ""));
        }

        return sb.ToString().TrimEnd();
    }

    private static void Line(StringBuilder sb, string key, string value) => sb.Append("  ").Append(key.PadRight(12)).AppendLine(value);

    private static string Json(string path, NiftiHeader h, VolumeStatistics s)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("file", path);
            w.WriteString("format", Format(h));
            w.WriteStartArray("shape");
            foreach (long d in h.Shape) w.WriteNumberValue(d);
            w.WriteEndArray();
            w.WriteStartArray("zooms");
            for (int i = 1; i <= h.Rank; i++) Number(w, h.PixDim[i]);
            w.WriteEndArray();
            w.WriteStartArray("affine");
            var a = h.Affine;
            for (int i = 0; i < 4; i++)
            {
                w.WriteStartArray();
                for (int j = 0; j < 4; j++) Number(w, a[i, j]);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteString("affine_source", h.AffineSource.ToString().ToLowerInvariant());
            w.WriteNumber("qform_code", h.QformCode);
            w.WriteNumber("sform_code", h.SformCode);
            w.WriteString("dtype", NiftiDataTypes.NumpyName(h.DataType));
            w.WriteString("byteorder", h.ByteOrder == NiftiByteOrder.LittleEndian ? "little" : "big");
            w.WritePropertyName("scl_slope");
            Number(w, h.HasScaling ? h.SclSlope : 1);
            w.WritePropertyName("scl_inter");
            Number(w, h.HasScaling ? h.EffectiveSclInter : 0);
            w.WritePropertyName("min");
            Number(w, s.Min);
            w.WritePropertyName("max");
            Number(w, s.Max);
            w.WritePropertyName("mean");
            Number(w, s.Mean);
            w.WritePropertyName("std");
            Number(w, s.Std);
            w.WritePropertyName("sum");
            Number(w, s.Sum);
            w.WriteNumber("nonzero", s.NonZero);
            w.WriteNumber("voxels", s.Voxels);
            w.WriteNumber("nonfinite", s.NonFinite);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>JSON has no NaN or infinity: those become null.</summary>
    private static void Number(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteNullValue();
    }

    private static string Format(NiftiHeader h) => h.Format == NiftiFormat.Nifti1 ? "NIfTI-1" : "NIfTI-2";

    private static bool IsGzip(string path)
    {
        using var file = File.OpenRead(path);
        return file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
    }

    private static string N(double v) => v.ToString("G7", CultureInfo.InvariantCulture);
}
