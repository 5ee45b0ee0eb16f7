using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Bench;

namespace ILGpuNet.Tests.Bench;

/// <summary>The op kinds declared on the kernels ([OpKind]) against the switch of OpKinds.</summary>
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
    public void DeclaredKindsAreTheSwitchs()
    {
        var differ = KernelCatalog.All()
            .Select(e => (Name: KernelProfiler.NameOf(e.Method), Declared: OpKindAttribute.Of(e.Method)))
            .Where(k => k.Declared != OpKinds.Of(k.Name))
            .Select(k => $"{k.Name}: declared {k.Declared}, switch {OpKinds.Of(k.Name)}").ToList();
        Assert.True(differ.Count == 0, string.Join("\n", differ));
    }
}
