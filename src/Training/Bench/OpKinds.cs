using System.Reflection;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Training.Bench;

/// <summary>
/// Groups per-kernel profiler times into the op kinds of benchmarks/gpu/README.md, so our breakdown and
/// PyTorch's sum the same things. Each kernel declares its kind (<see cref="OpKindAttribute"/> on its class, method
/// or op struct). GEMM kernels serve both 1x1x1 convolutions and Linear layers; the ops tag their launches
/// (<see cref="KernelProfiler.Tag"/>), and the tag wins over the declared kind.
/// </summary>
public static class OpKinds
{
    private const string Other = "other";

    /// <summary>The declared kind of every catalogued kernel, keyed as the profiler names it ("ElementwiseKernels.Map&lt;SiluOp&gt;").</summary>
    private static readonly Lazy<Dictionary<string, string>> Declared = new(() =>
    {
        var kinds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in KernelCatalog.All())
            kinds.TryAdd(KernelProfiler.NameOf(entry.Method), OpKindAttribute.Of(entry.Method) ?? Other);
        return kinds;
    });

    /// <summary>The kind of a profiler key: "tag|Class.Method" or "Class.Method&lt;TypeArgs&gt;".</summary>
    public static string Of(string kernel)
    {
        int bar = kernel.IndexOf('|');
        if (bar > 0) return kernel[..bar];
        if (Declared.Value.TryGetValue(kernel, out var kind)) return kind;
        // A kernel outside the catalog (closed over a struct of another assembly): its class's kind.
        string type = kernel.Split('.')[0];
        return typeof(KernelCatalog).Assembly.GetTypes().FirstOrDefault(t => t.Name == type)
            ?.GetCustomAttribute<OpKindAttribute>()?.Kind ?? Other;
    }

    public static List<OpKindTime> Group(IReadOnlyDictionary<string, (double Ms, long Launches)> kernels)
    {
        var byKind = kernels.GroupBy(k => Of(k.Key)).Select(g => (Kind: g.Key, Ms: g.Sum(k => k.Value.Ms))).ToList();
        double total = byKind.Sum(k => k.Ms);
        return byKind.OrderByDescending(k => k.Ms).Select(k => new OpKindTime(k.Kind, k.Ms, total > 0 ? k.Ms / total : 0)).ToList();
    }
}
