namespace ILGpuNet.Training.Data.Nifti;

/// <summary>
/// Summary statistics of voxel values in the spirit of fslstats, over the finite voxels only (NaN and
/// infinities are counted in <see cref="NonFinite"/> and otherwise ignored). Std is the population standard
/// deviation (numpy's default, ddof = 0). Sums are accumulated in double; the variance is a second pass over
/// deviations from the mean, and partial results combine exactly (Chan et al.), so 4D files are summarised
/// volume by volume.
/// </summary>
public readonly record struct VolumeStatistics(long Voxels, long Finite, long NonZero, double Min, double Max, double Sum, double SumSquaredDeviations)
{
    public long NonFinite => Voxels - Finite;

    /// <summary>Mean of the finite voxels (NaN when there are none).</summary>
    public double Mean => Finite > 0 ? Sum / Finite : double.NaN;

    /// <summary>Population standard deviation of the finite voxels (NaN when there are none).</summary>
    public double Std => Finite > 0 ? Math.Sqrt(SumSquaredDeviations / Finite) : double.NaN;

    public static VolumeStatistics Empty => new(0, 0, 0, double.NaN, double.NaN, 0, 0);

    public static VolumeStatistics Of(ReadOnlySpan<float> values)
    {
        long finite = 0, nonZero = 0;
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            finite++;
            if (v != 0) nonZero++;
            if (v < min) min = v;
            if (v > max) max = v;
            sum += v;
        }

        if (finite == 0) return new VolumeStatistics(values.Length, 0, 0, double.NaN, double.NaN, 0, 0);
        double mean = sum / finite, m2 = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            double d = v - mean;
            m2 += d * d;
        }

        return new VolumeStatistics(values.Length, finite, nonZero, min, max, sum, m2);
    }

    /// <summary>Statistics of the union of two disjoint sets of voxels.</summary>
    public VolumeStatistics Combine(VolumeStatistics other)
    {
        if (other.Finite == 0) return this with { Voxels = Voxels + other.Voxels };
        if (Finite == 0) return other with { Voxels = Voxels + other.Voxels };
        long n = Finite + other.Finite;
        double delta = other.Mean - Mean;
        double m2 = SumSquaredDeviations + other.SumSquaredDeviations + delta * delta * ((double)Finite * other.Finite / n);
        return new VolumeStatistics(Voxels + other.Voxels, n, NonZero + other.NonZero,
            Math.Min(Min, other.Min), Math.Max(Max, other.Max), Sum + other.Sum, m2);
    }
}
