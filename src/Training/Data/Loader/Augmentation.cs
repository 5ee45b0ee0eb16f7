namespace ILGpuNet.Training.Data;

/// <summary>The random choices of one augmented sample.</summary>
public readonly record struct AugmentationDraw(bool Flip, int ShiftD, int ShiftH, int ShiftW, float Scale)
{
    public bool IsIdentity => !Flip && ShiftD == 0 && ShiftH == 0 && ShiftW == 0 && Scale == 1f;
}

/// <summary>
/// Training augmentation: left-right flip (the D axis, NIfTI x; see <see cref="VolumeLayout"/>) with
/// probability <see cref="FlipProbability"/>, an integer shift of up to <see cref="MaxShift"/> voxels per
/// axis (voxels shifted in take the background value, i.e. a raw 0), and an intensity factor uniform in
/// [1 - <see cref="IntensityScale"/>, 1 + <see cref="IntensityScale"/>] applied after normalisation (a
/// z-score would undo it before). The draws for a sample depend only on (seed, epoch, sample index), so a
/// batch is the same whichever worker thread builds it.
/// </summary>
public sealed record Augmentation
{
    public float FlipProbability { get; init; } = 0.5f;
    public int MaxShift { get; init; } = 2;
    public float IntensityScale { get; init; } = 0.1f;

    public static Augmentation Default => new();

    public AugmentationDraw Draw(ulong seed, int epoch, int sample)
    {
        var r = DataRandom.Block(seed, DataRandom.AugmentPurpose, (uint)epoch, 0, (uint)sample);
        var r2 = DataRandom.Block(seed, DataRandom.AugmentPurpose, (uint)epoch, 1, (uint)sample);
        int span = 2 * MaxShift + 1;
        bool flip = ILGpuNet.Kernels.Philox.Uniform(r.X) < FlipProbability;
        float scale = 1f + IntensityScale * (2f * ILGpuNet.Kernels.Philox.Uniform(r2.X) - 1f);
        return new AugmentationDraw(flip, DataRandom.Below(r.Y, span) - MaxShift,
            DataRandom.Below(r.Z, span) - MaxShift, DataRandom.Below(r.W, span) - MaxShift, scale);
    }

    /// <summary>Writes the augmented <paramref name="src"/> (tensor order, <paramref name="shape"/>) into <paramref name="dst"/>.</summary>
    public static void Apply(AugmentationDraw a, ReadOnlySpan<float> src, Span<float> dst, GridShape shape, float background)
    {
        int nd = shape.D, nh = shape.H, nw = shape.W;
        float fill = background * a.Scale;
        // Output (d, h, w) reads source (d - shift) (then mirrored in D when flipping).
        int w0 = Math.Clamp(a.ShiftW, 0, nw), w1 = Math.Clamp(nw + a.ShiftW, 0, nw);
        for (int d = 0; d < nd; d++)
        {
            int sd = d - a.ShiftD;
            if (a.Flip) sd = nd - 1 - sd;
            for (int h = 0; h < nh; h++)
            {
                var row = dst.Slice((d * nh + h) * nw, nw);
                int sh = h - a.ShiftH;
                if ((uint)sd >= (uint)nd || (uint)sh >= (uint)nh || w1 <= w0) { row.Fill(fill); continue; }
                row[..w0].Fill(fill);
                row[w1..].Fill(fill);
                var srow = src.Slice((sd * nh + sh) * nw + (w0 - a.ShiftW), w1 - w0);
                var drow = row[w0..w1];
                for (int i = 0; i < drow.Length; i++) drow[i] = srow[i] * a.Scale;
            }
        }
    }
}
