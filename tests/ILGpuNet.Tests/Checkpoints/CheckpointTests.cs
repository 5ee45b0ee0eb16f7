using System.Text.Json;
using System.Text.Json.Nodes;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Checkpoints;

namespace ILGpuNet.Tests.Checkpoints;

public class CheckpointTests
{
    private static readonly Device Cpu = Device.Cpu;

    /// <summary>A module assembled from the outside, for state_dicts of any shape.</summary>
    private sealed class Bag : Module
    {
        public Tensor Param(string name, Tensor t) => Parameter(name, t);

        public Tensor Buf(string name, Tensor t) => Buffer(name, t);

        public T Add<T>(string name, T module) where T : Module => Child(name, module);
    }

    private static Tensor Random(Random rng, params int[] shape) =>
        Tensor.FromArray(Cpu, Enumerable.Range(0, (int)Tensor.NumberOf(shape)).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), shape);

    /// <summary>The layout of the reference model's stem and head: a Conv3d weight, a BatchNorm3d with its
    /// buffers (num_batches_tracked a scalar), an SE conv with bias, and a Linear.</summary>
    private static Bag TinyNet(int seed, int channels = 4, int[]? countShape = null)
    {
        var rng = new Random(seed);
        var net = new Bag();
        var first = net.Add("first_layer", new Bag());
        first.Add("cnn", new Bag()).Param("weight", Random(rng, channels, 1, 3, 3, 3));
        var bn = first.Add("bn", new Bag());
        bn.Param("weight", Random(rng, channels));
        bn.Param("bias", Random(rng, channels));
        bn.Buf("running_mean", Random(rng, channels));
        bn.Buf("running_var", Random(rng, channels));
        bn.Buf("num_batches_tracked", Tensor.FromArray(Cpu, [rng.Next(1, 1000)], countShape ?? []));
        var se = net.Add("features", new Bag()).Add("0", new Bag()).Add("se", new Bag()).Add("se", new Bag()).Add("1", new Bag());
        se.Param("weight", Random(rng, 2, channels, 1, 1, 1));
        se.Param("bias", Random(rng, 2));
        net.Add("classifier", new Bag()).Add("1", new Linear(Cpu, channels, 3, new RandomSource((ulong)seed)));
        return net;
    }

    private static Dictionary<string, float[]> Values(Module m) =>
        m.NamedParameters().Concat(m.NamedBuffers()).ToDictionary(p => p.Name, p => p.Tensor.ToArray());

    private static CheckpointInfo SampleInfo() => new CheckpointInfo
    {
        Properties =
        {
            ["task"] = "dementia",
            ["epoch"] = 12,
            ["input_grid"] = new JsonArray(91, 109, 91),
            ["labels"] = new JsonObject { ["healthy"] = 0, ["dementia"] = 1 },
        },
    }.Set("bias_correction", new[] { 0.73, 19.5 });

    [Fact]
    public void ARoundTripRestoresEveryTensorExactlyUnderPyTorchNames()
    {
        using var folder = new TempFolder();
        var path = folder.File("best.safetensors");
        using var source = TinyNet(1);
        Checkpoint.Save(source, path, SampleInfo());
        Assert.Equal(["best.json", "best.safetensors"], folder.Names());

        using (var file = SafeTensorsFile.Open(path))
        {
            Assert.Equal(
                ["classifier.1.bias", "classifier.1.weight", "features.0.se.se.1.bias", "features.0.se.se.1.weight",
                 "first_layer.bn.bias", "first_layer.bn.num_batches_tracked", "first_layer.bn.running_mean",
                 "first_layer.bn.running_var", "first_layer.bn.weight", "first_layer.cnn.weight"],
                file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
            var count = file.Info("first_layer.bn.num_batches_tracked");
            Assert.Equal(SafeTensorsDType.I64, count.DType);
            Assert.Empty(count.Shape);
            Assert.Equal([4L, 1, 3, 3, 3], file.Info("first_layer.cnn.weight").Shape);
            Assert.All(file.Tensors.Where(t => t != count), t => Assert.Equal(SafeTensorsDType.F32, t.DType));
        }

        using var target = TinyNet(2);
        Assert.NotEqual(Values(source)["first_layer.cnn.weight"], Values(target)["first_layer.cnn.weight"]);
        var result = Checkpoint.Load(target, path);
        Assert.Empty(result.Missing);
        Assert.Empty(result.Unexpected);
        var expected = Values(source);
        var actual = Values(target);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected) Assert.Equal(values, actual[name]);

        Assert.Equal("dementia", result.Info!.Get<string>("task"));
        Assert.Equal(12, result.Info.Get<int>("epoch"));
        Assert.Equal([91, 109, 91], result.Info.Get<int[]>("input_grid"));
        Assert.Equal([0.73, 19.5], result.Info.Get<double[]>("bias_correction"));
        Assert.Equal(CheckpointInfo.CurrentFormatVersion, result.Info.FormatVersion);
    }

    [Fact]
    public void InfoTravelsInTheMetadataAndTheSidecar()
    {
        using var folder = new TempFolder();
        var path = folder.File("run.safetensors");
        using var model = TinyNet(3);
        Checkpoint.Save(model, path, SampleInfo());

        var info = Checkpoint.ReadInfo(path)!;
        Assert.Equal(SampleInfo().Properties.ToJsonString(), info.Properties.ToJsonString());

        using (var file = SafeTensorsFile.Open(path))
        {
            var doc = JsonNode.Parse(file.Metadata[Checkpoint.MetadataKey])!;
            Assert.Equal("ilgpunet-checkpoint", (string?)doc["format"]);
            Assert.Equal(1, (int)doc["format_version"]!);
        }

        var sidecar = JsonNode.Parse(File.ReadAllText(Checkpoint.SidecarPath(path)))!;
        Assert.Equal("run.safetensors", (string?)sidecar["checkpoint"]);
        Assert.Equal(model.ParameterCount, (long)sidecar["parameters"]!);
        Assert.Equal("dementia", (string?)sidecar["info"]!["task"]);
        Assert.Equal(91, (int)sidecar["info"]!["input_grid"]![0]!);
    }

    [Fact]
    public void AWrongShapeFailsNamingTheTensorAndBothShapesAndLeavesTheModelUntouched()
    {
        using var folder = new TempFolder();
        var path = folder.File("c4.safetensors");
        using (var four = TinyNet(4, channels: 4)) Checkpoint.Save(four, path, new CheckpointInfo());

        using var five = TinyNet(5, channels: 5);
        var before = Values(five);
        var error = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(five, path));
        Assert.StartsWith(path + " does not match the model: ", error.Message);
        Assert.Contains("first_layer.cnn.weight: shape [4, 1, 3, 3, 3] in the file, [5, 1, 3, 3, 3] in the model", error.Message);
        Assert.Contains("features.0.se.se.1.weight: shape [2, 4, 1, 1, 1] in the file, [2, 5, 1, 1, 1] in the model", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(7, error.Problems.Count); // every tensor whose shape depends on the channels
        // Shapes fail even when not strict, and nothing was copied.
        Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(five, path, strict: false));
        foreach (var (name, values) in before) Assert.Equal(values, Values(five)[name]);
    }

    [Fact]
    public void MissingAndUnexpectedNamesFailStrictAndAreReturnedOtherwise()
    {
        using var folder = new TempFolder();
        var path = folder.File("x.safetensors");
        using var source = TinyNet(6);
        Checkpoint.Save(source, path, new CheckpointInfo());

        using var target = TinyNet(7);
        target.Add("extra_head", new Bag()).Param("weight", Random(new Random(1), 2, 2));
        var renamed = new Bag();
        renamed.Add("stem", TinyNet(8));

        var error = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(target, path));
        Assert.Equal(["extra_head.weight"], error.Missing);
        Assert.Empty(error.Unexpected);
        Assert.Contains("1 missing: extra_head.weight", error.Message);

        var result = Checkpoint.Load(target, path, strict: false);
        Assert.Equal(["extra_head.weight"], result.Missing);
        Assert.Equal(Values(source)["first_layer.cnn.weight"], Values(target)["first_layer.cnn.weight"]);

        var all = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(renamed, path));
        Assert.Equal(10, all.Missing.Count);
        Assert.Equal(10, all.Unexpected.Count);
        Assert.Contains("10 missing: stem.", all.Message);
        Assert.Contains("and 2 more; 10 unexpected: ", all.Message);
    }

    [Fact]
    public void APyTorchStyleFileLoadsWithFloatOrIntegerCountsAndConvertedDtypes()
    {
        using var folder = new TempFolder();
        var path = folder.File("torch.safetensors");
        using var model = TinyNet(9, countShape: [1]);
        // As torch would write it, but the weights in float16/bfloat16/float64 and the count as float32 [1].
        var entries = new List<SafeTensorEntry>();
        foreach (var (name, t) in model.NamedParameters().Concat(model.NamedBuffers()))
        {
            var shape = t.Shape.Select(d => (long)d).ToArray();
            var values = t.ToArray();
            entries.Add(name switch
            {
                "first_layer.cnn.weight" => SafeTensorEntry.FromBytes(name, SafeTensorsDType.F16, shape,
                    values.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray()),
                "classifier.1.weight" => SafeTensorEntry.FromBytes(name, SafeTensorsDType.BF16, shape,
                    values.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(v) >> 16))).ToArray()),
                "first_layer.bn.running_var" => SafeTensorEntry.FromBytes(name, SafeTensorsDType.F64, shape,
                    values.SelectMany(v => BitConverter.GetBytes((double)v)).ToArray()),
                _ => SafeTensorEntry.FromFloats(name, values, shape),
            });
        }
        SafeTensorsFile.Write(path, entries);

        using var target = TinyNet(10, countShape: [1]);
        var result = Checkpoint.Load(target, path);
        Assert.Null(result.Info);
        Assert.Null(Checkpoint.ReadInfo(path));
        var expected = Values(model);
        var actual = Values(target);
        Assert.Equal(expected["first_layer.bn.num_batches_tracked"], actual["first_layer.bn.num_batches_tracked"]);
        Assert.Equal(expected["first_layer.bn.running_var"], actual["first_layer.bn.running_var"]);
        Assert.Equal(expected["first_layer.cnn.weight"].Select(v => (float)(Half)v), actual["first_layer.cnn.weight"]);
        Assert.Equal(expected["classifier.1.weight"].Select(v => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) & ~0xFFFF)),
            actual["classifier.1.weight"]);

        // Our own save of that [1]-shaped count is PyTorch's 0-dim int64, and loads back into it.
        var ours = folder.File("ours.safetensors");
        Checkpoint.Save(target, ours, new CheckpointInfo());
        using (var file = SafeTensorsFile.Open(ours)) Assert.Empty(file.Info("first_layer.bn.num_batches_tracked").Shape);
        Checkpoint.Load(target, ours);
    }

    [Fact]
    public void IntegerWeightsAreADtypeProblem()
    {
        using var folder = new TempFolder();
        var path = folder.File("int.safetensors");
        using var model = new Bag();
        model.Param("weight", Random(new Random(2), 2, 2));
        SafeTensorsFile.Write(path, [SafeTensorEntry.FromInt64s("weight", [1, 2, 3, 4], 2, 2)]);
        var error = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(model, path));
        Assert.Contains("weight: dtype I64 in the file, the model needs F32 (or F64, F16, BF16)", error.Message);
    }

    [Fact]
    public void OptimizerAndExtraStateResumeTrainingExactly()
    {
        using var folder = new TempFolder();
        var path = folder.File("last.safetensors");
        var data = new Random(11);
        var xs = Enumerable.Range(0, 8 * 4).Select(_ => (float)data.NextDouble()).ToArray();
        var ys = Enumerable.Range(0, 8 * 3).Select(_ => (float)data.NextDouble()).ToArray();

        void Train(Linear model, Optimizer optimizer, int steps)
        {
            for (int s = 0; s < steps; s++)
            {
                using var scope = new TensorScope();
                optimizer.ZeroGrad();
                var loss = Ops.MseLoss(model.Forward(Tensor.FromArray(Cpu, xs, 8, 4)), Tensor.FromArray(Cpu, ys, 8, 3));
                Autograd.Backward(loss);
                optimizer.Step();
                Assert.True(optimizer.LastStepWasFlat);  // state saved from and loaded into the flat buffers
            }
        }

        foreach (var make in new Func<IReadOnlyList<Tensor>, Optimizer>[]
                 {
                     p => new AdamW(p, 0.05, weightDecay: 0.1),
                     p => new Sgd(p, 0.1, momentum: 0.9, nesterov: true),
                 })
        {
            using var straight = new Linear(Cpu, 4, 3, new RandomSource(3));
            using var straightOpt = make(straight.Parameters());
            Train(straight, straightOpt, 3);
            using var ema = TensorScope.Keep(Random(new Random(4), 3, 4));
            Checkpoint.Save(straight, path, new CheckpointInfo().Set("epoch", 3), straightOpt, [("ema.weight", ema)]);
            Train(straight, straightOpt, 2);

            using var resumed = new Linear(Cpu, 4, 3, new RandomSource(99));
            using var resumedOpt = make(resumed.Parameters());
            using var emaBack = TensorScope.Keep(Tensor.Zeros(Cpu, 3, 4));
            Checkpoint.Load(resumed, path, optimizer: resumedOpt, extra: [("ema.weight", emaBack)]);
            Assert.Equal(3, resumedOpt.StepCount);
            Assert.Equal([3L, 3L], resumedOpt.ParameterSteps);
            Assert.Equal(ema.ToArray(), emaBack.ToArray());
            Train(resumed, resumedOpt, 2);

            Assert.Equal(straight.Weight.ToArray(), resumed.Weight.ToArray());
            Assert.Equal(straight.Bias!.ToArray(), resumed.Bias!.ToArray());
        }

        using (var file = SafeTensorsFile.Open(path))
        {
            Assert.True(file.Contains("optimizer.step"));
            Assert.True(file.Contains("optimizer.weight.momentum_buffer"));
            Assert.True(file.Contains("optimizer.bias.step"));
            Assert.True(file.Contains("extra.ema.weight"));
        }

        // A model-only load ignores the resume state, even strictly; an Adam cannot take SGD's momentum.
        using var plain = new Linear(Cpu, 4, 3, new RandomSource(5));
        Assert.Empty(Checkpoint.Load(plain, path).Unexpected);
        using var adam = new Adam(plain.Parameters());
        var error = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(plain, path, optimizer: adam));
        Assert.Contains("optimizer.weight.momentum_buffer: Adam keeps no 'momentum_buffer' state (it keeps exp_avg, exp_avg_sq)", error.Message);
    }

    [Fact]
    public void AskingForOptimizerStateThatWasNotSavedIsAnError()
    {
        using var folder = new TempFolder();
        var path = folder.File("weights.safetensors");
        using var model = new Linear(Cpu, 2, 2, new RandomSource(1));
        Checkpoint.Save(model, path, new CheckpointInfo());
        using var adam = new Adam(model.Parameters());
        var error = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(model, path, optimizer: adam));
        Assert.Contains("optimizer.step: the file holds no optimizer state", error.Message);
    }

    [Fact]
    public void ANewerFormatVersionIsRefused()
    {
        using var folder = new TempFolder();
        var path = folder.File("future.safetensors");
        var doc = JsonSerializer.Serialize(new { format = "ilgpunet-checkpoint", format_version = 99, info = new { } });
        SafeTensorsFile.Write(path, [SafeTensorEntry.FromFloats("w", [1f], 1)], new Dictionary<string, string> { [Checkpoint.MetadataKey] = doc });
        var error = Assert.Throws<SafeTensorsException>(() => Checkpoint.ReadInfo(path));
        Assert.Contains("format version 99 is newer than this build reads (1)", error.Message);
    }
}
