using ILGpuNet.Tests.Cli;
using ILGpuNet.Tests.Data;
using ILGpuNet.Tests.Runs;
using ILGpuNet.Training.Data.Nifti;
using ILGpuNet.Training.Data.Synthetic;
using ILGpuNet.Training.Runs;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Explain;

/// <summary><c>explain</c> end to end on a tiny run: files in each volume's own space, the group mean, the region shares and the user errors.</summary>
[Collection("PoolCounters")]
public class ExplainCliTests(TinyCohort cohort) : IClassFixture<TinyCohort>
{
    private string TrainedRun(TempDir dir)
    {
        var config = new TrainConfig
        {
            Task = TrainTask.Cdr, Data = cohort.Root, Device = DeviceKind.Cpu, Epochs = 1, BatchSize = 4, Grid = "24x28x24", Downsample = 4,
            WidthMult = 0.125, Patience = 0, Seed = 11, Workers = 1,
        };
        string path = dir.File("run");
        using var trainer = new Trainer(config, new RunFolder(path), Device.Cpu, config.DataRoot, null, TextWriter.Null, resume: false);
        trainer.Run();
        File.WriteAllText(new RunFolder(path).Config, config.ToJson());  // what train writes before the trainer starts
        return path;
    }

    [Fact]
    public void MapsComeBackInEachVolumesSpaceWithTheMeanAndTheRegionShares()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        string output = dir.File("maps");
        string regions = Path.Combine(cohort.Root, PlantedRegions.Folder);
        var (code, stdout, stderr) = CliRunner.Run("explain", "--run", run, "--split", "test", "--regions", regions, "--mean", "--out", output, "--device", "cpu");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("hippocampi+ventricles", stdout);
        var maps = Directory.GetFiles(output, "*_gradient.nii.gz").Where(f => !Path.GetFileName(f).StartsWith("mean_")).ToList();
        Assert.NotEmpty(maps);
        foreach (var map in maps)
        {
            string name = Path.GetFileName(map)[..^"_gradient.nii.gz".Length];
            string scan = Directory.GetFiles(cohort.Root, name + ".nii.gz", SearchOption.AllDirectories).Single();
            var m = NiftiReader.Read(map);
            var s = NiftiReader.Read(scan);
            Assert.Equal(s.Shape, m.Shape);  // the file's own 24x28x24 grid, not the model's or the template's
            NiftiTestFiles.AssertAffine(s.Affine, m.Affine, 1e-4);
            Assert.Equal(s.Header!.SformCode, m.Header!.SformCode);
            Assert.True(m.Data.Max() > 0);
            Assert.True(new FileInfo(Path.ChangeExtension(Path.ChangeExtension(map, null), ".png")).Length > 1000);
        }
        var mean = NiftiReader.Read(Path.Combine(output, "mean_gradient.nii.gz"));
        Assert.Equal(new[] { 91, 109, 91 }, mean.Shape);
        Assert.Equal(1.0, mean.Data.Sum(v => (double)v), 3);
        var csv = File.ReadAllLines(Path.Combine(output, "regions.csv"));
        Assert.Equal("volume,region,mass_share,volume_share,factor", csv[0]);
        Assert.Equal(maps.Count * 4, csv.Length - 1);  // cortex, hippocampi, ventricles, their union
    }

    [Fact]
    public void GradCamAndSmoothGradRunOnFiles()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        var file = Directory.GetFiles(cohort.Root, "*mpr-1*.nii.gz", SearchOption.AllDirectories).Order().First();
        foreach (var method in new[] { "gradcam", "smoothgrad" })
        {
            var (code, stdout, stderr) = CliRunner.Run("explain", "--checkpoint", new RunFolder(run).BestCheckpoint, file, "--method", method,
                "--samples", "2", "--out", dir.File(method), "--no-figures", "--device", "cpu");
            Assert.True(code == 0, stderr + stdout);
            Assert.Single(Directory.GetFiles(dir.File(method), $"*_{method}.nii.gz"));
            Assert.Empty(Directory.GetFiles(dir.File(method), "*.png"));
        }
    }

    [Fact]
    public void UserErrorsAreOneLineWithExitCodeTwo()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        string ckpt = new RunFolder(run).BestCheckpoint;
        var file = Directory.GetFiles(cohort.Root, "*mpr-1*.nii.gz", SearchOption.AllDirectories).First();
        foreach (var args in new[]
        {
            new[] { "explain", "--checkpoint", ckpt, file, "--target", "age", "--out", dir.File("o") },
            ["explain", "--checkpoint", ckpt, file, "--class", "2", "--out", dir.File("o")],
            ["explain", "--checkpoint", ckpt, "--out", dir.File("o")],
            ["explain", "--checkpoint", ckpt, file, "--method", "smoothgrad", "--samples", "0", "--out", dir.File("o")],
            ["explain", "--checkpoint", ckpt, file, "--regions", dir.Path, "--out", dir.File("o")],
        })
        {
            var (code, _, stderr) = CliRunner.Run([.. args, "--device", "cpu"]);
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", stderr);
            Assert.Single(stderr.Trim().Split('\n'));
        }
    }
}
