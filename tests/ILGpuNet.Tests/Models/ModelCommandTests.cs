using ILGpuNet.Tests.Cli;
using ILGpuNet.Cli;

namespace ILGpuNet.Tests.Models;

public class ModelCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void SummaryOfTheReferencePrintsEveryLayerAndTheTotals()
    {
        var (code, output, _) = Run("model", "--summary");
        Assert.Equal(0, code);
        Assert.Contains("features.8.expand", output);
        Assert.Contains("512x3x4x3", output);
        Assert.Contains("9,187,226", output);
        Assert.Contains("2,741,831,680", output);
    }

    [Fact]
    public void OptionsChangeTheModelAndBadValuesAreOneLineErrors()
    {
        var (code, output, _) = Run("model", "--heads", "double", "--classes", "3", "--width-mult", "0.5", "--grid", "48x56x48");
        Assert.Equal(0, code);
        Assert.Contains("double (3 classes)", output);
        Assert.Contains("feature map 256x2x2x2", output);
        var tooSmall = Run("model", "--grid", "0x10x10");
        Assert.Equal(2, tooSmall.Code);
        Assert.Equal("error: grid 0x10x10: every size must be between 1 and 1024", tooSmall.Error.Trim());
        var malformed = Run("model", "--grid", "91x109");
        Assert.Equal(2, malformed.Code);
        Assert.Contains("not of the form DxHxW", malformed.Error);
        Assert.Equal(2, Run("model", "--classes", "1").Code);
        Assert.NotEqual(0, Run("model", "--heads", "triple").Code);
    }
}
