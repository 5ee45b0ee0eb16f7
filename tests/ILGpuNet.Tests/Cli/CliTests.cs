using ILGpuNet.Cli;

namespace ILGpuNet.Tests.Cli;

public class CliTests
{
    private static (int Code, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void DevicesListsTheCpuAccelerator()
    {
        var (code, output, _) = Run("devices");
        Assert.Equal(0, code);
        Assert.Contains("cpu", output);
    }

    [Fact]
    public void GradcheckOfOneOpPrintsATableAndSucceeds()
    {
        var (code, output, _) = Run("gradcheck", "--device", "cpu", "--op", "silu");
        Assert.Equal(0, code);
        Assert.Contains("silu", output);
        Assert.Contains("pass", output);
    }

    [Fact]
    public void UnknownOpsAndOptionsAreClearErrors()
    {
        var (code, _, error) = Run("gradcheck", "--device", "cpu", "--op", "nosuchop");
        Assert.Equal(2, code);
        Assert.Contains("no check for op 'nosuchop'", error);
        Assert.NotEqual(0, Run("gradcheck", "--bogus").Code);
        Assert.NotEqual(0, Run("gradcheck", "--device", "tpu").Code);
    }

    [Fact]
    public void CudaWithoutAGpuIsAnErrorNotAFallback()
    {
        if (ILGpuNet.Tensors.Device.List().Any(d => d.Kind == "cuda")) return;  // this machine has a GPU
        var (code, _, error) = Run("gradcheck", "--device", "cuda", "--op", "silu");
        Assert.Equal(2, code);
        Assert.Contains("no CUDA GPU", error);
    }

    [Fact]
    public void PtxWritesOneFilePerKernel()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ilgpunet-ptx-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, _) = Run("ptx", "--arch", "sm_90", "--kernel", "ElementwiseKernels.Map", "--out", dir);
            Assert.Equal(0, code);
            Assert.Contains("0 failed", output);
            Assert.NotEmpty(Directory.GetFiles(dir, "*.ptx"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
