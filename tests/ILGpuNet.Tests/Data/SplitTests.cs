using ILGpuNet.Training.Data;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Data;

public class SplitTests
{
    private static List<SubjectLabel> Subjects(int n, Func<int, float> label) =>
        Enumerable.Range(1, n).Select(i => new SubjectLabel($"OAS1_{i:D4}", label(i))).ToList();

    private static int Count(SubjectSplit s, Split part) => s.Subjects(part).Count;

    [Theory]
    [InlineData(416)]
    [InlineData(100)]
    [InlineData(37)]
    public void ProportionsAreSeventyTwentyTenWithinOneSubject(int n)
    {
        var split = SubjectSplits.Stratified(Subjects(n, i => i % 4 == 0 ? 1 : 0), 7, SubjectSplits.Classes);
        Assert.Equal(n, split.Count);
        Assert.InRange(Count(split, Split.Train), 0.7 * n - 1, 0.7 * n + 1);
        Assert.InRange(Count(split, Split.Val), 0.2 * n - 1, 0.2 * n + 1);
        Assert.InRange(Count(split, Split.Test), 0.1 * n - 1, 0.1 * n + 1);
    }

    [Fact]
    public void EveryClassIsSplitInTheSameProportions()
    {
        // OASIS-like imbalance: 100 of 416 demented; plus a class of 7.
        var subjects = Subjects(416, i => i <= 100 ? 1 : i <= 107 ? 2 : 0);
        var split = SubjectSplits.Stratified(subjects, 11, SubjectSplits.Classes);
        foreach (var group in subjects.GroupBy(s => s.Label))
        {
            int n = group.Count();
            var parts = group.GroupBy(s => split[s.Subject]).ToDictionary(g => g.Key, g => g.Count());
            Assert.InRange(parts.GetValueOrDefault(Split.Train), 0.7 * n - 2, 0.7 * n + 2);
            Assert.InRange(parts.GetValueOrDefault(Split.Val), 0.2 * n - 2, 0.2 * n + 2);
            Assert.InRange(parts.GetValueOrDefault(Split.Test), 0.1 * n - 2, 0.1 * n + 2);
        }
    }

    [Fact]
    public void RegressionIsStratifiedByAgeBins()
    {
        var rng = new Random(2);
        var subjects = Subjects(400, _ => 18 + rng.Next(79));
        var split = SubjectSplits.Stratified(subjects, 3, SubjectSplits.AgeBins());
        foreach (var bin in subjects.GroupBy(s => (int)(s.Label / 10)))
        {
            int n = bin.Count(), test = bin.Count(s => split[s.Subject] == Split.Test);
            Assert.InRange(test, 0.1 * n - 2, 0.1 * n + 2);
        }
        Assert.Equal(split.Entries, SubjectSplits.Stratified(subjects, 3, SubjectSplits.AgeBins()).Entries);
    }

    [Fact]
    public void SplitsAreSeededAndIndependentOfInputOrder()
    {
        var subjects = Subjects(200, i => i % 3 == 0 ? 1 : 0);
        var a = SubjectSplits.Stratified(subjects, 42, SubjectSplits.Classes);
        var b = SubjectSplits.Stratified(Enumerable.Reverse(subjects), 42, SubjectSplits.Classes);
        var c = SubjectSplits.Stratified(subjects, 43, SubjectSplits.Classes);
        Assert.Equal(a.Entries, b.Entries);
        Assert.NotEqual(a.Entries, c.Entries);
    }

    [Fact]
    public void CustomFractionsAndBadInputs()
    {
        var subjects = Subjects(50, _ => 0);
        var s = SubjectSplits.Stratified(subjects, 1, SubjectSplits.Classes, new SplitFractions(0.8, 0.2, 0));
        Assert.Equal((40, 10, 0), (Count(s, Split.Train), Count(s, Split.Val), Count(s, Split.Test)));
        Assert.Throws<ArgumentException>(() => SubjectSplits.Stratified(subjects, 1, SubjectSplits.Classes, new SplitFractions(0.7, 0.2, 0.2)));
        Assert.Throws<ArgumentException>(() => SubjectSplits.Stratified([.. subjects, subjects[0]], 1, SubjectSplits.Classes));
    }

    [Fact]
    public void NoSubjectIsInTwoSplitsWhenSubjectsHaveSeveralScansAndSessions()
    {
        // 60 subjects with mpr-1..4; every third also has an MR2 session: 320 files.
        var (records, scans) = FakeOasis.Cohort(60, 4, s => s % 3 == 0 ? 2 : 1);
        using var dir = new TempDir();
        var data = RunData.FromRecords(new TrainConfig { Task = TrainTask.Cdr, Seed = 5 }, records, scans, dir.File("splits.csv"));
        Assert.Equal(320, data.Samples.Count);

        var subjectsBySplit = Enum.GetValues<Split>().ToDictionary(p => p, p => data.Part(p).Select(s => s.SubjectId).ToHashSet());
        foreach (var p in Enum.GetValues<Split>())
            foreach (var q in Enum.GetValues<Split>())
                if (p < q) Assert.Empty(subjectsBySplit[p].Intersect(subjectsBySplit[q]));
        Assert.Equal(320, Enum.GetValues<Split>().Sum(p => data.Part(p).Count));
        // Every file of a subject, MR1 and MR2, lies in its subject's split.
        foreach (var sample in data.Samples)
            Assert.Contains(sample.SubjectId, subjectsBySplit[data.Split[sample.SubjectId]]);
        Assert.Contains(data.Samples, s => s.SessionId.EndsWith("_MR2", StringComparison.Ordinal) && data.Split[s.SubjectId] == Split.Test);
    }

    [Fact]
    public void SplitsCsvRoundTripsAndIsWrittenAtomically()
    {
        string dir = FakeOasis.NewFolder();
        try
        {
            var split = SubjectSplits.Stratified(Subjects(30, i => 20 + i * 2.5f), 1, SubjectSplits.AgeBins());
            string path = Path.Combine(dir, "run", "splits.csv");
            split.Write(path);
            split.Write(path); // overwrites
            Assert.Equal([path], Directory.GetFiles(Path.Combine(dir, "run")));
            var lines = File.ReadAllLines(path);
            Assert.Equal("subject,split,label", lines[0]);
            Assert.Equal("OAS1_0001,", lines[1][..10]);
            var back = SubjectSplit.Read(path);
            Assert.Equal(split.Entries, back.Entries);

            File.WriteAllText(path, "subject,split,label\nOAS1_0001,train,1\nOAS1_0002,holdout,0\n");
            var e = Assert.Throws<DataFormatException>(() => SubjectSplit.Read(path));
            Assert.Equal((3, "split"), (e.Line, e.Column));
            File.WriteAllText(path, "subject,split,label\nOAS1_0001,train,1\nOAS1_0001,test,0\n");
            Assert.Contains("repeated", Assert.Throws<DataFormatException>(() => SubjectSplit.Read(path)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
