using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Synthetic;

namespace ILGpuNet.Tests.Data;

/// <summary>The calls the trainer makes: labels for several heads, splits on disk, split loaders, the cohort cache.</summary>
public class TrainerApiTests
{
    private static readonly SyntheticGrid Tiny = new(12, 14, 12);

    [Fact]
    public void BrainAgeGapSamplesCarryAgeThenCdrAndSex()
    {
        var (records, scans) = FakeOasis.Cohort(80, 2, s => s % 4 == 0 ? 2 : 1);
        records[1] = records[1] with { Sex = null }; // OAS1_0002 has one session: no other row to take M/F from
        var options = new OasisOptions { Task = OasisTask.Age, ExtraLabels = [OasisTask.Cdr, OasisTask.Sex] };
        var dataset = OasisDataset.FromRecords(records, scans, options);

        string dropped = records[1].SubjectId;
        Assert.DoesNotContain(dataset.Samples, s => s.SubjectId == dropped);
        Assert.Contains(dataset.Warnings, w => w.Contains("Age or M/F") && w.Contains(dropped));
        var split = dataset.SplitSubjects(seed: 9);
        foreach (var part in Enum.GetValues<Split>())
        {
            var samples = dataset.SamplesIn(split, part);
            var items = dataset.Items(split, part);
            Assert.Equal(samples.Count, items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                Assert.Equal(samples[i].Path, items[i].Path);
                Assert.Equal([samples[i].Age!.Value, samples[i].CdrClass, samples[i].Sex == 'F' ? 1f : 0f], items[i].Labels);
            }
        }
        // Stratified by age bin and CDR together: every split gets demented subjects in proportion.
        var demented = dataset.SubjectLabels().Count(s => dataset.Samples.First(x => x.SubjectId == s.Subject).CdrClass == 1);
        int InSplit(Split p) => split.Subjects(p).Count(s => dataset.Samples.First(x => x.SubjectId == s).CdrClass == 1);
        Assert.InRange(InSplit(Split.Train), (int)(0.7 * demented) - 2, (int)(0.7 * demented) + 2);
        Assert.InRange(InSplit(Split.Test), (int)(0.1 * demented) - 2, (int)(0.1 * demented) + 2);
    }

    [Fact]
    public void SplitIsWrittenOnceThenReadBack()
    {
        var (records, scans) = FakeOasis.Cohort(40, 3, s => s % 5 == 0 ? 2 : 1);
        var dataset = OasisDataset.FromRecords(records, scans, new OasisOptions { Task = OasisTask.Sex });
        using var dir = new TempDir();
        string csv = dir.File("run/splits.csv");
        var first = dataset.LoadOrCreateSplit(csv, seed: 3);
        Assert.True(File.Exists(csv));
        var again = dataset.LoadOrCreateSplit(csv, seed: 4);
        Assert.Equal(first.Entries, again.Entries);

        var more = FakeOasis.Cohort(41, 3, s => s % 5 == 0 ? 2 : 1);
        var bigger = OasisDataset.FromRecords(more.Records, more.Scans, new OasisOptions { Task = OasisTask.Sex });
        var warnings = new List<string>();
        var read = bigger.LoadOrCreateSplit(csv, seed: 3, warnings: warnings);
        Assert.False(read.Contains("OAS1_0041"));
        Assert.Contains(warnings, w => w.Contains("OAS1_0041") && w.Contains("not in"));
        Assert.DoesNotContain(Enum.GetValues<Split>().SelectMany(p => bigger.SamplesIn(read, p)), s => s.SubjectId == "OAS1_0041");
    }

    [Fact]
    public void OnlyTheTrainingLoaderAugments()
    {
        using var dir = new TempDir();
        string root = SyntheticCohort.EnsureCached(dir.File("cohort"), subjects: 10, seed: 2, Tiny, maxScans: 1);
        var dataset = OasisDataset.Load(root, null, new OasisOptions { Task = OasisTask.Cdr });
        var split = dataset.SplitSubjects(seed: 1, new SplitFractions(0.5, 0.5, 0));
        var options = new LoaderOptions { Mode = LoaderMode.Evaluation, BatchSize = 2, Augmentation = Augmentation.Default with { FlipProbability = 1 } };

        using var train = dataset.CreateLoader(split, Split.Train, options);
        using var val = dataset.CreateLoader(split, Split.Val, options with { Mode = LoaderMode.Training });
        Assert.Equal(LoaderMode.Training, train.Options.Mode);
        Assert.NotNull(train.Options.Augmentation);
        Assert.Equal(LoaderMode.Evaluation, val.Options.Mode);
        Assert.Null(val.Options.Augmentation);

        var samples = dataset.SamplesIn(split, Split.Val);
        foreach (var batch in val.Epoch(0))
            using (batch)
                for (int i = 0; i < batch.Count; i++)
                {
                    var plain = VolumePreprocessing.Reference.Prepare(new NiftiVolumeSource().Read(samples[batch.Samples[i]].Path));
                    Assert.Equal(plain.Data, batch.Data.AsSpan(i * plain.Data.Length, plain.Data.Length).ToArray());
                    Assert.Equal(samples[batch.Samples[i]].CdrClass, batch.Labels[i]);
                }
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
