namespace ILGpuNet.Training.Data.Synthetic;

public enum SyntheticSex { Female, Male }

/// <summary>A small rigid motion: translation in millimetres and rotation about x, y, z in degrees.</summary>
public readonly record struct RigidMotion(double Tx, double Ty, double Tz, double Rx, double Ry, double Rz)
{
    public static RigidMotion operator +(RigidMotion a, RigidMotion b) =>
        new(a.Tx + b.Tx, a.Ty + b.Ty, a.Tz + b.Tz, a.Rx + b.Rx, a.Ry + b.Ry, a.Rz + b.Rz);
}

/// <summary>
/// The planted anatomy of one subject (the ground truth behind the image; written to synthetic_truth.csv).
/// All lengths are millimetres of the template before <see cref="SizeScale"/> is applied.
/// </summary>
public sealed record SubjectAnatomy
{
    /// <summary>Linear size of the whole head relative to the template (volume goes with its cube); set from the eTIV target.</summary>
    public required double SizeScale { get; init; }
    /// <summary>Relative anterior-posterior and superior-inferior stretch (the sex shape effect; 1 for females).</summary>
    public required double StretchY { get; init; }
    public required double StretchZ { get; init; }
    /// <summary>Target intracranial volume in ml (cc) from which <see cref="SizeScale"/> follows.</summary>
    public required double EtivTarget { get; init; }
    /// <summary>Ventricular volume relative to a young adult's template ventricles.</summary>
    public required double VentricleFactor { get; init; }
    /// <summary>Width of the CSF in the sulci (and, plus 1 mm, in the interhemispheric fissure).</summary>
    public required double SulcalWidthMm { get; init; }
    /// <summary>CSF between the brain surface and the edge of the skull-stripped mask.</summary>
    public required double OuterCsfMm { get; init; }
    /// <summary>Cortical grey-matter thickness beside every CSF boundary.</summary>
    public required double CortexThicknessMm { get; init; }
    /// <summary>Hippocampal (medial-temporal) volume relative to the template; the space it leaves becomes CSF.</summary>
    public required double HippocampusFactor { get; init; }
    /// <summary>Amplitude of the smooth individual deformation of the brain outline.</summary>
    public required double ShapeAmplitudeMm { get; init; }
    public required uint ShapeSeed { get; init; }
    /// <summary>Seed of the individual part of the folding field (the population part is shared by everyone).</summary>
    public required uint FoldSeed { get; init; }
    /// <summary>The subject's residual misregistration to the atlas (shared by all their scans).</summary>
    public required RigidMotion Misregistration { get; init; }
    /// <summary>White-matter intensity before bias and noise.</summary>
    public required double IntensityScale { get; init; }
    /// <summary>Log bias field coefficients: x, y, z, x^2, y^2, z^2, xy, yz, xz over the normalised field of view.</summary>
    public required double[] Bias { get; init; }
}

/// <summary>What differs between the scans of one subject (mpr-1..4): motion, intensity, bias and noise.</summary>
public sealed record ScanNuisance
{
    public required RigidMotion Motion { get; init; }
    /// <summary>Multiplies the subject's intensity scale.</summary>
    public required double IntensityJitter { get; init; }
    /// <summary>Rician noise sigma as a fraction of the white-matter intensity.</summary>
    public required double NoiseSigma { get; init; }
    public required ulong NoiseSeed { get; init; }
    /// <summary>Added to the subject's log bias coefficients.</summary>
    public required double[] BiasJitter { get; init; }
}

/// <summary>One imaging session: MR1, or MR2 for the reliability rescans (Delay days later).</summary>
public sealed record SyntheticSession(string Id, int Number, int? DelayDays, IReadOnlyList<ScanNuisance> Scans);

/// <summary>One subject of the cohort: the CSV's clinical columns, the planted anatomy and the sessions.</summary>
public sealed record SyntheticSubject
{
    /// <summary>OAS1_xxxx (the first 9 characters of every file and session name).</summary>
    public required string Id { get; init; }
    public required int Index { get; init; }
    public required SyntheticSex Sex { get; init; }
    public required int Age { get; init; }
    /// <summary>Null where OASIS leaves the column blank (young subjects who were never assessed).</summary>
    public int? Educ { get; init; }
    public int? Ses { get; init; }
    public int? Mmse { get; init; }
    /// <summary>0, 0.5, 1 or 2; null = blank (not assessed).</summary>
    public double? Cdr { get; init; }
    public required SubjectAnatomy Anatomy { get; init; }
    public required IReadOnlyList<SyntheticSession> Sessions { get; init; }

    public bool Demented => Cdr is > 0;
}
