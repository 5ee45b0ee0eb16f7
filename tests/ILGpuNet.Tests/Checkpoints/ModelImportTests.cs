using System.Buffers.Binary;
using System.Text;
using ILGpuNet.Layers.Models;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Tensors;
using ILGpuNet.Tests.Cli;
using ILGpuNet.Training.Checkpoints;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Checkpoints;

/// <summary>
/// <c>import</c> and <c>export</c> on hand-made state_dicts: tensors as <c>safetensors.torch.save_file</c> writes
/// them (F32, num_batches_tracked a 0-dim I64), with names missing, extra or mis-shaped, at tiny grids and widths.
/// </summary>
[Collection("PoolCounters")]
public class ModelImportTests
{
    private const string Grid = "16x20x16";
    private const double Width = 0.25;

    private static EfficientNet3dConfig Tiny(string grid = Grid, bool reference = true, ModelHeads heads = ModelHeads.Classification) => new()
    {
        Grid = EfficientNet3dConfig.ParseGrid(grid),
        WidthMultiplier = Width,
        ClassifierActivation = !reference,
        StochasticDepthFollowsArgument = !reference,
        Heads = heads,
    };

    /// <summary>A model's state_dict as PyTorch saves it: random floats (running stats too), counts as 0-dim int64.</summary>
    private static Dictionary<string, (SafeTensorsDType DType, long[] Shape, byte[] Bytes)> StateDict(EfficientNet3dConfig config, int seed = 5)
    {
        var rng = new Random(seed);
        using var model = new EfficientNet3d(Device.Cpu, config, new RandomSource((ulong)seed));
        var state = new Dictionary<string, (SafeTensorsDType, long[], byte[])>();
        foreach (var (name, tensor) in model.NamedParameters().Concat(model.NamedBuffers()))
        {
            if (Checkpoint.IsCountBuffer(name))
            {
                state[name] = (SafeTensorsDType.I64, [], BitConverter.GetBytes((long)rng.Next(1, 5000)));
                continue;
            }
            var values = tensor.ToArray().Select(v => name.EndsWith("running_var") ? 0.5f + (float)rng.NextDouble() : v + (float)(rng.NextDouble() - 0.5) * 0.01f).ToArray();
            state[name] = (SafeTensorsDType.F32, tensor.Shape.Select(d => (long)d).ToArray(), Floats(values));
        }
        return state;
    }

    private static byte[] Floats(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    private static void Write(string path, Dictionary<string, (SafeTensorsDType DType, long[] Shape, byte[] Bytes)> state) =>
        SafeTensorsFile.Write(path, state.Select(kv => SafeTensorEntry.FromBytes(kv.Key, kv.Value.DType, kv.Value.Shape, kv.Value.Bytes)));

    private static (int Code, string Output, string Error) Import(string stateDict, string output, params string[] options) =>
        CliRunner.Run(["import", "--state-dict", stateDict, "--grid", Grid, "--width-mult", "0.25", "--out", output, .. options]);

    [Fact]
    public void AStateDictBecomesACheckpointWithTheSameTensors()
    {
        using var dir = new TempFolder();
        var state = StateDict(Tiny());
        Write(dir.File("torch.safetensors"), state);
        var (code, output, error) = Import(dir.File("torch.safetensors"), dir.File("model.safetensors"));
        Assert.True(code == 0, error);
        Assert.Contains("as task cdr, reference head", output);

        var card = RunCheckpoint.ReadCard(dir.File("model.safetensors"));
        Assert.Equal((TrainTask.Cdr, true, Grid, Width), (card.Config.Task, card.Config.ReferenceHead, card.Config.Grid, card.Config.WidthMult));
        Assert.Equal("normalization=zscore;downsample=1;grid=16x20x16", card.Preprocessing);
        Assert.Equal("imported from torch.safetensors (a PyTorch state_dict)", card.Data);
        using var file = SafeTensorsFile.Open(dir.File("model.safetensors"));
        Assert.Equal(state.Keys.Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var (name, (dtype, shape, bytes)) in state)
        {
            Assert.Equal(dtype, file.Info(name).DType);
            Assert.Equal(shape, file.Info(name).Shape);
            Assert.Equal(bytes, file.ReadBytes(name));
        }
    }

    [Fact]
    public void EveryMissingUnexpectedOrMisShapedTensorIsNamedInOneError()
    {
        using var dir = new TempFolder();
        var state = StateDict(Tiny());
        state.Remove("features.3.se.se.1.bias");
        state.Remove("first_layer.bn.num_batches_tracked");
        state["module.extra.weight"] = (SafeTensorsDType.F32, [2], Floats([1, 2]));
        state["features.2.pointwise_conv.bn.running_mean"] = (SafeTensorsDType.F32, [3], Floats([1, 2, 3]));
        state["classifier.2.bias"] = (SafeTensorsDType.I32, [64], new byte[64 * 4]);
        Write(dir.File("torch.safetensors"), state);
        var (code, _, error) = Import(dir.File("torch.safetensors"), dir.File("model.safetensors"));
        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
        foreach (var name in new[] { "2 missing", "features.3.se.se.1.bias", "first_layer.bn.num_batches_tracked", "1 unexpected: module.extra.weight",
                     "features.2.pointwise_conv.bn.running_mean: shape [3] in the file", "classifier.2.bias: dtype I32" })
            Assert.Contains(name, error);
        Assert.False(File.Exists(dir.File("model.safetensors")));
    }

    [Fact]
    public void AWholeModelOfMismatchesIsListedInFull()
    {
        using var dir = new TempFolder();
        Write(dir.File("torch.safetensors"), StateDict(Tiny() with { WidthMultiplier = 0.5 }));
        var (code, _, error) = Import(dir.File("torch.safetensors"), dir.File("model.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("the file's stem has 32 channels, width 0.25 gives 16", error);
        Assert.Contains("try --width-mult 0.5", error);
        Assert.DoesNotContain("more", error);  // no "and N more": every tensor is named
        Assert.Contains("features.8.pointwise_conv.bn.running_var", error);
    }

    [Fact]
    public void AClassifierForAnotherGridNamesTheGridTheWeightsWereTrainedFor()
    {
        using var dir = new TempFolder();
        Write(dir.File("torch.safetensors"), StateDict(Tiny("91x109x91")));
        var (code, _, error) = Import(dir.File("torch.safetensors"), dir.File("model.safetensors"));
        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("classifier.1.weight: shape [400, 4608] in the file, [400, 128] in the model", error);
        Assert.Contains("the weights were trained for grid 91x109x91 (MNI152 2 mm", error);
        Assert.Contains("feature map 3x4x3: any grid of D 65-96, H 97-128, W 65-96", error);
        Assert.Contains("--grid 16x20x16 gives 128 channels x 1x1x1 = 128", error);
        Assert.DoesNotContain("missing", error);
    }

    [Fact]
    public void TheGridHintFindsTheBoxOfGridsNearestTheGivenOne()
    {
        var config = EfficientNet3dConfig.Reference() with { Grid = (40, 100, 40) };
        // 512 channels x 2 x 5 x 2: no grid people use, so the factorisation nearest 40x100x40 is named.
        string hint = ModelImport.GridHint(512 * 20, config);
        Assert.Contains("a grid such as 64x160x64 (feature map 2x5x2: any grid of D 33-64, H 129-160, W 33-64)", hint);
        Assert.Contains("other feature-map shape(s) give the same size", hint);
        Assert.Contains("not a multiple of the model's 512 feature channels", ModelImport.GridHint(1000, config));
    }

    [Theory]
    [InlineData(ModelHeads.Classification, "cdr")]
    [InlineData(ModelHeads.Regression, "age")]
    [InlineData(ModelHeads.Double, "brainage")]
    public void TheTaskFollowsTheHeadsWhenNoneIsGiven(ModelHeads heads, string task)
    {
        using var dir = new TempFolder();
        Write(dir.File("torch.safetensors"), StateDict(Tiny(heads: heads)));
        var (code, output, error) = Import(dir.File("torch.safetensors"), dir.File("model.safetensors"));
        Assert.True(code == 0, error);
        Assert.Contains($"as task {task}", output);
        var (wrong, _, message) = Import(dir.File("torch.safetensors"), dir.File("other.safetensors"), "--task", task == "age" ? "sex" : "age");
        Assert.Equal(2, wrong);
        Assert.Contains("classifier.3.weight", message);
    }

    [Fact]
    public void ANonSafetensorsFileOrAWrongClassCountIsAUserError()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("model.pt"), "PK\u0003\u0004 a torch.save zip, not safetensors");
        var (code, _, error) = Import(dir.File("model.pt"), dir.File("model.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("model.pt", error);
        Write(dir.File("torch.safetensors"), StateDict(Tiny()));
        (code, _, error) = Import(dir.File("torch.safetensors"), dir.File("model.safetensors"), "--classes", "3");
        Assert.Equal(2, code);
        Assert.Contains("--classes 3", error);
    }

    /// <summary>The header of a file PyTorch wrote, spelled out byte by byte: a count as "I64" of shape [].</summary>
    [Fact]
    public void AHandWrittenInt64CountLoadsAsABatchCount()
    {
        using var dir = new TempFolder();
        var state = StateDict(Tiny());
        Write(dir.File("torch.safetensors"), state);
        using (var file = SafeTensorsFile.Open(dir.File("torch.safetensors")))
        {
            var info = file.Info("features.0.depthwise_conv.bn.num_batches_tracked");
            Assert.Equal((SafeTensorsDType.I64, 0), (info.DType, info.Shape.Count));
        }
        string header = "{\"num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}";
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ulong)header.Length));
        bytes.AddRange(Encoding.UTF8.GetBytes(header));
        bytes.AddRange(BitConverter.GetBytes(1234L));
        File.WriteAllBytes(dir.File("count.safetensors"), bytes.ToArray());
        using var count = SafeTensorsFile.Open(dir.File("count.safetensors"));
        Assert.Equal([1234L], count.ReadInt64s("num_batches_tracked"));
        Assert.True(Checkpoint.IsCountBuffer("first_layer.bn.num_batches_tracked"));
    }

    [Fact]
    public void ExportWritesTheStateDictAloneAsPyTorchExpectsAndTheCardBeside()
    {
        using var dir = new TempFolder();
        var config = new TrainConfig { Grid = Grid, WidthMult = Width, Task = TrainTask.Age, Data = dir.Path, Workers = 3 };
        var card = new ModelCard(config, RunModels.Preprocessing(config).ToString(), new AgeScale(60, 15), null, "cohort: 10 scans of 5 subjects");
        using (var model = RunModels.Create(config, Device.Cpu, new RandomSource(1)))
        using (var optimizer = new Adam(model.Parameters(), 1e-3))
        {
            // A training checkpoint carries the optimizer's moments; the export must leave them behind.
            RunCheckpoint.Save(dir.File("last.safetensors"), model, optimizer, new RunState { Epoch = 3 }, card);
        }
        var (code, output, error) = CliRunner.Run("export", "--checkpoint", dir.File("last.safetensors"), "--out", dir.File("torch.safetensors"));
        Assert.True(code == 0, error);
        Assert.Contains("age = output x 15 + 60", output);
        Assert.Contains("SiLU between the classifier's Linear layers", output);

        using var file = SafeTensorsFile.Open(dir.File("torch.safetensors"));
        Assert.Empty(file.Metadata);
        using var reference = RunModels.Create(config, Device.Cpu, new RandomSource(1));
        var expected = reference.NamedParameters().Concat(reference.NamedBuffers()).ToDictionary(p => p.Name, p => p.Tensor.Shape);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var t in file.Tensors)
        {
            bool count = Checkpoint.IsCountBuffer(t.Name);
            Assert.Equal(count ? SafeTensorsDType.I64 : SafeTensorsDType.F32, t.DType);
            Assert.Equal(count ? Array.Empty<long>() : expected[t.Name].Select(d => (long)d).ToArray(), t.Shape.ToArray());
        }
        string json = File.ReadAllText(dir.File("torch.json"));
        Assert.Contains("\"data\": \"cohort: 10 scans of 5 subjects\"", json);
        Assert.Contains("\"grid\": \"16x20x16\"", json);
        Assert.DoesNotContain(dir.Path, json);
        Assert.DoesNotContain("workers", json);
        Assert.DoesNotContain("synthetic_subjects", json);
    }
}
