using System.Diagnostics;
using ILGpuNet.Cli;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Nifti;
using ILGpuNet.Training.Data.Synthetic;

namespace ILGpuNet.Tests.Data;

public class SyntheticTests
{
    private static readonly SyntheticGrid Tiny = new(24, 28, 24);
    private static readonly SyntheticGrid Small = new(48, 56, 48);

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "ilgpunet-synth-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void DefaultGridHasTheMniAffine()
    {
        var a = SyntheticGrid.Mni2mm.Affine();
        double[,] mni = { { -2, 0, 0, 90 }, { 0, 2, 0, -126 }, { 0, 0, 2, -72 }, { 0, 0, 0, 1 } };
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                Assert.Equal(mni[r, c], a[r, c], 12);
        Assert.Equal(new SyntheticGrid(48, 56, 48), SyntheticGrid.Parse("48x56x48"));
        Assert.Throws<ArgumentException>(() => SyntheticGrid.Parse("48x56"));
        Assert.Throws<ArgumentException>(() => SyntheticGrid.Parse("4x56x48"));
    }

    [Fact]
    public void NoiseGradientMatchesFiniteDifferences()
    {
        var rng = new Random(3);
        for (int t = 0; t < 200; t++)
        {
            float x = (float)(rng.NextDouble() * 20 - 10), y = (float)(rng.NextDouble() * 20 - 10), z = (float)(rng.NextDouble() * 20 - 10);
            GradientNoise.Sample(77, x, y, z, out float dx, out float dy, out float dz);
            const float h = 1e-2f;
            float fx = (GradientNoise.Value(77, x + h, y, z) - GradientNoise.Value(77, x - h, y, z)) / (2 * h);
            float fy = (GradientNoise.Value(77, x, y + h, z) - GradientNoise.Value(77, x, y - h, z)) / (2 * h);
            float fz = (GradientNoise.Value(77, x, y, z + h) - GradientNoise.Value(77, x, y, z - h)) / (2 * h);
            Assert.True(MathF.Abs(dx - fx) < 2e-2f && MathF.Abs(dy - fy) < 2e-2f && MathF.Abs(dz - fz) < 2e-2f,
                $"({x},{y},{z}): analytic ({dx},{dy},{dz}) vs numeric ({fx},{fy},{fz})");
        }
    }

    [Fact]
    public void FullSizePlanHasOasisComposition()
    {
        var s = CohortPlanner.Plan(416, seed: 1);
        Assert.Equal(416, s.Count);
        Assert.Equal(416, s.Select(x => x.Id).Distinct().Count());
        Assert.All(s, x => Assert.InRange(x.Age, 18, 96));
        Assert.Equal(198, s.Count(x => x.Age >= 60));
        Assert.Equal(256, s.Count(x => x.Sex == SyntheticSex.Female));
        Assert.Equal(70, s.Count(x => x.Cdr == 0.5));
        Assert.Equal(28, s.Count(x => x.Cdr == 1));
        Assert.Equal(2, s.Count(x => x.Cdr == 2));
        Assert.Equal(181, s.Count(x => x.Cdr is null));
        Assert.All(s.Where(x => x.Cdr is null), x => Assert.True(x.Age < 60 && x.Mmse is null && x.Educ is null));
        var rescans = s.Where(x => x.Sessions.Count == 2).ToList();
        Assert.Equal(20, rescans.Count);
        Assert.All(rescans, x => Assert.True(!x.Demented && x.Sessions[1].DelayDays is >= 1 and < 90 && x.Sessions[1].Id == x.Id + "_MR2"));
        Assert.All(s, x => Assert.InRange(x.Sessions[0].Scans.Count, 3, 4));
        // Males about 8 % larger in intracranial volume.
        double ratio = s.Where(x => x.Sex == SyntheticSex.Male).Average(x => x.Anatomy.EtivTarget)
                       / s.Where(x => x.Sex == SyntheticSex.Female).Average(x => x.Anatomy.EtivTarget);
        Assert.InRange(ratio, 1.05, 1.11);
        // MMSE falls with CDR.
        double Mmse(double c) => s.Where(x => x.Cdr == c).Average(x => x.Mmse!.Value);
        Assert.True(Mmse(0) > Mmse(0.5) && Mmse(0.5) > Mmse(1), $"MMSE by CDR: {Mmse(0)}, {Mmse(0.5)}, {Mmse(1)}");
    }

    [Fact]
    public void DementiaOnlyAtSixtyTwoAndOverForAnySeed()
    {
        for (int seed = 0; seed < 30; seed++)
        {
            var s = CohortPlanner.Plan(100, seed);
            Assert.All(s.Where(x => x.Cdr is > 0), x => Assert.True(x.Age >= 62, $"seed {seed}: {x.Id} aged {x.Age} has CDR {x.Cdr}"));
            Assert.All(s, x => Assert.True(x.Cdr is null or 0 or 0.5 or 1 or 2));
            int sixty = s.Count(x => x.Age >= 60), demented = s.Count(x => x.Demented);
            Assert.InRange(demented, sixty / 2 - 3, sixty / 2 + 3);
        }
        Assert.Throws<ArgumentException>(() => CohortPlanner.Subject(1, 0, SyntheticSex.Male, 61, 0.5));
    }

    [Fact]
    public void PlanIsDeterministicForASeed()
    {
        string Describe(IReadOnlyList<SyntheticSubject> s) => string.Join(";", s.Select(x =>
            $"{x.Id},{x.Sex},{x.Age},{x.Cdr},{x.Mmse},{x.Anatomy.EtivTarget:R},{x.Anatomy.VentricleFactor:R},{x.Anatomy.FoldSeed},{x.Sessions.Count},{x.Sessions[0].Scans[0].NoiseSeed}"));
        Assert.Equal(Describe(CohortPlanner.Plan(60, 9)), Describe(CohortPlanner.Plan(60, 9)));
        Assert.NotEqual(Describe(CohortPlanner.Plan(60, 9)), Describe(CohortPlanner.Plan(60, 10)));
    }

    [Fact]
    public void RenderingInParallelGivesTheSameBits()
    {
        var s = CohortPlanner.Subject(4, 2, SyntheticSex.Female, 70, 0.5);
        var a = new float[Small.Voxels];
        var b = new float[Small.Voxels];
        var ta = PhantomRenderer.Render(s, s.Sessions[0].Scans[0], Small, a, parallel: true);
        var tb = PhantomRenderer.Render(s, s.Sessions[0].Scans[0], Small, b, parallel: false);
        Assert.Equal(a, b);
        Assert.Equal(ta, tb);
        // Scans of one subject differ (noise, motion), but only a little.
        var c = new float[Small.Voxels];
        PhantomRenderer.Render(s, s.Sessions[0].Scans[1], Small, c);
        Assert.NotEqual(a, c);
        Assert.True(a.All(float.IsFinite) && a.All(v => v >= 0));
    }

    [Fact]
    public void CohortFilesAreByteIdenticalForASeedAndDifferForAnother()
    {
        string a = TempDir(), b = TempDir(), c = TempDir();
        try
        {
            var options = new SyntheticCohortOptions { OutputDirectory = a, Subjects = 5, Seed = 5, Grid = Tiny, MaxScans = 2, Threads = 1 };
            SyntheticCohort.Generate(options);
            SyntheticCohort.Generate(options with { OutputDirectory = b, Threads = 2 });
            SyntheticCohort.Generate(options with { OutputDirectory = c, Seed = 6 });
            var filesA = Files(a);
            Assert.Equal(filesA.Keys.Order(), Files(b).Keys.Order());
            foreach (var (name, bytes) in filesA) Assert.True(bytes.SequenceEqual(Files(b)[name]), $"{name} differs between two runs with one seed");
            var filesC = Files(c);
            Assert.Contains(filesA.Keys.Where(k => k.EndsWith(".nii.gz")), k => !filesA[k].SequenceEqual(filesC[k]));
            Assert.NotEqual(File.ReadAllText(Path.Combine(a, SyntheticCohort.CsvName)), File.ReadAllText(Path.Combine(c, SyntheticCohort.CsvName)));
        }
        finally
        {
            foreach (var d in new[] { a, b, c }) if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }

    private static Dictionary<string, byte[]> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes);

    [Fact]
    public void LayoutCsvAndNiftiFilesReadBack()
    {
        string dir = TempDir();
        try
        {
            var result = SyntheticCohort.Generate(new SyntheticCohortOptions { OutputDirectory = dir, Subjects = 21, Seed = 2, Grid = Tiny, MaxScans = 2 });
            var subjects = result.Subjects;
            Assert.Contains(subjects, s => s.Sessions.Count == 2);

            // The registered OASIS layout, as the dataset reader sees it.
            Assert.True(File.Exists(Path.Combine(dir, "OAS1_0001_MR1", "OAS1_0001_MR1_mpr-1_anon.nii_registered.nii.gz")));
            var scans = OasisLayout.Scan(dir);
            Assert.Equal(subjects.Sum(s => s.Sessions.Sum(x => x.Scans.Count)), scans.Count);
            Assert.All(scans, x => Assert.Equal(x.SessionId, Path.GetFileName(Path.GetDirectoryName(x.Path))));

            // The CSV: OASIS's columns, one row per session, plausible values.
            var lines = File.ReadAllLines(Path.Combine(dir, SyntheticCohort.CsvName));
            Assert.Equal("ID,M/F,Hand,Age,Educ,SES,MMSE,CDR,eTIV,nWBV,ASF,Delay", lines[0]);
            var rows = OasisCsv.Read(Path.Combine(dir, SyntheticCohort.CsvName));
            Assert.Equal(subjects.Sum(s => s.Sessions.Count), rows.Count);
            Assert.Equal(rows.Select(r => r.SessionId).Order(), scans.Select(x => x.SessionId).Distinct().Order());
            foreach (var r in rows)
            {
                Assert.InRange(r.Age!.Value, 18, 96);
                Assert.InRange(r.Etiv!.Value, 1000, 2000);
                Assert.InRange(r.Nwbv!.Value, 0.6f, 0.9f);
                Assert.InRange(r.Asf!.Value * r.Etiv!.Value, 1750, 1760);
                Assert.Equal(r.Id.EndsWith("_MR2"), r.Delay is not null);
                if (r.Cdr is null) Assert.True(r.Mmse is null && r.Age < 60);
                else Assert.InRange(r.Mmse!.Value, 0, 30);
                if (r.Cdr > 0) Assert.True(r.Age >= 62);
            }
            Assert.Contains(lines, l => l.EndsWith(",N/A"));
            Assert.True(File.Exists(Path.Combine(dir, SyntheticCohort.TruthName)));

            // Every file is a valid NIfTI with the grid's MNI affine and exactly the rendered voxels.
            var subject = subjects[0];
            var volume = NiftiReader.Read(SyntheticCohort.ScanPath(dir, subject.Sessions[0].Id, 2), requireFinite: true);
            Assert.Equal(new[] { Tiny.Nx, Tiny.Ny, Tiny.Nz }, volume.Shape);
            var affine = Tiny.Affine();
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    Assert.Equal(affine[i, j], volume.Affine[i, j], 4);
            Assert.Equal(NiftiXform.Mni152, volume.Header!.SformCode);
            Assert.Equal(NiftiXform.Mni152, volume.Header!.QformCode);
            var expected = new float[Tiny.Voxels];
            PhantomRenderer.Render(subject, subject.Sessions[0].Scans[1], Tiny, expected);
            Assert.Equal(expected, volume.Data);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    /// <summary>Renders of controlled subjects: the index fixes the individual variation (and nuisance), so pairs differ only by the planted effect.</summary>
    private static (PhantomTally Tally, float[] Data) Render(int index, SyntheticSex sex, int age, double? cdr)
    {
        var s = CohortPlanner.Subject(11, index, sex, age, cdr);
        var data = new float[Small.Voxels];
        return (PhantomRenderer.Render(s, s.Sessions[0].Scans[0], Small, data), data);
    }

    [Fact]
    public void AgeEnlargesVentriclesAndSulciAndThinsGreyMatter()
    {
        int[] ages = [20, 45, 70, 90];
        var csf = new double[ages.Length];
        var vent = new double[ages.Length];
        var gm = new double[ages.Length];
        var dark = new double[ages.Length];
        const int people = 4;
        for (int a = 0; a < ages.Length; a++)
            for (int p = 0; p < people; p++)
            {
                var (t, data) = Render(p, p % 2 == 0 ? SyntheticSex.Female : SyntheticSex.Male, ages[a], ages[a] >= 60 ? 0 : null);
                csf[a] += t.CsfMl / t.MaskMl / people;
                vent[a] += t.VentricleMl / people;
                gm[a] += t.GreyMatterMl / t.MaskMl / people;
                dark[a] += DarkFraction(data) / people;
            }
        for (int a = 1; a < ages.Length; a++)
        {
            Assert.True(csf[a] > csf[a - 1] + 0.02, $"CSF fraction by age: {string.Join(", ", csf)}");
            Assert.True(vent[a] > vent[a - 1], $"ventricles by age: {string.Join(", ", vent)}");
            Assert.True(gm[a] < gm[a - 1], $"grey-matter fraction by age: {string.Join(", ", gm)}");
            // Seen in the image itself: more voxels at CSF-like intensity.
            Assert.True(dark[a] > dark[a - 1], $"dark-voxel fraction by age: {string.Join(", ", dark)}");
        }
        Assert.InRange(vent[3] / vent[0], 2.0, 4.5);
    }

    /// <summary>Share of brain voxels darker than halfway between CSF and grey matter, relative to the 95th percentile (white matter).</summary>
    private static double DarkFraction(float[] data)
    {
        var brain = data.Where(v => v > 0).Order().ToArray();
        float wm = brain[(int)(brain.Length * 0.95)];
        return brain.Count(v => v < 0.41f * wm) / (double)brain.Length;
    }

    [Fact]
    public void MaleBrainsAreAboutEightPercentLarger()
    {
        double male = 0, female = 0;
        for (int p = 0; p < 16; p++)
        {
            // The mask (non-zero voxels) of the image, not the tally: what a model sees.
            male += Render(p, SyntheticSex.Male, 30, null).Data.Count(v => v > 0);
            female += Render(p, SyntheticSex.Female, 30, null).Data.Count(v => v > 0);
        }
        Assert.InRange(male / female, 1.06, 1.10);
    }

    [Fact]
    public void DementiaShrinksTheMedialTemporalRegionAndEnlargesVentricles()
    {
        for (int p = 0; p < 4; p++)
        {
            var (healthy, h) = Render(p, SyntheticSex.Female, 75, 0);
            var (mild, m) = Render(p, SyntheticSex.Female, 75, 0.5);
            var (moderate, _) = Render(p, SyntheticSex.Female, 75, 1);
            Assert.InRange(mild.HippocampusMl / healthy.HippocampusMl, 0.78, 0.92);
            Assert.InRange(moderate.HippocampusMl / healthy.HippocampusMl, 0.68, 0.82);
            Assert.InRange(mild.VentricleMl / healthy.VentricleMl, 1.1, 1.3);
            Assert.True(moderate.VentricleMl > mild.VentricleMl);
            // In the image: the medial-temporal boxes (MNI x 22..32 either side, y -36..-8, z -22..-6) get darker.
            Assert.True(MedialTemporalMean(m) < MedialTemporalMean(h) * 0.97, $"subject {p}: {MedialTemporalMean(m)} vs {MedialTemporalMean(h)}");
        }
    }

    private static double MedialTemporalMean(float[] data)
    {
        var a = Small.Affine();
        double sum = 0;
        int n = 0;
        for (int k = 0; k < Small.Nz; k++)
            for (int j = 0; j < Small.Ny; j++)
                for (int i = 0; i < Small.Nx; i++)
                {
                    double x = Math.Abs(a[0, 0] * i + a[0, 3]), y = a[1, 1] * j + a[1, 3], z = a[2, 2] * k + a[2, 3];
                    if (x < 22 || x > 32 || y < -36 || y > -8 || z < -22 || z > -6) continue;
                    sum += data[i + Small.Nx * (j + Small.Ny * k)];
                    n++;
                }
        return sum / n;
    }

    [Fact]
    public void SmallGridScansRenderFast()
    {
        var s = CohortPlanner.Subject(1, 0, SyntheticSex.Male, 50, 0);
        var data = new float[Small.Voxels];
        PhantomRenderer.Render(s, s.Sessions[0].Scans[0], Small, data);
        double best = double.MaxValue;
        for (int r = 0; r < 5; r++)
        {
            var sw = Stopwatch.StartNew();
            PhantomRenderer.Render(s, s.Sessions[0].Scans[0], Small, data, parallel: false);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        // About 10 ms of CPU on one core; the bound leaves room for a loaded shared machine.
        Assert.True(best < 0.3, $"48x56x48 scan took {best * 1000:F0} ms");
    }

    [Fact]
    public void SynthCommandWritesACohortAndRejectsBadOptions()
    {
        string dir = TempDir();
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = CliApp.Run(["synth", "--out", dir, "--subjects", "3", "--grid", "24x28x24", "--scans", "1"], output, error);
            Assert.True(code == 0, error.ToString());
            Assert.Contains("3 subjects", output.ToString());
            Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, SyntheticCohort.CsvName)).Length);

            Assert.Equal(2, CliApp.Run(["synth", "--out", dir, "--grid", "24x28"], output, error));
            Assert.Contains("NXxNYxNZ", error.ToString());
            Assert.NotEqual(0, CliApp.Run(["synth", "--subjects", "3"], output, error));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
