using ILGpuNet.Tensors;
using ILGpuNet.Tests.Cli;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Runs;

/// <summary>--precision: recorded in the run's config (and so in the checkpoint's card), refused when unknown, FP32 on the CPU.</summary>
public class PrecisionOptionTests
{
    [Fact]
    public void ThePrecisionIsRecordedInTheRunsConfig()
    {
        var config = new TrainConfig { Precision = Precision.Tf32x3 };
        Assert.Equal(Precision.Tf32x3, ReadBack(config.ToJson()).Precision);
        Assert.Contains("\"precision\": \"3xtf32\"", config.ToJson());
        Assert.Equal(Precision.Tf32, new TrainConfig().Precision);  // the CUDA default, as PyTorch runs convolutions
    }

    [Fact]
    public void ARunRecordedBeforeThePrecisionExistedReadsAsFp32()
    {
        var json = new TrainConfig().ToJson().Replace("\"precision\": \"tf32\",", "");
        Assert.DoesNotContain("precision", json);
        Assert.Equal(Precision.Fp32, ReadBack(json).Precision);
    }

    [Fact]
    public void AnUnknownPrecisionIsAOneLineError()
    {
        var (code, _, error) = CliRunner.Run(["kernelbench", "--device", "cpu", "--precision", "bf16"]);
        Assert.Equal(2, code);
        Assert.Contains("bf16", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void TheCpuSaysItComputesInFp32WhateverIsAsked()
    {
        var (code, output, _) = CliRunner.Run(["kernelbench", "--device", "cpu", "--precision", "tf32", "--elements", "4096", "--gemm", "16", "--repeats", "1"]);
        Assert.Equal(0, code);
        Assert.Contains("fp32 (tf32 asked; the CPU accelerator computes in FP32)", output);
    }

    private static TrainConfig ReadBack(string json)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ilgpunet-precision-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, json);
            return TrainConfig.Read(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
