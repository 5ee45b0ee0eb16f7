using ILGpuNet.Kernels;
using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Tests.Cli;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Models;

/// <summary>The largest batch under the one-tensor bound, from shape arithmetic, and the commands that check it up front.</summary>
public class BatchLimitTests
{
    private const string Over300 = "--batch-size 300 at 91x109x91: the stem's output (64 x 46 x 55 x 46 per sample) would need 2,234,496,000 elements " +
        "in one tensor; tensors are limited to 2^31-1 elements (32-bit kernel indexing); the largest batch that fits is 288.";

    [Fact]
    public void TheReferenceAt91x109x91FitsBatch288AndTheStemOutputBinds()
    {
        var config = EfficientNet3dConfig.Reference();
        Assert.Equal(288, BatchLimit.LargestBatch(config));
        var binding = BatchLimit.Binding(config);
        Assert.Equal("the stem's output", binding.Description);
        Assert.Equal(64L * 46 * 55 * 46, binding.PerSample);
        Assert.True(binding.ElementsAt(288) <= Tensor.MaxElements && binding.ElementsAt(289) > Tensor.MaxElements);
        Assert.Null(BatchLimit.Problem(config, 32, "--batch-size 32"));
        Assert.Null(BatchLimit.Problem(config, 128, "--batch-size 128"));
        Assert.Null(BatchLimit.Problem(config, 288, "--batch-size 288"));
        Assert.Equal(Over300, BatchLimit.Problem(config, 300, "--batch-size 300"));
    }

    [Fact]
    public void EveryPerSampleTensorIsListedAndTheLimitFollowsTheGridAndWidth()
    {
        var tensors = BatchLimit.Tensors(EfficientNet3dConfig.Reference());
        Assert.Contains(tensors, t => t.Description == "the stem's zero-padded input copy (CPU)" && t.PerSample == 97L * 115 * 97
            && t.Fixed == Conv3dKernels.CpuInputSlack(new Conv3dShape { SW = 2 }));
        Assert.Contains(tensors, t => t.Description == "features.0.depthwise_conv's padded output gradient (CPU)" && t.PerSample == 64L * 23 * 28 * 25);
        Assert.Contains(tensors, t => t.Description == "features.8.expand's output" && t.PerSample == 1536L * 3 * 4 * 3);
        Assert.Contains(tensors, t => t.Description == "the classifier's input" && t.PerSample == 512 * 3 * 4 * 3);

        // 48 x 56 x 48: stem output 64 x 24 x 28 x 24; width 0.5 halves the stem's channels.
        Assert.Equal(int.MaxValue / (64 * 24 * 28 * 24), BatchLimit.LargestBatch(new EfficientNet3dConfig { Grid = (48, 56, 48) }));
        Assert.Equal(int.MaxValue / (32 * 46 * 55 * 46), BatchLimit.LargestBatch(new EfficientNet3dConfig { WidthMultiplier = 0.5 }));
    }

    [Fact]
    public void CommandsRefuseABatchOverTheBoundBeforeAnyWork()
    {
        var (code, _, error) = CliRunner.Run("bench", "--device", "cpu", "--batch", "300", "--grid", "91x109x91", "--steps", "1");
        Assert.Equal(2, code);
        Assert.Equal("error: " + Over300.Replace("--batch-size 300", "--batch 300"), error.Trim());

        var model = CliRunner.Run("model");
        Assert.Equal(0, model.Code);
        Assert.Contains("largest batch 288 (tensors hold at most 2^31-1 elements; the stem's output: 64 x 46 x 55 x 46 per sample)", model.Output);
    }

    [Fact]
    public void EvaluateRefusesARunWhoseBatchIsOverTheBound()
    {
        var dir = Directory.CreateTempSubdirectory("ilgpunet-batchlimit-run-").FullName;
        try
        {
            var run = new RunFolder(dir);
            File.WriteAllText(run.Config, new TrainConfig { BatchSize = 300, Grid = "91x109x91", WidthMult = 1 }.ToJson());
            File.WriteAllText(run.BestCheckpoint, "");  // only its existence is checked before the batch
            var (code, _, error) = CliRunner.Run("evaluate", "--run", dir, "--device", "cpu");
            Assert.Equal(2, code);
            Assert.Equal("error: " + Over300.Replace("--batch-size 300", $"the run's batch size 300 ({run.Config})"), error.Trim());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TrainRefusesTheBatchBeforeWritingTheRun()
    {
        // Width 1 (the CPU sizing would pick 0.25, where 300 fits); an empty --data folder, so that a batch that
        // passes fails on the data at once instead of training.
        var dir = Path.Combine(Path.GetTempPath(), $"ilgpunet-batchlimit-{Guid.NewGuid():N}");
        var data = Directory.CreateTempSubdirectory("ilgpunet-empty-data-").FullName;
        try
        {
            var (code, _, error) = CliRunner.Run("train", "--device", "cpu", "--grid", "91x109x91", "--width-mult", "1", "--batch-size", "300",
                "--data", data, "--out", dir);
            Assert.Equal(2, code);
            Assert.Equal("error: " + Over300, error.Trim());
            Assert.False(Directory.Exists(dir));
            var fits = CliRunner.Run("train", "--device", "cpu", "--grid", "91x109x91", "--width-mult", "1", "--batch-size", "288",
                "--data", data, "--out", dir);
            Assert.Equal(2, fits.Code);
            Assert.Contains("no CSV file", fits.Error);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            Directory.Delete(data, true);
        }
    }
}
