namespace ILGpuNet.Training.Data.Synthetic;

/// <summary>
/// Every effect the generator plants, in one place (README.md, "Synthetic cohort", quotes these numbers).
/// Group effects are deterministic functions of age, sex and CDR; individual variation is added on top
/// by <see cref="CohortPlanner"/> so that no single measurement gives a label away.
/// </summary>
public static class PlantedEffects
{
    /// <summary>Ventricular volume relative to a young adult: 1 up to 25 years, then quadratic (2.5x at 80, 3.1x at 90).</summary>
    public static double VentricleAge(double age) => 1 + 0.0005 * Square(Math.Max(0, age - 25));

    /// <summary>Extra ventricular enlargement with dementia: x1.20 (CDR 0.5), x1.35 (CDR 1), x1.50 (CDR 2).</summary>
    public static double VentricleCdr(double? cdr) => cdr switch { >= 2 => 1.50, >= 1 => 1.35, > 0 => 1.20, _ => 1.0 };

    /// <summary>Sulcal CSF width in mm: 1.0 at 18, +0.18 mm per decade (2.1 mm at 80).</summary>
    public static double SulcalWidth(double age) => 1.0 + 0.018 * (age - 18);

    /// <summary>Extra sulcal width with dementia (mild cortical atrophy, so nWBV drops with CDR as in OASIS): +0.25, +0.4, +0.6 mm.</summary>
    public static double SulcalCdr(double? cdr) => cdr switch { >= 2 => 0.6, >= 1 => 0.4, > 0 => 0.25, _ => 0.0 };

    /// <summary>CSF between brain and mask edge in mm: 1.7 at 18, +0.15 mm per decade (2.6 mm at 80).</summary>
    public static double OuterCsf(double age) => 1.7 + 0.015 * (age - 18);

    /// <summary>Cortical thickness in mm: 3.0 at 18, -0.075 mm per decade (2.53 mm at 80).</summary>
    public static double CortexThickness(double age) => 3.0 - 0.0075 * (age - 18);

    /// <summary>Hippocampal volume relative to the template: 1 up to 50, then -0.3 % per year.</summary>
    public static double HippocampusAge(double age) => 1 - 0.003 * Math.Max(0, age - 50);

    /// <summary>Medial-temporal atrophy with dementia: x0.85 (CDR 0.5), x0.75 (CDR 1), x0.65 (CDR 2).</summary>
    public static double HippocampusCdr(double? cdr) => cdr switch { >= 2 => 0.65, >= 1 => 0.75, > 0 => 0.85, _ => 1.0 };

    /// <summary>Mean and standard deviation of the intracranial volume (ml): males about 8 % larger.</summary>
    public static (double Mean, double Std) Etiv(SyntheticSex sex) => sex == SyntheticSex.Male ? (1535, 115) : (1420, 105);

    /// <summary>Male head shape: 1.5 % longer front to back and 1.5 % flatter (volume unchanged).</summary>
    public static (double Y, double Z) Stretch(SyntheticSex sex) => sex == SyntheticSex.Male ? (1.015, 1 / 1.015) : (1.0, 1.0);

    /// <summary>
    /// OASIS-1 ages by decade (Marcus et al. 2007): 18-19, 20s, ..., 90-96; 416 subjects, 198 of them 60+.
    /// </summary>
    public static readonly (int Low, int High, int Count)[] AgeBins =
    [
        (18, 19, 19), (20, 29, 119), (30, 39, 16), (40, 49, 31), (50, 59, 33),
        (60, 69, 40), (70, 79, 82), (80, 89, 62), (90, 96, 14),
    ];

    /// <summary>OASIS-1: 100 of the 198 subjects aged 60+ have CDR > 0 (all of them 62+): 70 x 0.5, 28 x 1, 2 x 2.</summary>
    public const double DementedPer60Plus = 100.0 / 198, CdrTwoShare = 0.02, CdrOneShare = 0.28;

    /// <summary>OASIS-1: 37 of the 218 subjects under 60 were assessed (CDR 0), the other 181 are blank.</summary>
    public const double AssessedUnder60 = 37.0 / 218;

    /// <summary>OASIS-1: 256 of 416 subjects are female; 20 of 416 have a reliability rescan (MR2) within 90 days.</summary>
    public const double FemaleShare = 256.0 / 416, RescanShare = 20.0 / 416;

    private static double Square(double x) => x * x;
}
