namespace ILGpuNet.Training.Data;

/// <summary>
/// Grid operations on volumes in tensor order. The tensor is N x 1 x D x H x W, row-major (W fastest),
/// with <b>D = NIfTI x, H = y, W = z</b>: tensor[d, h, w] = voxel (x = d, y = h, z = w), the mapping
/// defined (and implemented, as the only voxel reordering in the code base) by
/// <see cref="Nifti.NiftiVolume.CopyToTensorOrder"/>; it is what the reference gets from nibabel + torch,
/// so an MNI152 2 mm volume (91 x 109 x 91) is a 1 x 91 x 109 x 91 input. In the RAS orientation of
/// MNI-registered data, D runs from left to right: the axis the left-right flip mirrors.
/// </summary>
public static class VolumeLayout
{
    /// <summary>The shape after average pooling by <paramref name="factor"/> (ceil mode).</summary>
    public static GridShape PooledShape(GridShape s, int factor) =>
        new(Ceil(s.D, factor), Ceil(s.H, factor), Ceil(s.W, factor));

    private static int Ceil(int n, int k) => (n + k - 1) / k;

    /// <summary>
    /// Average pooling by <paramref name="factor"/> per axis in ceil mode: edge cells average the voxels
    /// that exist, so 91 x 109 x 91 pooled by 2 is 46 x 55 x 46 and no intensity is invented.
    /// </summary>
    public static float[] Pool(float[] src, GridShape s, int factor)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor));
        if (src.LongLength != s.Length) throw new ArgumentException($"volume has {src.LongLength} values, {s} needs {s.Length}");
        if (factor == 1) return src;
        var o = PooledShape(s, factor);
        var dst = new float[o.Length];
        // Sum each source row into its destination row: no division per voxel, rows stay contiguous.
        int fullW = s.W / factor;
        for (int d = 0; d < s.D; d++)
            for (int h = 0; h < s.H; h++)
            {
                var row = src.AsSpan((int)(((long)d * s.H + h) * s.W), s.W);
                var sum = dst.AsSpan((int)(((long)(d / factor) * o.H + h / factor) * o.W), o.W);
                if (factor == 2)
                    for (int w = 0; w < fullW; w++) sum[w] += row[2 * w] + row[2 * w + 1];
                else
                    for (int w = 0; w < fullW; w++)
                    {
                        float t = 0;
                        for (int k = 0, at = w * factor; k < factor; k++) t += row[at + k];
                        sum[w] += t;
                    }
                for (int at = fullW * factor; at < s.W; at++) sum[fullW] += row[at];
            }
        // Average: interior cells hold factor^3 voxels, cells on a high edge fewer.
        for (int d = 0; d < o.D; d++)
        {
            int cd = Math.Min(factor, s.D - d * factor);
            for (int h = 0; h < o.H; h++)
            {
                int cdh = cd * Math.Min(factor, s.H - h * factor);
                var sum = dst.AsSpan((int)(((long)d * o.H + h) * o.W), o.W);
                float inner = 1f / (cdh * factor);
                for (int w = 0; w < fullW; w++) sum[w] *= inner;
                if (fullW < o.W) sum[fullW] /= cdh * (s.W - fullW * factor);
            }
        }
        return dst;
    }

    /// <summary>
    /// Centre crop and/or pad with <paramref name="fill"/> to <paramref name="target"/>; where a size
    /// difference is odd, the extra voxel is cropped from or padded at the high end.
    /// </summary>
    public static float[] CropOrPad(float[] src, GridShape s, GridShape target, float fill = 0f)
    {
        if (src.LongLength != s.Length) throw new ArgumentException($"volume has {src.LongLength} values, {s} needs {s.Length}");
        if (s == target) return src;
        var dst = new float[target.Length];
        if (fill != 0f) Array.Fill(dst, fill);
        // Where source index 0 lands in the target (negative: cropped); truncation keeps odd extras high.
        int od = (target.D - s.D) / 2, oh = (target.H - s.H) / 2, ow = (target.W - s.W) / 2;
        int w0 = Math.Max(0, -ow), w1 = Math.Min(s.W, target.W - ow);
        for (int d = Math.Max(0, -od); d < Math.Min(s.D, target.D - od); d++)
            for (int h = Math.Max(0, -oh); h < Math.Min(s.H, target.H - oh); h++)
            {
                long from = ((long)d * s.H + h) * s.W;
                long to = ((long)(d + od) * target.H + (h + oh)) * target.W + ow;
                Array.Copy(src, from + w0, dst, to + w0, w1 - w0);
            }
        return dst;
    }
}

/// <summary>A (D, H, W) grid, written DxHxW (e.g. 48x56x48).</summary>
public readonly record struct GridShape(int D, int H, int W)
{
    public long Length => (long)D * H * W;

    public override string ToString() => $"{D}x{H}x{W}";

    public static GridShape Parse(string text)
    {
        var parts = text.Trim().Split('x', 'X', ',');
        if (parts.Length != 3 || !int.TryParse(parts[0], out int d) || !int.TryParse(parts[1], out int h)
            || !int.TryParse(parts[2], out int w) || d < 1 || h < 1 || w < 1)
            throw new FormatException($"'{text}' is not a grid DxHxW of positive integers");
        return new GridShape(d, h, w);
    }
}
