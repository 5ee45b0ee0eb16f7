using System.CommandLine;
using ILGpuNet.Cli;
using ILGpuNet.Layers;
using ILGpuNet.Tensors;
using ILGpuNet.Tests.Data;
using ILGpuNet.Training;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Cli;

/// <summary>
/// User errors (options, files, config.json) are one line and exit code 2; a fault of the program is exit
/// code 1 with its type and where it was thrown, so that a bug never reads as bad input.
/// </summary>
public class ErrorTests
{
    private static void AssertUserError(int code, string error, params string[] mentions)
    {
        Assert.Equal(CliApp.UserErrorCode, code);
        Assert.StartsWith("error: ", error);
        Assert.Single(error.Trim().Split('\n'));
        foreach (var m in mentions) Assert.Contains(m, error);
    }

    [Theory]
    [InlineData("train --bogus", "'--bogus'", "ilgpunet train --help")]
    [InlineData("train --task foo", "--task", "'foo'")]
    [InlineData("train --epochs x", "--epochs", "'x'")]
    [InlineData("model --heads triple", "--heads", "'triple'")]
    [InlineData("nosuchcommand", "'nosuchcommand'", "ilgpunet --help")]
    public void BadOptionsAreOneLineUserErrors(string args, string mention1, string mention2)
    {
        var (code, _, error) = CliRunner.Run(args.Split(' '));
        AssertUserError(code, error, mention1, mention2);
    }

    [Fact]
    public void BadFilesAreOneLineUserErrorsNamingTheFile()
    {
        using var dir = new TempDir();
        string checkpoint = dir.File("best.safetensors");
        File.WriteAllText(checkpoint, "not a checkpoint at all");
        string scan = dir.File("scan.nii.gz");
        var (code, _, error) = CliRunner.Run("predict", "--checkpoint", checkpoint, scan, "--device", "cpu");
        AssertUserError(code, error, scan, "no such file");
        File.WriteAllText(scan, "");
        (code, _, error) = CliRunner.Run("predict", "--checkpoint", checkpoint, scan, "--device", "cpu");
        AssertUserError(code, error, checkpoint);

        var run = new RunFolder(dir.File("run"));
        run.Create();
        File.WriteAllText(run.Config, "{ \"task\": \"cdr\", ");
        (code, _, error) = CliRunner.Run("evaluate", "--run", run.Root, "--device", "cpu");
        AssertUserError(code, error, run.Config, "not a run configuration");
    }

    [Theory]
    [InlineData("\"optimizer\": \"adam\"", "\"optimizer\": \"adamx\"", "config.json: optimizer: unknown optimizer 'adamx' (expected adam, adamw or sgd)")]
    [InlineData("\"schedule\": \"cosine\"", "\"schedule\": 3", "config.json: schedule: expected a schedule (cosine, step or constant) as a string")]
    [InlineData("\"task\": \"cdr\"", "\"task\": \"dementia\"", "config.json: task: unknown task 'dementia'")]
    [InlineData("\"normalization\": \"zscore\"", "\"normalization\": \"minmax\"", "config.json: normalization: unknown normalisation 'minmax'")]
    [InlineData("\"device\": \"cpu\"", "\"device\": \"tpu\"", "config.json: device: unknown device 'tpu'")]
    [InlineData("\"epochs\": 2", "\"epochs\": 0", "config.json: epochs must be at least 1, got 0")]
    [InlineData("\"epochs\": 2", "\"epochs\": \"two\"", "config.json: epochs: The JSON value could not be converted")]
    [InlineData("\"grid\": \"32x40x32\"", "\"grid\": \"32x40\"", "config.json: grid: '32x40' is not a grid")]
    [InlineData("\"workers\": 1", "\"workers\": 0", "config.json: workers must be at least 1, got 0")]
    [InlineData("\"train_fraction\": 0.7", "\"train_fraction\": 0.9", "config.json: train_fraction, val_fraction and test_fraction must be positive")]
    public void AResumedRunValidatesItsConfigJsonLikeANewRun(string good, string bad, string message)
    {
        using var dir = new TempDir();
        var run = new RunFolder(dir.File("run"));
        run.Create();
        string json = new TrainConfig { Device = DeviceKind.Cpu, Epochs = 2, Grid = "32x40x32", Workers = 1, SyntheticData = dir.File("cohort") }.ToJson();
        Assert.Contains(good, json);
        File.WriteAllText(run.Config, json.Replace(good, bad));
        var (code, _, error) = CliRunner.Run("train", "--resume", run.Root);
        AssertUserError(code, error, run.Config, message);
        Assert.Equal([run.Config], Directory.GetFiles(run.Root));  // refused before any work
    }

    [Fact]
    public void ASimulatedInternalFaultIsExitCodeOneWithItsTypeAndWhere()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = CliApp.Build(output);
        var fault = new Command("fault", "adds tensors of shapes no broadcast joins, as a bug inside the model would");
        fault.SetAction(_ =>
        {
            using var a = Tensor.Zeros(Device.Cpu, 2, 3);
            using var b = Tensor.Zeros(Device.Cpu, 4);
            using var sum = Ops.Add(a, b);
            return 0;
        });
        root.Subcommands.Add(fault);

        int code = CliApp.Run(root, ["fault"], output, error);
        Assert.Equal(CliApp.FaultCode, code);
        string text = error.ToString();
        Assert.DoesNotContain("error: ", text);
        Assert.Contains("internal error", text);
        Assert.Contains("System.ArgumentException: add:", text);
        Assert.Matches(@"at ILGpuNet\.Layers\.\S+ in \S+\.cs:\d+", text);
        Assert.Contains(nameof(ASimulatedInternalFaultIsExitCodeOneWithItsTypeAndWhere), text);
    }

    [Fact]
    public void WrappedExceptionsAreJudgedByWhatTheyWrap()
    {
        var error = new StringWriter();
        Assert.Equal(CliApp.UserErrorCode, CliApp.Report(new AggregateException(new ConfigException("--lr must be positive, got 0")), error));
        Assert.Equal("error: --lr must be positive, got 0", error.ToString().Trim());
        error = new StringWriter();
        Assert.Equal(CliApp.FaultCode, CliApp.Report(new AggregateException(new InvalidOperationException("no classification head")), error));
        Assert.Contains("System.InvalidOperationException: no classification head", error.ToString());
        // The BCL's argument and format exceptions are a program's faults unless our code turned them into user errors.
        Assert.Equal(CliApp.FaultCode, CliApp.Report(new FormatException("bad"), new StringWriter()));
        Assert.Equal(CliApp.FaultCode, CliApp.Report(new ArgumentException("bad"), new StringWriter()));
        Assert.Equal(CliApp.UserErrorCode, CliApp.Report(new FileNotFoundException("/x: no such file"), new StringWriter()));
    }
}
