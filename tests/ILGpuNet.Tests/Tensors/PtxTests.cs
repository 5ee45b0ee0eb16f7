using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Tensors;

/// <summary>The CPU accelerator accepts code that CUDA rejects: every kernel must compile for sm_90.</summary>
public class PtxTests
{
    [Fact]
    public void EveryKernelCompilesForSm90()
    {
        var results = PtxCompiler.CompileAll("sm_90").ToList();
        Assert.Equal(KernelCatalog.All().Count, results.Count);
        Assert.True(results.Count >= 40, $"only {results.Count} kernels found");
        var failures = results.Where(r => !r.Ok).Select(r => $"{r.Kernel}: {r.Error}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // ILGPU writes the lowest target that has the capabilities it used (sm_80 for an sm_90 device,
        // the same as its CUDA accelerator does on an H100); the driver JIT-compiles it for the card.
        Assert.All(results, r => Assert.Matches(@"\.target sm_[89]\d", r.Ptx!));
        // A .NET call ILGPU has no intrinsic for (MathF.FusedMultiplyAdd in 1.5.3) becomes an unresolved
        // extern function: the PTX text is produced, but the driver fails to link it on the GPU.
        Assert.All(results, r => Assert.DoesNotContain(".extern .func", r.Ptx!));
    }

    /// <summary>
    /// [Kernel(UsesBarriers = true)] is what keeps a kernel off the CPU family (the kernel cache refuses it there), so
    /// it must be true exactly for the kernels whose machine code synchronises a group or a warp (barriers, warp
    /// shuffles: the CPU accelerator emulates both by synchronising its threads).
    /// </summary>
    [Fact]
    public void KernelsMarkedWithBarriersAreExactlyThoseThatSynchroniseAGroup()
    {
        var marked = KernelCatalog.All().ToDictionary(e => e.Name, e => e.Attribute.UsesBarriers);
        var wrong = PtxCompiler.CompileAll("sm_90")
            .Select(r => (r.Kernel, Barriers: System.Text.RegularExpressions.Regex.IsMatch(r.Ptx!, @"\b(bar|barrier)\.(sync|arrive|red)\b|\bshfl\.sync\b")))
            .Where(r => r.Barriers != marked[r.Kernel])
            .Select(r => $"{r.Kernel}: {(r.Barriers ? "synchronises its group or warp but is not marked UsesBarriers" : "marked UsesBarriers but has no barrier or shuffle")}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void TheCatalogClosesGenericKernelsOverEveryOp()
    {
        var names = KernelCatalog.All().Select(e => e.Name).ToHashSet();
        Assert.Contains("ElementwiseKernels.Map_SiluOp", names);
        Assert.Contains("ElementwiseKernels.Zip_MulOp", names);
        Assert.Contains("ReductionKernels.SumCuda_SquareOp", names);
    }

    [Fact]
    public void BadArchitecturesAreClearErrors()
    {
        Assert.Throws<ArgumentException>(() => PtxCompiler.ParseArchitecture("volta"));
    }
}
