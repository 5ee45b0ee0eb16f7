using System.Numerics;

namespace ILGpuNet.Training.Data;

/// <summary>
/// How a volume's intensities are standardised before the model sees it. A model records its choice by
/// <see cref="VolumeNormalizations.Name"/> so that prediction applies the same one.
/// </summary>
public enum VolumeNormalization
{
    /// <summary>"zscore": (x - mean) / std over every voxel, population std (the reference, numpy's default).</summary>
    ZScore,
    /// <summary>
    /// "zscore-brain": mean and std over the non-zero voxels only (the brain of a skull-stripped volume);
    /// zero voxels stay 0, so the background does not dilute the statistics.
    /// </summary>
    ZScoreBrain,
}

public static class VolumeNormalizations
{
    /// <summary>The names of <c>--normalization</c>, config.json and the preprocessing string of a checkpoint.</summary>
    public static readonly Choices<VolumeNormalization> Choices = new("normalisation",
        [(VolumeNormalization.ZScore, "zscore"), (VolumeNormalization.ZScoreBrain, "zscore-brain")],
        ("z-score", VolumeNormalization.ZScore), ("zscorebrain", VolumeNormalization.ZScoreBrain), ("z-score-brain", VolumeNormalization.ZScoreBrain));

    /// <summary>The serialised name: "zscore" or "zscore-brain".</summary>
    public static string Name(this VolumeNormalization n) => Choices.Name(n);

    /// <summary>Reads a serialised name (case-insensitive; the enum member names are accepted too).</summary>
    public static VolumeNormalization Parse(string name) => Choices.Parse(name);

    /// <summary>
    /// Normalises <paramref name="data"/> in place and returns the value a raw 0 maps to (the background of
    /// a skull-stripped volume), which augmentation uses to fill shifted-in voxels. Two passes, mean then
    /// squared deviations (no E[x^2] - mean^2 cancellation for volumes with a large offset), SIMD within
    /// blocks of 4096 values and float64 across blocks. A constant volume (std 0) is only centred.
    /// </summary>
    public static float Apply(this VolumeNormalization n, Span<float> data)
    {
        bool brainOnly = n == VolumeNormalization.ZScoreBrain;
        // Zeros add nothing to a sum, so the brain mean is the plain sum over the non-zero count.
        var (sum, nonZero) = SumAndNonZero(data);
        long count = brainOnly ? nonZero : data.Length;
        if (count == 0) return 0f;
        // The mean as a float pair: v - hi is exact near the mean, so a large offset keeps its small spread
        // (a single float mean at 20000 is off by up to 1e-3, which shifts every z-score).
        double meanD = sum / count;
        float hi = (float)meanD, lo = (float)(meanD - hi);
        double variance = SquaredDeviations(data, hi, lo, brainOnly) / count;
        float scale = variance > 0 ? (float)(1 / Math.Sqrt(variance)) : 1f;
        Standardise(data, hi, lo, scale, brainOnly);
        return brainOnly ? 0f : (float)(-meanD * scale);
    }

    private const int Block = 4096;

    private static (double Sum, long NonZero) SumAndNonZero(ReadOnlySpan<float> data)
    {
        double sum = 0;
        long zeros = 0;
        int width = Vector<float>.Count;
        for (int start = 0; start < data.Length; start += Block)
        {
            var block = data.Slice(start, Math.Min(Block, data.Length - start));
            var acc = Vector<float>.Zero;
            var zeroCount = Vector<int>.Zero;
            int i = 0;
            for (; i <= block.Length - width; i += width)
            {
                var v = new Vector<float>(block.Slice(i, width));
                acc += v;
                zeroCount -= Vector.Equals(v, Vector<float>.Zero); // true lanes are -1
            }
            double blockSum = LaneSum(acc);
            for (; i < block.Length; i++)
            {
                blockSum += block[i];
                if (block[i] == 0f) zeros++;
            }
            sum += blockSum;
            zeros += Vector.Sum(zeroCount);
        }
        return (sum, data.Length - zeros);
    }

    private static double SquaredDeviations(ReadOnlySpan<float> data, float hi, float lo, bool brainOnly)
    {
        double total = 0;
        int width = Vector<float>.Count;
        var m = new Vector<float>(hi);
        var mLo = new Vector<float>(lo);
        for (int start = 0; start < data.Length; start += Block)
        {
            var block = data.Slice(start, Math.Min(Block, data.Length - start));
            var acc = Vector<float>.Zero;
            int i = 0;
            for (; i <= block.Length - width; i += width)
            {
                var v = new Vector<float>(block.Slice(i, width));
                var d = (v - m) - mLo;
                if (brainOnly) d = Vector.ConditionalSelect(Vector.Equals(v, Vector<float>.Zero), Vector<float>.Zero, d);
                acc += d * d;
            }
            double blockSum = LaneSum(acc);
            for (; i < block.Length; i++)
            {
                if (brainOnly && block[i] == 0f) continue;
                double d = (double)(block[i] - hi) - lo;
                blockSum += d * d;
            }
            total += blockSum;
        }
        return total;
    }

    /// <summary>Adds the lanes in float64: their float sum (Vector.Sum) would round a 20000-offset block by units.</summary>
    private static double LaneSum(Vector<float> v)
    {
        double total = 0;
        for (int lane = 0; lane < Vector<float>.Count; lane++) total += v[lane];
        return total;
    }

    private static void Standardise(Span<float> data, float hi, float lo, float scale, bool brainOnly)
    {
        int width = Vector<float>.Count, i = 0;
        var m = new Vector<float>(hi);
        var mLo = new Vector<float>(lo);
        var s = new Vector<float>(scale);
        for (; i <= data.Length - width; i += width)
        {
            var slot = data.Slice(i, width);
            var v = new Vector<float>(slot);
            var z = ((v - m) - mLo) * s;
            if (brainOnly) z = Vector.ConditionalSelect(Vector.Equals(v, Vector<float>.Zero), Vector<float>.Zero, z);
            z.CopyTo(slot);
        }
        for (; i < data.Length; i++)
            if (!brainOnly || data[i] != 0f) data[i] = ((data[i] - hi) - lo) * scale;
    }
}
