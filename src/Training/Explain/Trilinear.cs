using ILGpuNet.Training.Data;

namespace ILGpuNet.Training.Explain;

/// <summary>
/// Trilinear interpolation between grids in tensor order (D, H, W; W fastest) with PyTorch's
/// <c>interpolate(mode='trilinear', align_corners=False)</c> convention: destination index i samples the source at
/// (i + 0.5) * scale - 0.5, clamped to the source's first and last voxel centres.
/// </summary>
public static class Trilinear
{
    /// <summary>To a grid of another size: scale = source size / destination size per axis (Grad-CAM's upsampling).</summary>
    public static float[] Resize(float[] source, GridShape from, GridShape to) =>
        Sample(source, from, to, ((double)from.D / to.D, (double)from.H / to.H, (double)from.W / to.W));

    /// <summary>
    /// Undoes average pooling by <paramref name="factor"/> (ceil mode): pooled cell c covers voxels c*k .. c*k + k - 1,
    /// so its value sits at the centre c*k + (k - 1) / 2, which is what scale 1 / k gives; <paramref name="to"/> is the
    /// shape before pooling (91 for a pooled 46, not 92).
    /// </summary>
    public static float[] Unpool(float[] pooled, GridShape pooledShape, GridShape to, int factor) =>
        factor == 1 ? pooled : Sample(pooled, pooledShape, to, (1.0 / factor, 1.0 / factor, 1.0 / factor));

    public static float[] Sample(float[] source, GridShape from, GridShape to, (double D, double H, double W) scale)
    {
        if (source.LongLength != from.Length) throw new ArgumentException($"source has {source.LongLength} values, {from} needs {from.Length}");
        var dst = new float[to.Length];
        var wAxis = Axis(from.W, to.W, scale.W);
        var hAxis = Axis(from.H, to.H, scale.H);
        var dAxis = Axis(from.D, to.D, scale.D);
        Parallel.For(0, to.D, d =>
        {
            var (d0, d1, fd) = dAxis[d];
            for (int h = 0; h < to.H; h++)
            {
                var (h0, h1, fh) = hAxis[h];
                long row = ((long)d * to.H + h) * to.W;
                for (int w = 0; w < to.W; w++)
                {
                    var (w0, w1, fw) = wAxis[w];
                    double Lerp(int dd, int hh)
                    {
                        long at = ((long)dd * from.H + hh) * from.W;
                        return source[at + w0] + fw * (source[at + w1] - source[at + w0]);
                    }
                    double c0 = Lerp(d0, h0) + fh * (Lerp(d0, h1) - Lerp(d0, h0));
                    double c1 = Lerp(d1, h0) + fh * (Lerp(d1, h1) - Lerp(d1, h0));
                    dst[row + w] = (float)(c0 + fd * (c1 - c0));
                }
            }
        });
        return dst;
    }

    /// <summary>Per destination index: lower and upper source neighbour and the upper one's weight.</summary>
    private static (int Lo, int Hi, double Frac)[] Axis(int sourceSize, int size, double scale)
    {
        var axis = new (int, int, double)[size];
        for (int i = 0; i < size; i++)
        {
            double p = Math.Clamp((i + 0.5) * scale - 0.5, 0, sourceSize - 1);
            int lo = Math.Min((int)p, sourceSize - 1);
            int hi = Math.Min(lo + 1, sourceSize - 1);
            axis[i] = (lo, hi, p - lo);
        }
        return axis;
    }
}
