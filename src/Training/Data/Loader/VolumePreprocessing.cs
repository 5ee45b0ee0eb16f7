using System.Text;

namespace ILGpuNet.Training.Data;

/// <summary>A volume ready for the model: tensor order (W fastest), normalised.</summary>
/// <param name="Background">The normalised value of a raw 0: what augmentation shifts in.</param>
public sealed record PreparedVolume(float[] Data, GridShape Shape, float Background);

/// <summary>
/// Everything done to a decoded volume (already in tensor order, <see cref="VolumeLayout"/>) before the
/// model sees it, in this order: optional average pooling by <see cref="Downsample"/>, optional centre
/// crop/zero pad to <see cref="Grid"/>, then <see cref="Normalization"/>. A model stores
/// <see cref="ToString"/> (e.g. <c>normalization=zscore;downsample=2;grid=48x56x48</c>) and prediction
/// rebuilds it with <see cref="Parse"/>, so both see identical inputs. Pad before normalising: padded
/// voxels are raw zeros, like the background of skull-stripped data.
/// </summary>
public sealed record VolumePreprocessing
{
    public VolumeNormalization Normalization { get; init; } = VolumeNormalization.ZScore;

    /// <summary>Average-pooling factor per axis (1: none; 2 turns 91x109x91 into 46x55x46).</summary>
    public int Downsample { get; init; } = 1;

    /// <summary>The final grid, reached by centre crop or zero pad; null keeps the pooled shape.</summary>
    public GridShape? Grid { get; init; }

    /// <summary>
    /// Volumes are used as they are (<c>predict --preprocessed</c>: the user's own pipeline already put them on the
    /// model's grid and normalised them): no pooling, cropping or normalisation; a volume off <see cref="Grid"/> is refused.
    /// </summary>
    public bool AsGiven { get; init; }

    /// <summary>Volumes taken as they are, each required to be on <paramref name="grid"/>.</summary>
    public static VolumePreprocessing Given(GridShape grid) => new() { AsGiven = true, Grid = grid };

    /// <summary>The reference's preprocessing: per-volume z-score at full resolution.</summary>
    public static VolumePreprocessing Reference => new();

    /// <summary>A small grid for CPU runs: pooled by 2, padded to 48x56x48.</summary>
    public static VolumePreprocessing Small => new() { Downsample = 2, Grid = new GridShape(48, 56, 48) };

    public GridShape OutputShape(GridShape input) => Grid ?? VolumeLayout.PooledShape(input, Downsample);

    /// <summary>Preprocesses a volume; its array may be normalised in place and returned.</summary>
    public PreparedVolume Prepare(TensorVolume volume)
    {
        if (AsGiven)
        {
            if (Grid is GridShape grid && volume.Shape != grid)
                throw new InvalidDataException($"a volume of shape {volume.Shape} is not on the model's grid {grid}");
            return new PreparedVolume(volume.Data, volume.Shape, 0f);
        }
        if (Downsample < 1) throw new InvalidOperationException($"downsample factor {Downsample} must be at least 1");
        var data = Downsample > 1 ? VolumeLayout.Pool(volume.Data, volume.Shape, Downsample) : volume.Data;
        var shape = VolumeLayout.PooledShape(volume.Shape, Downsample);
        if (Grid is GridShape g) data = VolumeLayout.CropOrPad(data, shape, g);
        var background = Normalization.Apply(data);
        return new PreparedVolume(data, OutputShape(volume.Shape), background);
    }

    public override string ToString()
    {
        if (AsGiven) return Grid is GridShape given ? $"as-given;grid={given}" : "as-given";
        var text = new StringBuilder($"normalization={Normalization.Name()};downsample={Downsample}");
        if (Grid is GridShape g) text.Append($";grid={g}");
        return text.ToString();
    }

    public static VolumePreprocessing Parse(string text)
    {
        var p = new VolumePreprocessing();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Equals("as-given", StringComparison.OrdinalIgnoreCase))
            {
                p = p with { AsGiven = true };
                continue;
            }
            int eq = part.IndexOf('=');
            if (eq < 0) throw new FormatException($"'{part}' in '{text}' is not key=value");
            string key = part[..eq].Trim().ToLowerInvariant(), value = part[(eq + 1)..].Trim();
            p = key switch
            {
                "normalization" or "normalisation" => p with { Normalization = VolumeNormalizations.Parse(value) },
                "downsample" => p with
                {
                    Downsample = int.TryParse(value, out int k) && k >= 1 ? k
                        : throw new FormatException($"downsample '{value}' is not a positive integer"),
                },
                "grid" => p with { Grid = GridShape.Parse(value) },
                _ => throw new FormatException($"unknown preprocessing key '{key}' in '{text}'"),
            };
        }
        return p;
    }
}
