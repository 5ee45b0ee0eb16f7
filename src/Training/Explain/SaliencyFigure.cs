using System.Runtime.InteropServices;
using ILGpuNet.Training.Data.Nifti;
using ILGpuNet.Training.IO;
using SkiaSharp;

namespace ILGpuNet.Training.Explain;

/// <summary>
/// A PNG of a saliency map over its scan: the three orthogonal slices (sagittal, coronal, axial) through the map's
/// peak, drawn in world orientation whatever the voxel order (each voxel axis is matched to the world axis it runs
/// closest to; anterior right in the sagittal view, superior up, the subject's left on the left in the coronal and
/// axial views, i.e. neurological convention), with voxel sizes honoured. The scan is grey (0 to its 99.5th
/// percentile); the map is drawn in hot colours inside the scan's nonzero voxels (the brain of a skull-stripped scan)
/// where it exceeds its 90th percentile there, brightest at the peak; a cyan crosshair marks the peak, the largest
/// value inside the brain (the NIfTI map itself is not masked: a gradient outside the brain is kept there).
/// </summary>
public static class SaliencyFigure
{
    private const int PanelHeight = 300, TitleHeight = 30, LabelHeight = 24, Gap = 6;

    /// <summary>The voxel (x, y, z) of the map's largest value; with <paramref name="within"/>, among that volume's nonzero voxels (when it has any).</summary>
    public static (int X, int Y, int Z) Peak(NiftiVolume map, NiftiVolume? within = null)
    {
        int best = -1;
        var data = map.Data;
        for (int i = 0; i < map.VolumeVoxels; i++)
            if ((within is null || within.Data[i] != 0) && (best < 0 || data[i] > data[best])) best = i;
        if (best < 0) return Peak(map);
        return (best % map.Nx, best / map.Nx % map.Ny, best / map.Nx / map.Ny);
    }

    public static void Write(string path, NiftiVolume scan, NiftiVolume map, string title)
    {
        if (scan.Nx != map.Nx || scan.Ny != map.Ny || scan.Nz != map.Nz)
            throw new ArgumentException($"scan {scan.Nx}x{scan.Ny}x{scan.Nz} and map {map.Nx}x{map.Ny}x{map.Nz} differ in shape");
        var peak = Peak(map, scan);
        int[] peakIndex = [peak.X, peak.Y, peak.Z];
        var axes = WorldAxes(map.Affine);
        var zooms = NiftiAffine.ColumnNorms(map.Affine);
        int[] sizes = [map.Nx, map.Ny, map.Nz];
        double mm = PanelHeight / Enumerable.Range(0, 3).Max(w => sizes[axes[w].Voxel] * zooms[axes[w].Voxel]);

        // (fixed world axis, horizontal world axis, vertical world axis, name)
        (int Fixed, int U, int V, string Name)[] panels = [(0, 1, 2, "sagittal"), (1, 0, 2, "coronal"), (2, 0, 1, "axial")];
        var widths = panels.Select(p => (int)Math.Round(sizes[axes[p.U].Voxel] * zooms[axes[p.U].Voxel] * mm)).ToArray();
        var heights = panels.Select(p => (int)Math.Round(sizes[axes[p.V].Voxel] * zooms[axes[p.V].Voxel] * mm)).ToArray();
        int width = widths.Sum() + Gap * (panels.Length + 1), height = TitleHeight + heights.Max() + LabelHeight;
        var pixels = new uint[width * height];
        Array.Fill(pixels, Rgba(0, 0, 0));

        var (grey, greyTop) = (0.0, Percentile(scan.Data.Where(v => v != 0), 0.995));
        var inBrain = map.Data.Where((_, i) => scan.Data[i] != 0);
        double threshold = Percentile(inBrain.Any() ? inBrain : map.Data, 0.90), top = inBrain.Any() ? inBrain.Max() : map.Data.Max();
        var (wx, wy, wz) = NiftiAffine.Apply(map.Affine, peak.X, peak.Y, peak.Z);
        double[] worldPeak = [wx, wy, wz];

        int left = Gap;
        for (int p = 0; p < panels.Length; p++)
        {
            var (fixedAxis, u, v, _) = panels[p];
            int ua = axes[u].Voxel, va = axes[v].Voxel;
            for (int py = 0; py < heights[p]; py++)
                for (int px = 0; px < widths[p]; px++)
                {
                    int iu = Math.Min(sizes[ua] - 1, (int)((px + 0.5) / mm / zooms[ua]));
                    int iv = Math.Min(sizes[va] - 1, (int)((heights[p] - 1 - py + 0.5) / mm / zooms[va]));  // up = increasing world
                    if (axes[u].Sign < 0) iu = sizes[ua] - 1 - iu;
                    if (axes[v].Sign < 0) iv = sizes[va] - 1 - iv;
                    var index = (int[])peakIndex.Clone();
                    index[ua] = iu;
                    index[va] = iv;
                    int at = index[0] + map.Nx * (index[1] + map.Ny * index[2]);
                    double g = Math.Clamp((scan.Data[at] - grey) / Math.Max(greyTop - grey, 1e-12), 0, 1);
                    double r = g, gg = g, b = g;
                    float m = map.Data[at];
                    if (m > threshold && top > threshold && scan.Data[at] != 0)
                    {
                        var (hr, hg, hb) = Hot(0.3 + 0.7 * (m - threshold) / (top - threshold));
                        const double alpha = 0.8;
                        (r, gg, b) = (r + alpha * (hr - r), gg + alpha * (hg - gg), b + alpha * (hb - b));
                    }
                    bool cross = iu == peakIndex[ua] || iv == peakIndex[va];
                    if (cross) (r, gg, b) = (r * 0.5, gg * 0.5 + 0.5, b * 0.5 + 0.5);
                    pixels[(TitleHeight + py) * width + left + px] = Rgba(r, gg, b);
                }
            left += widths[p] + Gap;
        }

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        var bytes = MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray();
        Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        using (var canvas = new SKCanvas(bitmap))
        using (var font = new SKFont(SKTypeface.Default, 14))
        using (var paint = new SKPaint { Color = SKColors.White, IsAntialias = true })
        {
            canvas.DrawText(title, Gap, 20, SKTextAlign.Left, font, paint);
            left = Gap;
            for (int p = 0; p < panels.Length; p++)
            {
                string label = $"{panels[p].Name} {"xyz"[panels[p].Fixed]} = {worldPeak[panels[p].Fixed]:0.#} mm";
                canvas.DrawText(label, left, TitleHeight + heights.Max() + 17, SKTextAlign.Left, font, paint);
                left += widths[p] + Gap;
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        var file = png.ToArray();
        AtomicFile.Write(path, s => s.Write(file), durable: false);
    }

    /// <summary>For world axes x, y, z: the voxel axis that runs closest to it and its direction.</summary>
    private static (int Voxel, int Sign)[] WorldAxes(double[,] affine)
    {
        var result = new (int, int)[3];
        var used = new bool[3];
        for (int w = 0; w < 3; w++)
        {
            int best = -1;
            for (int c = 0; c < 3; c++)
                if (!used[c] && (best < 0 || Math.Abs(affine[w, c]) > Math.Abs(affine[w, best]))) best = c;
            used[best] = true;
            result[w] = (best, affine[w, best] < 0 ? -1 : 1);
        }
        return result;
    }

    private static double Percentile(IEnumerable<float> values, double q)
    {
        var sorted = values.Where(float.IsFinite).Order().ToArray();
        if (sorted.Length == 0) return 0;
        return sorted[Math.Clamp((int)Math.Round(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
    }

    private static (double R, double G, double B) Hot(double f) =>
        (Math.Clamp(3 * f, 0, 1), Math.Clamp(3 * f - 1, 0, 1), Math.Clamp(3 * f - 2, 0, 1));

    private static uint Rgba(double r, double g, double b) =>
        (uint)Math.Round(Math.Clamp(r, 0, 1) * 255) | (uint)Math.Round(Math.Clamp(g, 0, 1) * 255) << 8
        | (uint)Math.Round(Math.Clamp(b, 0, 1) * 255) << 16 | 0xFF000000u;
}
