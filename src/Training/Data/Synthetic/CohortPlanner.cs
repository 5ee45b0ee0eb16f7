namespace ILGpuNet.Training.Data.Synthetic;

/// <summary>
/// Draws the cohort: demographics and clinical columns with OASIS-1's composition (quotas scaled to the
/// cohort size, so small cohorts still look like OASIS), each subject's planted anatomy and the nuisance of
/// every scan. Every subject and every scan has its own seed derived from (cohort seed, subject, session,
/// scan), so rendering in parallel, in any order, produces the same volumes.
/// </summary>
public static class CohortPlanner
{
    /// <summary>Plans <paramref name="subjects"/> subjects with at most <paramref name="maxScans"/> scans (mpr-N) per session.</summary>
    public static IReadOnlyList<SyntheticSubject> Plan(int subjects, int seed, int maxScans = 4)
    {
        if (subjects < 1 || subjects > 9999) throw new ArgumentException("the number of subjects must be between 1 and 9999");
        if (maxScans < 1 || maxScans > 4) throw new ArgumentException("scans per session must be between 1 and 4");
        var rng = new Random(SeedFor(seed, 0xC040));
        int n = subjects;

        var ages = new List<int>(n);
        var bins = PlantedEffects.AgeBins;
        var perBin = Apportion(bins.Select(b => (double)b.Count).ToArray(), n);
        for (int b = 0; b < bins.Length; b++)
            for (int c = 0; c < perBin[b]; c++)
                ages.Add(rng.Next(bins[b].Low, bins[b].High + 1));
        Shuffle(ages, rng);

        int females = Round(n * PlantedEffects.FemaleShare);
        var sexes = Enumerable.Range(0, n).Select(i => i < females ? SyntheticSex.Female : SyntheticSex.Male).ToList();
        Shuffle(sexes, rng);

        // CDR > 0 only at 62+, at OASIS's rate among the 60+; the under-60s are mostly never assessed (blank).
        var cdr = new double?[n];
        var sixtyPlus = Enumerable.Range(0, n).Where(i => ages[i] >= 60).ToList();
        var eligible = sixtyPlus.Where(i => ages[i] >= 62).ToList();
        Shuffle(eligible, rng);
        int demented = Math.Min(Round(sixtyPlus.Count * PlantedEffects.DementedPer60Plus), eligible.Count);
        int cdr2 = Round(demented * PlantedEffects.CdrTwoShare), cdr1 = Round(demented * PlantedEffects.CdrOneShare);
        foreach (int i in sixtyPlus) cdr[i] = 0;
        for (int d = 0; d < demented; d++)
            cdr[eligible[d]] = d < cdr2 ? 2 : d < cdr2 + cdr1 ? 1 : 0.5;
        var young = Enumerable.Range(0, n).Where(i => ages[i] < 60).ToList();
        Shuffle(young, rng);
        int assessed = Round(young.Count * PlantedEffects.AssessedUnder60);
        for (int a = 0; a < assessed; a++) cdr[young[a]] = 0;

        // Reliability rescans (MR2), like OASIS's 20 non-demented subjects rescanned within 90 days.
        var healthy = Enumerable.Range(0, n).Where(i => cdr[i] is null or 0).ToList();
        Shuffle(healthy, rng);
        int rescans = Math.Min(Round(n * PlantedEffects.RescanShare), healthy.Count);
        var delay = new int?[n];
        for (int r = 0; r < rescans; r++) delay[healthy[r]] = rng.Next(1, 90);

        var list = new SyntheticSubject[n];
        for (int i = 0; i < n; i++)
            list[i] = Subject(seed, i, sexes[i], ages[i], cdr[i], delay[i], maxScans);
        return list;
    }

    /// <summary>
    /// One subject with the given label columns (tests and tools use it to render controlled phantoms);
    /// <paramref name="rescanDelay"/> adds an MR2 session that many days later.
    /// </summary>
    public static SyntheticSubject Subject(int seed, int index, SyntheticSex sex, int age, double? cdr, int? rescanDelay = null, int maxScans = 4)
    {
        if (cdr is > 0 && age < 62) throw new ArgumentException("CDR > 0 is planted only at ages 62 and over");
        var rng = new Random(SeedFor(seed, index, 1));
        var (etivMean, etivStd) = PlantedEffects.Etiv(sex);
        double etiv = etivMean + etivStd * Math.Clamp(Normal(rng), -2.5, 2.5);
        var (stretchY, stretchZ) = PlantedEffects.Stretch(sex);
        var anatomy = new SubjectAnatomy
        {
            EtivTarget = etiv,
            SizeScale = Math.Cbrt(etiv / PhantomRenderer.TemplateVolumeMl),
            StretchY = stretchY,
            StretchZ = stretchZ,
            VentricleFactor = PlantedEffects.VentricleAge(age) * PlantedEffects.VentricleCdr(cdr) * Math.Exp(0.25 * Clamp3(Normal(rng))),
            SulcalWidthMm = Math.Max(0.3, PlantedEffects.SulcalWidth(age) + PlantedEffects.SulcalCdr(cdr) + 0.15 * Clamp3(Normal(rng))),
            OuterCsfMm = Math.Max(0.5, PlantedEffects.OuterCsf(age) + 0.2 * Clamp3(Normal(rng))),
            CortexThicknessMm = PlantedEffects.CortexThickness(age) + 0.12 * Clamp3(Normal(rng)),
            HippocampusFactor = PlantedEffects.HippocampusAge(age) * PlantedEffects.HippocampusCdr(cdr) * (1 + 0.05 * Clamp3(Normal(rng))),
            ShapeAmplitudeMm = 2.0 + rng.NextDouble() * 2.0,
            ShapeSeed = (uint)rng.Next() ^ 0x5A17u,
            FoldSeed = (uint)rng.Next() ^ 0xF01Du,
            Misregistration = new RigidMotion(
                Math.Clamp(1.2 * Normal(rng), -3, 3), Math.Clamp(1.2 * Normal(rng), -3, 3), Math.Clamp(1.2 * Normal(rng), -3, 3),
                Math.Clamp(1.0 * Normal(rng), -2.5, 2.5), Math.Clamp(1.0 * Normal(rng), -2.5, 2.5), Math.Clamp(1.0 * Normal(rng), -2.5, 2.5)),
            IntensityScale = 600 * Math.Exp(0.15 * Clamp3(Normal(rng))),
            Bias =
            [
                0.07 * Normal(rng), 0.07 * Normal(rng), 0.07 * Normal(rng),
                0.04 * Normal(rng), 0.04 * Normal(rng), 0.04 * Normal(rng),
                0.03 * Normal(rng), 0.03 * Normal(rng), 0.03 * Normal(rng),
            ],
        };

        int? educ = null, ses = null, mmse = null;
        if (cdr is not null)
        {
            double u = rng.NextDouble();
            educ = u < 0.12 ? 1 : u < 0.37 ? 2 : u < 0.59 ? 3 : u < 0.82 ? 4 : 5;
            int s = (int)Math.Round(6 - educ.Value + 0.9 * Normal(rng));
            ses = rng.NextDouble() < 0.08 ? null : Math.Clamp(s, 1, 5);
            double z = Normal(rng);
            mmse = cdr switch
            {
                >= 2 => Math.Clamp((int)Math.Round(15 + 3.5 * z), 7, 22),
                >= 1 => Math.Clamp((int)Math.Round(21 + 3.5 * z), 12, 29),
                > 0 => Math.Clamp((int)Math.Round(25.5 + 2.8 * z), 16, 30),
                _ => Math.Clamp(30 - (int)Math.Floor(Math.Abs(1.3 * z)) - (educ <= 2 && rng.NextDouble() < 0.3 ? 1 : 0), 25, 30),
            };
        }
        int scans = Math.Min(maxScans, rng.NextDouble() < 0.8 ? 4 : 3);
        string id = $"OAS1_{index + 1:D4}";
        var sessions = new List<SyntheticSession> { Session(seed, index, id, 1, null, scans) };
        if (rescanDelay is int days) sessions.Add(Session(seed, index, id, 2, days, scans));
        return new SyntheticSubject
        {
            Id = id, Index = index, Sex = sex, Age = age, Educ = educ, Ses = ses, Mmse = mmse, Cdr = cdr,
            Anatomy = anatomy, Sessions = sessions,
        };
    }

    private static SyntheticSession Session(int seed, int index, string subjectId, int number, int? delay, int scans)
    {
        var list = new ScanNuisance[scans];
        for (int s = 0; s < scans; s++)
        {
            var rng = new Random(SeedFor(seed, index, 1 + number, s));
            list[s] = new ScanNuisance
            {
                Motion = new RigidMotion(
                    Math.Clamp(0.35 * Normal(rng), -1, 1), Math.Clamp(0.35 * Normal(rng), -1, 1), Math.Clamp(0.35 * Normal(rng), -1, 1),
                    Math.Clamp(0.3 * Normal(rng), -0.8, 0.8), Math.Clamp(0.3 * Normal(rng), -0.8, 0.8), Math.Clamp(0.3 * Normal(rng), -0.8, 0.8)),
                IntensityJitter = Math.Exp(0.02 * Clamp3(Normal(rng))),
                NoiseSigma = 0.02 + 0.02 * rng.NextDouble(),
                NoiseSeed = Mix((ulong)(uint)seed << 32 | (uint)index, (ulong)number << 8 | (uint)s),
                BiasJitter = Enumerable.Range(0, 9).Select(_ => 0.01 * Normal(rng)).ToArray(),
            };
        }
        return new SyntheticSession($"{subjectId}_MR{number}", number, delay, list);
    }

    /// <summary>A 31-bit seed for System.Random (whose seeded algorithm is fixed across .NET versions) from the cohort seed and a path.</summary>
    public static int SeedFor(int seed, params int[] path)
    {
        ulong h = Mix(0x243F6A8885A308D3UL, (ulong)(uint)seed);
        foreach (int p in path) h = Mix(h, (ulong)(uint)p);
        return (int)(h >> 33);
    }

    /// <summary>SplitMix64 finaliser over a combined state: a strong, cheap mix of two words.</summary>
    private static ulong Mix(ulong a, ulong b)
    {
        ulong z = a * 0x9E3779B97F4A7C15UL + b + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Largest-remainder apportionment of n items over the given weights.</summary>
    private static int[] Apportion(double[] weights, int n)
    {
        double total = weights.Sum();
        var exact = weights.Select(w => w / total * n).ToArray();
        var counts = exact.Select(e => (int)Math.Floor(e)).ToArray();
        int left = n - counts.Sum();
        foreach (int i in Enumerable.Range(0, weights.Length).OrderByDescending(i => exact[i] - counts[i]).ThenBy(i => i).Take(left))
            counts[i]++;
        return counts;
    }

    private static void Shuffle<T>(List<T> list, Random rng)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    private static int Round(double x) => (int)Math.Round(x, MidpointRounding.AwayFromZero);

    private static double Clamp3(double z) => Math.Clamp(z, -3, 3);

    /// <summary>Standard normal by Box-Muller from the generator's doubles.</summary>
    private static double Normal(Random rng)
    {
        double u = 1 - rng.NextDouble(), v = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
