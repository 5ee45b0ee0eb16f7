using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Synthetic;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Data;

/// <summary>The trainer's data path (<see cref="RunData"/>): labels for every head, splits on disk, split loaders, the cohort cache.</summary>
public class TrainerApiTests
{
    private static readonly SyntheticGrid Tiny = new(12, 14, 12);

    [Fact]
    public void EveryScanCarriesCdrSexAndAgeAndTheSplitIsStratifiedByAgeAndCdr()
    {
        var (records, scans) = FakeOasis.Cohort(80, 2, s => s % 4 == 0 ? 2 : 1);
        records[1] = records[1] with { Sex = null }; // OAS1_0002 has one session: no other row to take M/F from
        using var dir = new TempDir();
        var config = new TrainConfig { Task = TrainTask.BrainAge, Seed = 9 };
        var data = RunData.FromRecords(config, records, scans, dir.File("splits.csv"));

        string dropped = records[1].SubjectId;
        Assert.DoesNotContain(data.Samples, s => s.SubjectId == dropped);
        Assert.Contains(data.Warnings, w => w.Contains("without age or sex") && w.Contains(dropped));
        var byPath = scans.ToDictionary(s => s.Path);
        foreach (var part in Enum.GetValues<Split>())
            foreach (var sample in data.Part(part))
            {
                var record = records.First(r => r.SessionId == byPath[sample.Path].SessionId);
                float cdr = records.First(r => r.SubjectId == sample.SubjectId).Cdr is > 0 ? 1 : 0;
                Assert.Equal([cdr, record.Sex == 'F' ? 1f : 0f, record.Age!.Value], sample.Labels);
                Assert.Equal(part, data.Split[sample.SubjectId]);
            }
        Assert.Equal(data.Samples.Count, Enum.GetValues<Split>().Sum(p => data.Part(p).Count));
        // Stratified by age bin and CDR together: every split gets demented subjects in proportion.
        var subjects = data.Samples.GroupBy(s => s.SubjectId).ToDictionary(g => g.Key, g => g.First().CdrClass);
        int demented = subjects.Count(s => s.Value == 1);
        int InSplit(Split p) => data.Split.Subjects(p).Count(s => subjects.GetValueOrDefault(s) == 1);
        Assert.InRange(InSplit(Split.Train), (int)(0.7 * demented) - 2, (int)(0.7 * demented) + 2);
        Assert.InRange(InSplit(Split.Test), (int)(0.1 * demented) - 2, (int)(0.1 * demented) + 2);
    }

    [Fact]
    public void SplitIsWrittenOnceThenReadBack()
    {
        var (records, scans) = FakeOasis.Cohort(40, 3, s => s % 5 == 0 ? 2 : 1);
        var config = new TrainConfig { Task = TrainTask.Sex, Seed = 3 };
        using var dir = new TempDir();
        string csv = dir.File("run/splits.csv");
        var first = RunData.FromRecords(config, records, scans, csv);
        Assert.True(File.Exists(csv));
        var again = RunData.FromRecords(config with { Seed = 4 }, records, scans, csv);
        Assert.Equal(first.Split.Entries, again.Split.Entries);

        var more = FakeOasis.Cohort(41, 3, s => s % 5 == 0 ? 2 : 1);
        var bigger = RunData.FromRecords(config, more.Records, more.Scans, csv);
        Assert.False(bigger.Split.Contains("OAS1_0041"));
        Assert.Contains(bigger.Warnings, w => w.Contains("OAS1_0041") && w.Contains("not in"));
        Assert.Contains(bigger.Samples, s => s.SubjectId == "OAS1_0041");
        Assert.DoesNotContain(Enum.GetValues<Split>().SelectMany(bigger.Part), s => s.SubjectId == "OAS1_0041");
    }

    [Fact]
    public void OnlyTheTrainingLoaderAugments()
    {
        using var dir = new TempDir();
        string root = SyntheticCohort.EnsureCached(dir.File("cohort"), subjects: 10, seed: 2, Tiny, maxScans: 1);
        var config = new TrainConfig { Task = TrainTask.Cdr, Data = root, Seed = 1, BatchSize = 2, Workers = 2, TrainFraction = 0.5, ValFraction = 0.5, TestFraction = 0 };
        var data = RunData.Load(config, root, null, dir.File("splits.csv"));
        var source = new NiftiVolumeSource();

        using var train = RunData.TrainingLoader(config, data.Part(Split.Train), source, VolumePreprocessing.Reference);
        using var plain = RunData.TrainingLoader(config with { Augment = false }, data.Part(Split.Train), source, VolumePreprocessing.Reference);
        var samples = data.Part(Split.Val);
        using var val = RunData.EvaluationLoader(samples, source, VolumePreprocessing.Reference, config.BatchSize, config.Workers);
        Assert.Equal(LoaderMode.Training, train.Options.Mode);
        Assert.NotNull(train.Options.Augmentation);
        Assert.Null(plain.Options.Augmentation);
        Assert.Equal(LoaderMode.Evaluation, val.Options.Mode);
        Assert.Null(val.Options.Augmentation);

        int seen = 0;
        foreach (var batch in val.Epoch(0))
            using (batch)
                for (int i = 0; i < batch.Count; i++, seen++)
                {
                    Assert.Equal(seen, batch.Samples[i]);
                    var sample = samples[batch.Samples[i]];
                    var prepared = VolumePreprocessing.Reference.Prepare(source.Read(sample.Path));
                    Assert.Equal(prepared.Data, batch.Data.AsSpan(i * prepared.Data.Length, prepared.Data.Length).ToArray());
                    Assert.Equal(sample.Labels, batch.Labels.AsSpan(i * batch.LabelsPerSample, batch.LabelsPerSample).ToArray());
                    Assert.Equal(sample.CdrClass, batch.Labels[i * batch.LabelsPerSample + RunData.LabelCdr]);
                }
        Assert.Equal(samples.Count, seen);
    }

    [Fact]
    public void CachedCohortIsReusedAndNeverHalfWritten()
    {
        using var dir = new TempDir();
        string target = dir.File("cohort");

        // A generation that dies half-way leaves nothing behind under the target name.
        int written = 0;
        void Dying(string path, float[] data, int nx, int ny, int nz, double[,] affine)
        {
            if (Interlocked.Increment(ref written) > 3) throw new IOException("disk full");
            SyntheticCohort.NiftiGz(path, data, nx, ny, nz, affine);
        }
        var options = new SyntheticCohortOptions { OutputDirectory = target, Subjects = 6, Seed = 1, Grid = Tiny, MaxScans = 2, Threads = 1 };
        Assert.Throws<IOException>(() => SyntheticCohort.GenerateAtomically(options, Dying));
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));

        // A killed process's temporary folder is never taken for the cohort, and is cleaned up.
        string stale = Path.Combine(dir.Path, $"cohort.tmp-{int.MaxValue}-0123");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, SyntheticCohort.CsvName), "ID\n");
        string root = SyntheticCohort.EnsureCached(target, 6, 1, Tiny, maxScans: 2);
        Assert.Equal(Path.GetFullPath(target), root);
        Assert.False(Directory.Exists(stale));
        Assert.True(SyntheticCohort.IsComplete(options));
        Assert.Equal(6, OasisDataset.Load(root).Subjects.Count());

        // Same parameters: reused as is; other parameters: replaced.
        string marker = Path.Combine(root, SyntheticCohort.MarkerName);
        var stamp = File.GetLastWriteTimeUtc(marker);
        File.SetLastWriteTimeUtc(marker, stamp.AddHours(-1));
        SyntheticCohort.EnsureCached(target, 6, 1, Tiny, maxScans: 2);
        Assert.Equal(stamp.AddHours(-1), File.GetLastWriteTimeUtc(marker));
        SyntheticCohort.EnsureCached(target, 7, 1, Tiny, maxScans: 2);
        Assert.Equal(7, OasisDataset.Load(root).Subjects.Count());
        Assert.Equal([target], Directory.EnumerateFileSystemEntries(dir.Path));

        // A folder that is not a cohort is never deleted.
        string user = dir.File("mine");
        Directory.CreateDirectory(user);
        File.WriteAllText(Path.Combine(user, "notes.txt"), "keep");
        var e = Assert.Throws<IOException>(() => SyntheticCohort.EnsureCached(user, 6, 1, Tiny));
        Assert.Contains("not a synthetic cohort", e.Message);
        Assert.True(File.Exists(Path.Combine(user, "notes.txt")));
    }
}
