using System.Text.RegularExpressions;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Bench;

namespace ILGpuNet.Tests.Bench;

/// <summary>
/// The op kinds of the per-op breakdown (<c>ilgpunet bench --profile</c>), declared on the kernels with [OpKind]:
/// every kernel has one, it is a kind the PyTorch side knows, and none moved when the kinds left OpKinds' switch.
/// </summary>
public class OpKindTests
{
    [Fact]
    public void EveryKernelClassDeclaresItsOpKind()
    {
        var undeclared = KernelCatalog.All().Where(e => OpKindAttribute.Of(e.Method) == null)
            .Select(e => e.Method.DeclaringType!.Name).Distinct().ToList();
        Assert.True(undeclared.Count == 0,
            $"kernel classes without [OpKind(...)] (one of the kinds of benchmarks/gpu/README.md): {string.Join(", ", undeclared)}");
    }

    [Fact]
    public void DeclaredKindsAreThoseOfTheGpuScripts()
    {
        var root = RepositoryRoot();
        var python = File.ReadAllText(Path.Combine(root, "benchmarks", "gpu", "torch_model.py"));
        var torchKinds = Regex.Matches(Regex.Match(python, @"^KINDS = \[(.*)\]", RegexOptions.Multiline).Groups[1].Value, "\"([a-z0-9_]+)\"")
            .Select(m => m.Groups[1].Value).ToHashSet();
        var readme = File.ReadAllText(Path.Combine(root, "benchmarks", "gpu", "README.md"));
        int start = readme.IndexOf("Op kinds of `breakdown`", StringComparison.Ordinal);
        Assert.True(start >= 0, "benchmarks/gpu/README.md no longer lists the op kinds of `breakdown`");
        var readmeKinds = Regex.Matches(readme[start..readme.IndexOf("\n\n", start, StringComparison.Ordinal)], "`([a-z0-9_]+)`")
            .Select(m => m.Groups[1].Value).ToHashSet();
        Assert.True(torchKinds.Count >= 10, "KINDS not found in torch_model.py");
        foreach (var kind in KernelCatalog.All().Select(e => OpKindAttribute.Of(e.Method)).OfType<string>().Distinct())
        {
            Assert.True(torchKinds.Contains(kind), $"[OpKind(\"{kind}\")] is not in torch_model.py's KINDS");
            Assert.True(readmeKinds.Contains(kind), $"[OpKind(\"{kind}\")] is not among benchmarks/gpu/README.md's op kinds");
        }
    }

    [Fact]
    public void TheProfilersTagWinsOverTheDeclaredKind()
    {
        Assert.Equal("conv3d", OpKinds.Of("GemmKernels.GemmTiled"));
        Assert.Equal("linear", OpKinds.Of("linear|GemmKernels.GemmTiled"));
        Assert.Equal("optimizer", OpKinds.Of("optimizer|ReductionKernels.SumBlocks<SquareOp>"));
        Assert.Equal("other", OpKinds.Of("NoSuchKernels.Forward"));
    }

    [Fact]
    public void KindsAreThoseOfTheRetiredSwitch()
    {
        var names = KernelCatalog.All().Select(e => KernelProfiler.NameOf(e.Method)).ToList();
        Assert.Contains("ElementwiseKernels.Map<SiluOp>", names);
        var differ = names.Where(n => RetiredSwitch(n) is { } kind && kind != OpKinds.Of(n))
            .Select(n => $"{n}: {OpKinds.Of(n)}, was {RetiredSwitch(n)}").ToList();
        Assert.True(differ.Count == 0, string.Join("\n", differ));
    }

    /// <summary>
    /// The kinds as OpKinds' string switch gave them before the kernels declared their own (null: a class it did not
    /// name). A kind that changes on purpose changes the comparison with PyTorch (torch_model.py's op_kind) too.
    /// </summary>
    private static string? RetiredSwitch(string name) => name.Split('.')[0] switch
    {
        "Conv3dKernels" or "GemmKernels" => "conv3d",
        "DepthwiseConv3dKernels" => "depthwise_conv3d",
        "BatchNormKernels" => "batchnorm",
        "PoolingKernels" => "pooling",
        "LossKernels" or "TrainingStepKernels" => "loss",
        "SqueezeExcitationKernels" => name.Contains("InputGrad") ? "elementwise" : "linear",
        "OptimizerKernels" => "optimizer",
        "ChannelScaleKernels" or "StochasticDepthKernels" or "RandomKernels" or "ReductionKernels" => "elementwise",
        "ElementwiseKernels" => name.Contains("Silu") || name.Contains("Sigmoid") || name.Contains("Relu") ? "activation" : "elementwise",
        "RooflineKernels" => "other",
        _ => null,
    };

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "benchmarks", "gpu", "torch_model.py"))) return dir.FullName;
        throw new InvalidOperationException("benchmarks/gpu/torch_model.py not found above " + AppContext.BaseDirectory);
    }
}
