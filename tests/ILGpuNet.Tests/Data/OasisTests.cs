using ILGpuNet.Training.Data;

namespace ILGpuNet.Tests.Data;

/// <summary>Tiny OASIS-like folders for tests: the layout with empty files, and a CSV.</summary>
internal static class FakeOasis
{
    public const string Header = "ID,M/F,Hand,Age,Educ,SES,MMSE,CDR,eTIV,nWBV,ASF,Delay";

    public static string NewFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ilgpunet-oasis-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>An empty volume file in the reference's layout (only the names matter to the dataset).</summary>
    public static string Touch(string root, int subject, int session = 1, int mpr = 1)
    {
        string id = $"OAS1_{subject:D4}_MR{session}";
        string dir = Path.Combine(root, id);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"{id}_mpr-{mpr}_anon.nii_registered.nii.gz");
        File.WriteAllBytes(path, []);
        return path;
    }

    public static string Row(int subject, char sex, int age, string cdr, int session = 1) =>
        $"OAS1_{subject:D4}_MR{session},{sex},R,{age},,,,{cdr},1500,0.75,1.2,";

    /// <summary>Records and scans in memory: subject s has sessions 1..sessions, each with mpr-1..scans.</summary>
    public static (List<OasisRecord> Records, List<OasisScan> Scans) Cohort(
        int subjects, int scans, Func<int, int> sessions, int seed = 1)
    {
        var rng = new Random(seed);
        var records = new List<OasisRecord>();
        var list = new List<OasisScan>();
        for (int s = 1; s <= subjects; s++)
        {
            int age = 18 + rng.Next(79);
            float? cdr = age >= 62 && rng.NextDouble() < 0.4 ? (rng.NextDouble() < 0.7 ? 0.5f : 1f)
                : age < 40 ? null : 0f;
            char sex = rng.NextDouble() < 0.6 ? 'F' : 'M';
            for (int session = 1; session <= sessions(s); session++)
            {
                string id = $"OAS1_{s:D4}_MR{session}";
                records.Add(new OasisRecord(id, sex, "R", age, null, null, null, session == 1 ? cdr : null,
                    null, null, null, session == 1 ? null : 30, null, "mem.csv", s + 1));
                for (int m = 1; m <= scans; m++)
                    list.Add(new OasisScan($"{id}/{id}_mpr-{m}_anon.nii.gz", id[..9], id, session, m));
            }
        }
        return (records, list);
    }
}

public class OasisTests
{
    private static CsvTable Csv(string text) => CsvTable.Parse("test.csv", text);

    [Fact]
    public void CsvHandlesQuotesBlanksBomCrlfAndTheGroupColumn()
    {
        string text = "\uFEFF" + FakeOasis.Header + ",Group\r\n"
            + "OAS1_0001_MR1,F,R,74,2,3,29,0,1344,0.743,1.306,,Nondemented\r\n"
            + "\r\n"
            + "\"OAS1_0002_MR1\" , M ,\"R\",\"55\",,,,,1147,0.81,1.531,,\"Group, with \"\"quotes\"\"\"\r\n"
            + "  OAS1_0003_MR1,F,R,73,4,3,27,0.5,1454,0.708,1.207,,\"multi\nline\"\n"
            + "OAS1_0004_MR1,F,R,28,,,N/A,NA,1588,0.803,1.105\n";
        var records = OasisCsv.Parse(Csv(text));
        Assert.Equal(4, records.Count);
        Assert.Equal(("OAS1_0001_MR1", 'F', 74f, 0f, "Nondemented"),
            (records[0].Id, records[0].Sex!.Value, records[0].Age!.Value, records[0].Cdr!.Value, records[0].Group));
        Assert.Equal("OAS1_0002_MR1", records[1].Id);
        Assert.Equal('M', records[1].Sex);
        Assert.Null(records[1].Cdr);
        Assert.Equal("Group, with \"quotes\"", records[1].Group);
        Assert.Equal(4, records[1].Line);
        Assert.Equal(0.5f, records[2].Cdr);
        Assert.Equal("multi\nline", records[2].Group);
        Assert.Equal(7, records[3].Line); // the quoted line break counts
        Assert.Null(records[3].Cdr);
        Assert.Null(records[3].Mmse);
        Assert.Null(records[3].Group); // a short row is padded with blanks
        Assert.Equal("OAS1_0004", records[3].SubjectId);
        Assert.Equal("OAS1_0004_MR1", records[3].SessionId);
    }

    [Fact]
    public void DuplicateIdIsAnErrorNamingFileLineAndColumn()
    {
        var e = Assert.Throws<DataFormatException>(() => OasisCsv.Parse(Csv(
            FakeOasis.Header + "\n" + FakeOasis.Row(1, 'F', 70, "0") + "\n" + FakeOasis.Row(2, 'F', 70, "0") + "\n"
            + FakeOasis.Row(1, 'M', 71, "0.5") + "\n")));
        Assert.Equal(("test.csv", 4, "ID"), (e.FilePath, e.Line, e.Column));
        Assert.Contains("duplicate ID OAS1_0001_MR1 (first on line 2)", e.Message);
        Assert.StartsWith("test.csv:4, column 'ID': ", e.Message);
    }

    [Fact]
    public void MissingRequiredColumnIsAnErrorOnTheHeaderLine()
    {
        var e = Assert.Throws<DataFormatException>(() => OasisCsv.Parse(Csv("ID,M/F,Hand,Educ,CDR\nOAS1_0001_MR1,F,R,2,0\n")));
        Assert.Equal((1, "Age"), (e.Line, e.Column));
        Assert.Contains("required column missing", e.Message);
    }

    [Theory]
    [InlineData("OAS1_0001_MR1,F,R,seventy,,,,0,,,,", 3, "Age", "not a number")]
    [InlineData("OAS1_0001_MR1,X,R,70,,,,0,,,,", 3, "M/F", "neither M nor F")]
    [InlineData("OAS1_0001_MR1,F,R,70,,,,-1,,,,", 3, "CDR", "negative")]
    [InlineData("subject_1,F,R,70,,,,0,,,,", 3, "ID", "not an OASIS ID")]
    [InlineData("OAS1_0001_MR1,F,R,70,,,,0,,,,,,extra", 3, null, "fields but the header has")]
    public void UnusableValuesAreErrorsNamingLineAndColumn(string row, int line, string? column, string problem)
    {
        var e = Assert.Throws<DataFormatException>(() => OasisCsv.Parse(Csv(
            FakeOasis.Header + "\n" + FakeOasis.Row(2, 'M', 60, "0") + "\n" + row + "\n")));
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void UnclosedQuoteIsAnErrorAtItsLine()
    {
        var e = Assert.Throws<DataFormatException>(() => Csv(FakeOasis.Header + "\nOAS1_0001_MR1,\"F,R,70\n"));
        Assert.Equal(2, e.Line);
    }

    [Theory]
    [InlineData("OAS1_0001_MR1_mpr-1_anon.nii_registered.nii.gz", "OAS1_0001", "OAS1_0001_MR1", 1, 1)]
    [InlineData("OAS1_0042_MR2_mpr-4_anon.nii", "OAS1_0042", "OAS1_0042_MR2", 2, 4)]
    [InlineData("OAS1_0100_MR1_mpr-3_anon.hdr", "OAS1_0100", "OAS1_0100_MR1", 1, 3)]
    [InlineData("OAS1_0100_MR1_mpr-2_anon_111_t88_masked_gfc.NII.GZ", "OAS1_0100", "OAS1_0100_MR1", 1, 2)]
    public void FileNamesGiveSubjectSessionAndScan(string name, string subject, string session, int mr, int mpr)
    {
        var s = OasisLayout.ParseFileName("/data/x/" + name)!;
        Assert.Equal((subject, session, mr, mpr), (s.SubjectId, s.SessionId, s.Session, s.Mpr));
    }

    [Theory]
    [InlineData("OAS1_0001_MR1_mpr-1_anon.img")]
    [InlineData("OAS1_0001_MR1_mpr-1_anon.nii.gz.tmp")]
    [InlineData("OAS1_0001_MR1_mpr-1.nii.gz")]
    [InlineData("notes.txt")]
    public void OtherFilesAreNotScans(string name) => Assert.Null(OasisLayout.ParseFileName(name));

    private static OasisDataset Dataset(OasisOptions options, params string[] rows)
    {
        var records = OasisCsv.Parse(Csv(FakeOasis.Header + "\n" + string.Join("\n", rows) + "\n"));
        var scans = records.Where(r => !r.Id.EndsWith("_MR9")).SelectMany(r => Enumerable.Range(1, 2).Select(m =>
            new OasisScan($"{r.Id}_mpr-{m}", r.SubjectId, r.SessionId!, int.Parse(r.Id[12..]), m))).ToList();
        return OasisDataset.FromRecords(records, scans, options);
    }

    private static readonly string[] Rows =
    [
        FakeOasis.Row(1, 'F', 74, "0"),
        FakeOasis.Row(2, 'M', 55, ""),   // blank CDR: not assessed, healthy
        FakeOasis.Row(3, 'F', 80, "0.5"),
        FakeOasis.Row(4, 'M', 23, ""),
        FakeOasis.Row(5, 'M', 70, "2"),
        FakeOasis.Row(3, 'F', 80, "", session: 2), // an MR2 reliability row with the clinical fields blank
    ];

    [Fact]
    public void LabelsPerTask()
    {
        float[] Labels(OasisTask task) => Dataset(new OasisOptions { Task = task, Scans = ScanSelection.FirstScan }, Rows)
            .Samples.Select(s => s.Label).ToArray();
        Assert.Equal([0f, 0f, 1f, 0f, 1f], Labels(OasisTask.Cdr));
        Assert.Equal([1f, 0f, 1f, 0f, 0f], Labels(OasisTask.Sex)); // M = 0, F = 1
        Assert.Equal([74f, 55f, 80f, 23f, 70f], Labels(OasisTask.Age));
    }

    [Fact]
    public void AllScansKeepsEverySessionAndBlankFieldsComeFromTheSubject()
    {
        var all = Dataset(new OasisOptions(), Rows);
        Assert.Equal(12, all.Samples.Count); // 6 sessions x mpr-1..2
        var mr2 = all.Samples.Where(s => s.SessionId == "OAS1_0003_MR2").ToList();
        Assert.Equal(2, mr2.Count);
        Assert.All(mr2, s => Assert.Equal((1f, 0.5f), (s.Label, s.Cdr!.Value)));
        var first = Dataset(new OasisOptions { Scans = ScanSelection.FirstScan }, Rows);
        Assert.Equal(5, first.Samples.Count);
        Assert.All(first.Samples, s => Assert.Equal((1, 1), (s.Session, s.Mpr)));
        Assert.Empty(all.Warnings);
    }

    [Fact]
    public void MinimumHealthyAgeDropsOnlyYoungHealthySubjectsAndWarns()
    {
        var d = Dataset(new OasisOptions { MinHealthyAge = OasisOptions.UsualMinHealthyAge }, Rows);
        Assert.Equal(["OAS1_0001", "OAS1_0003", "OAS1_0005"], d.Subjects.ToArray());
        var warning = Assert.Single(d.Warnings);
        Assert.Contains("OAS1_0002, OAS1_0004", warning);
        // Other tasks ignore it.
        Assert.Equal(5, Dataset(new OasisOptions { Task = OasisTask.Sex, MinHealthyAge = 62 }, Rows).Subjects.Count());
    }

    [Fact]
    public void BlankLabelsAreWarningsListingTheSubjects()
    {
        var d = Dataset(new OasisOptions { Task = OasisTask.Sex }, [.. Rows, "OAS1_0006_MR1,,R,40,,,,,,,,"]);
        Assert.Contains("OAS1_0006", Assert.Single(d.Warnings));
        Assert.DoesNotContain("OAS1_0006", d.Subjects);
    }

    [Fact]
    public void LoadsAFolderAndWarnsAboutMissingFilesAndRows()
    {
        string root = FakeOasis.NewFolder();
        try
        {
            foreach (int s in new[] { 1, 2, 3 })
                for (int m = 1; m <= 3; m++) FakeOasis.Touch(root, s, 1, m);
            FakeOasis.Touch(root, 1, 2, 1);
            FakeOasis.Touch(root, 9, 1, 1); // a volume without a CSV row
            File.WriteAllBytes(Path.Combine(root, "OAS1_0001_MR1", "OAS1_0001_MR1_mpr-1_anon.nii"), []); // a duplicate
            File.WriteAllText(Path.Combine(root, "README.txt"), "not a volume");
            File.WriteAllText(Path.Combine(root, "oasis_cross-sectional.csv"), FakeOasis.Header + ",Group\n"
                + string.Join("\n", FakeOasis.Row(1, 'F', 74, "0"), FakeOasis.Row(2, 'M', 80, "1"),
                    FakeOasis.Row(3, 'F', 66, "0.5"), FakeOasis.Row(4, 'F', 50, ""), FakeOasis.Row(5, 'M', 30, "")) + "\n");

            var d = OasisDataset.Load(root);
            Assert.Equal(10, d.Samples.Count); // 3 subjects x 3 scans + OAS1_0001_MR2
            Assert.Equal(3, d.Warnings.Count);
            // Of two files for one scan, the first by path is kept.
            Assert.Contains(d.Warnings, w => w.Contains("duplicate") && w.Contains("OAS1_0001_MR1_mpr-1_anon.nii_registered.nii.gz"));
            Assert.Contains(d.Warnings, w => w.Contains("no CSV row") && w.Contains("OAS1_0009_MR1"));
            Assert.Contains(d.Warnings, w => w.Contains("no volume") && w.Contains("OAS1_0004_MR1, OAS1_0005_MR1"));
            Assert.All(d.Samples, s => Assert.True(File.Exists(s.Path)));
            Assert.EndsWith("_anon.nii", d.Samples[0].Path);

            var first = OasisDataset.Load(root, null, new OasisOptions { Scans = ScanSelection.FirstScan, Task = OasisTask.Age });
            Assert.Equal([74f, 80f, 66f], first.Samples.Select(s => s.Label));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void EmptyOrMissingFoldersAreClearErrors()
    {
        string root = FakeOasis.NewFolder();
        try
        {
            File.WriteAllText(Path.Combine(root, "a.csv"), FakeOasis.Header + "\n");
            var e = Assert.Throws<DataFormatException>(() => OasisDataset.Load(root));
            Assert.Contains("no OASIS volumes", e.Message);
            Assert.Throws<DirectoryNotFoundException>(() => OasisDataset.Load(Path.Combine(root, "nope"), Path.Combine(root, "a.csv")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void NormalisationsStandardiseAsDocumented()
    {
        var rng = new Random(3);
        // An odd length runs the scalar tails after the SIMD blocks too.
        var data = Enumerable.Range(0, 9001).Select(i => i % 3 == 0 ? 0f : 100f + 20f * (float)rng.NextDouble()).ToArray();

        var z = (float[])data.Clone();
        float background = VolumeNormalization.ZScore.Apply(z);
        Assert.Equal(0, z.Average(v => (double)v), 5);
        Assert.Equal(1, Math.Sqrt(z.Average(v => (double)v * v)), 4);
        Assert.Equal(z[0], background); // data[0] is a raw 0

        var brain = (float[])data.Clone();
        Assert.Equal(0f, VolumeNormalization.ZScoreBrain.Apply(brain));
        var inside = brain.Where((_, i) => data[i] != 0).Select(v => (double)v).ToArray();
        Assert.Equal(0, inside.Average(), 5);
        Assert.Equal(1, Math.Sqrt(inside.Average(v => v * v)), 4);
        Assert.All(brain.Where((_, i) => data[i] == 0), v => Assert.Equal(0f, v));

        // A large offset with a small spread: a one-pass E[x^2] - mean^2 would lose the variance.
        var offset = Enumerable.Range(0, 10007).Select(i => 20000f + (i % 7) - 3f).ToArray();
        VolumeNormalization.ZScore.Apply(offset);
        Assert.Equal(0, offset.Average(v => (double)v), 4);
        Assert.Equal(1, Math.Sqrt(offset.Average(v => (double)v * v)), 3);
        Assert.Equal(-1.5, offset[0], 2); // (i % 7) - 3 = -3 over a population std of 2

        var constant = new float[] { 5, 5, 5 };
        VolumeNormalization.ZScore.Apply(constant);
        Assert.Equal([0f, 0f, 0f], constant);
    }

    [Fact]
    public void NormalisationAndPreprocessingRoundTripThroughTheirNames()
    {
        foreach (var n in Enum.GetValues<VolumeNormalization>())
            Assert.Equal(n, VolumeNormalizations.Parse(n.Name()));
        Assert.Equal("zscore-brain", VolumeNormalization.ZScoreBrain.Name());
        Assert.Throws<FormatException>(() => VolumeNormalizations.Parse("minmax"));

        var p = new VolumePreprocessing { Normalization = VolumeNormalization.ZScoreBrain, Downsample = 2, Grid = new GridShape(48, 56, 48) };
        Assert.Equal("normalization=zscore-brain;downsample=2;grid=48x56x48", p.ToString());
        Assert.Equal(p, VolumePreprocessing.Parse(p.ToString()));
        Assert.Equal(VolumePreprocessing.Reference, VolumePreprocessing.Parse(VolumePreprocessing.Reference.ToString()));
        Assert.Throws<FormatException>(() => VolumePreprocessing.Parse("downsample=0"));
    }
}
