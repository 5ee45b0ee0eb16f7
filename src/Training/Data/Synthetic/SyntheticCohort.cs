using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using ILGpuNet.Training.Data.Nifti;
using ILGpuNet.Training.IO;

namespace ILGpuNet.Training.Data.Synthetic;

/// <summary>What <see cref="SyntheticCohort.Generate"/> makes: subjects, seed, grid and scans per session.</summary>
public sealed record SyntheticCohortOptions
{
    public required string OutputDirectory { get; init; }
    /// <summary>Subjects (OASIS-1 has 416; the default 100 generate in about 10 s on two cores at 91x109x91).</summary>
    public int Subjects { get; init; } = 100;
    public int Seed { get; init; } = 1;
    public SyntheticGrid Grid { get; init; } = SyntheticGrid.Mni2mm;
    /// <summary>At most this many scans (mpr-1..N) per session; OASIS has 3 or 4.</summary>
    public int MaxScans { get; init; } = 4;
    /// <summary>Threads rendering and compressing scans (default: all cores); any value gives the same files.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
}

/// <summary>A generated cohort: the plan, the tally of every session's first scan and the timings.</summary>
public sealed record SyntheticCohortResult(
    IReadOnlyList<SyntheticSubject> Subjects, IReadOnlyDictionary<string, PhantomTally> SessionTallies, int Scans,
    string CsvPath, TimeSpan Elapsed, TimeSpan RenderTime, TimeSpan WriteTime);

/// <summary>
/// Writes a synthetic OASIS-like cohort: the OASIS registered layout
/// (<c>DIR/OAS1_0001_MR1/OAS1_0001_MR1_mpr-1_anon.nii_registered.nii.gz</c>), the cross-sectional CSV
/// (<c>DIR/oasis_cross-sectional.csv</c>, OASIS's columns), <c>DIR/synthetic_truth.csv</c> with the
/// planted anatomy of every subject and the masks of the planted regions (<see cref="PlantedRegions"/>). eTIV and nWBV in the CSV are measured on the phantom of each session's
/// first scan (mask volume in ml; tissue over mask); ASF = 1755 / eTIV as in OASIS. Deterministic for a seed:
/// the same options give byte-identical files whatever the thread count. What is planted: README.md,
/// "Synthetic cohort".
/// <para>
/// Callers that reuse a cohort use <see cref="EnsureCached"/> (generate once into a temporary folder,
/// rename when complete, reuse while the parameters match); <see cref="Generate"/> writes in place.
/// </para>
/// </summary>
public static partial class SyntheticCohort
{
    public const string CsvName = "oasis_cross-sectional.csv";
    public const string TruthName = "synthetic_truth.csv";

    /// <summary>Writes one volume: path, voxels (x fastest, owned by the caller and reused after the call returns), nx, ny, nz, 4x4 affine.</summary>
    public delegate void VolumeWriter(string path, float[] data, int nx, int ny, int nz, double[,] affine);

    /// <summary>NIfTI-1 float32, gzip at the fastest level, qform and sform MNI152 (code 4).</summary>
    public static readonly VolumeWriter NiftiGz = (path, data, nx, ny, nz, affine) =>
        NiftiWriter.Write(path, new NiftiVolume([nx, ny, nz], data, affine),
            new NiftiWriteOptions { XformCode = NiftiXform.Mni152, Compression = CompressionLevel.Fastest, Description = "ILGpuNet synthetic OASIS-like phantom" });

    /// <summary>The file of scan <paramref name="mpr"/> (1-based) of a session, in the registered OASIS layout.</summary>
    public static string ScanPath(string directory, string sessionId, int mpr) =>
        Path.Combine(directory, sessionId, $"{sessionId}_mpr-{mpr}_anon.nii_registered.nii.gz");

    public static SyntheticCohortResult Generate(SyntheticCohortOptions options, VolumeWriter? writer = null, Action<string>? progress = null)
    {
        writer ??= NiftiGz;
        var clock = Stopwatch.StartNew();
        var subjects = CohortPlanner.Plan(options.Subjects, options.Seed, options.MaxScans);
        var grid = options.Grid;
        var affine = grid.Affine();
        Directory.CreateDirectory(options.OutputDirectory);

        var jobs = (from s in subjects from session in s.Sessions from mpr in Enumerable.Range(1, session.Scans.Count) select (s, session, mpr)).ToList();
        var tallies = new PhantomTally[jobs.Count];
        var buffers = new System.Collections.Concurrent.ConcurrentBag<float[]>();
        long renderTicks = 0, writeTicks = 0;
        int done = 0, reported = 0;
        object gate = new();
        try
        {
            Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads) }, n =>
            {
                var (subject, session, mpr) = jobs[n];
                if (!buffers.TryTake(out var data)) data = new float[grid.Voxels];
                long t0 = Stopwatch.GetTimestamp();
                // One scan per thread: the slices of a scan stay on one core and the cores work on different scans.
                tallies[n] = PhantomRenderer.Render(subject, session.Scans[mpr - 1], grid, data, parallel: false);
                long t1 = Stopwatch.GetTimestamp();
                writer(ScanPath(options.OutputDirectory, session.Id, mpr), data, grid.Nx, grid.Ny, grid.Nz, affine);
                Interlocked.Add(ref renderTicks, t1 - t0);
                Interlocked.Add(ref writeTicks, Stopwatch.GetTimestamp() - t1);
                buffers.Add(data);
                int count = Interlocked.Increment(ref done);
                if (progress != null)
                    lock (gate)
                        if (count * 10 / jobs.Count > reported || count == jobs.Count)
                        {
                            reported = count * 10 / jobs.Count;
                            progress($"{count}/{jobs.Count} scans ({clock.Elapsed.TotalSeconds:F1} s)");
                        }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            // A failed write (disk full, permissions) reaches the caller as itself, for a one-line message.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        var sessionTallies = new Dictionary<string, PhantomTally>();
        for (int n = 0; n < jobs.Count; n++)
            if (jobs[n].mpr == 1) sessionTallies[jobs[n].session.Id] = tallies[n];
        string csv = Path.Combine(options.OutputDirectory, CsvName);
        AtomicFile.WriteAllText(csv, CrossSectionalCsv(subjects, sessionTallies));
        AtomicFile.WriteAllText(Path.Combine(options.OutputDirectory, TruthName), TruthCsv(subjects, sessionTallies));
        PlantedRegions.Write(options.OutputDirectory, grid);
        return new SyntheticCohortResult(subjects, sessionTallies, jobs.Count, csv, clock.Elapsed,
            Stopwatch.GetElapsedTime(0, renderTicks), Stopwatch.GetElapsedTime(0, writeTicks));
    }

    /// <summary>
    /// The cross-sectional CSV as OASIS writes it: MR1 rows by ID, then the MR2 rows; blank Educ, SES, MMSE
    /// and CDR for the never-assessed; Delay "N/A" except on MR2 rows (days since MR1).
    /// </summary>
    public static string CrossSectionalCsv(IReadOnlyList<SyntheticSubject> subjects, IReadOnlyDictionary<string, PhantomTally> tallies)
    {
        var sb = new StringBuilder("ID,M/F,Hand,Age,Educ,SES,MMSE,CDR,eTIV,nWBV,ASF,Delay\n");
        foreach (int number in new[] { 1, 2 })
            foreach (var s in subjects.OrderBy(s => s.Id, StringComparer.Ordinal))
                foreach (var session in s.Sessions.Where(x => x.Number == number))
                {
                    var t = tallies[session.Id];
                    int etiv = (int)Math.Round(t.MaskMl);
                    sb.Append(CultureInfo.InvariantCulture,
                        $"{session.Id},{(s.Sex == SyntheticSex.Male ? "M" : "F")},R,{s.Age},{s.Educ},{s.Ses},{s.Mmse},{Cdr(s.Cdr)},{etiv},{t.Nwbv:F3},{1755.0 / etiv:F3},{(session.DelayDays is int d ? d.ToString(CultureInfo.InvariantCulture) : "N/A")}\n");
                }
        return sb.ToString();
    }

    /// <summary>The planted anatomy and measured volumes of every session (first scan), for readers who want to know what a model could learn.</summary>
    public static string TruthCsv(IReadOnlyList<SyntheticSubject> subjects, IReadOnlyDictionary<string, PhantomTally> tallies)
    {
        var sb = new StringBuilder("ID,Sex,Age,CDR,EtivTarget,SizeScale,VentricleFactor,SulcalWidthMm,OuterCsfMm,CortexThicknessMm,HippocampusFactor,"
                                   + "MisregTxMm,MisregTyMm,MisregTzMm,MisregRxDeg,MisregRyDeg,MisregRzDeg,IntensityScale,"
                                   + "MaskMl,GreyMatterMl,DeepGreyMl,WhiteMatterMl,CsfMl,VentricleMl,HippocampusMl,Scans\n");
        foreach (var s in subjects.OrderBy(s => s.Id, StringComparer.Ordinal))
            foreach (var session in s.Sessions)
            {
                var a = s.Anatomy;
                var m = a.Misregistration;
                var t = tallies[session.Id];
                sb.Append(CultureInfo.InvariantCulture,
                    $"{session.Id},{(s.Sex == SyntheticSex.Male ? "M" : "F")},{s.Age},{Cdr(s.Cdr)},{a.EtivTarget:F1},{a.SizeScale:F4},{a.VentricleFactor:F3},{a.SulcalWidthMm:F3},{a.OuterCsfMm:F3},{a.CortexThicknessMm:F3},{a.HippocampusFactor:F3},");
                sb.Append(CultureInfo.InvariantCulture,
                    $"{m.Tx:F2},{m.Ty:F2},{m.Tz:F2},{m.Rx:F2},{m.Ry:F2},{m.Rz:F2},{a.IntensityScale:F1},");
                sb.Append(CultureInfo.InvariantCulture,
                    $"{t.MaskMl:F1},{t.GreyMatterMl:F1},{t.DeepGreyMl:F1},{t.WhiteMatterMl:F1},{t.CsfMl:F1},{t.VentricleMl:F2},{t.HippocampusMl:F2},{session.Scans.Count}\n");
            }
        return sb.ToString();
    }

    private static string Cdr(double? cdr) => cdr?.ToString(CultureInfo.InvariantCulture) ?? "";

}
