using System.Reflection;

namespace ILGpuNet.Tensors;

/// <summary>An op's kernel variants, as listed by <c>ilgpunet gradcheck</c> and checked by the registry.</summary>
public interface IKernelVariants
{
    /// <summary>The op (or op part, e.g. "batchnorm3d.statistics") these variants implement.</summary>
    string Op { get; }

    /// <summary>The families with an implementation, each with a short description of its kernels.</summary>
    IReadOnlyList<(KernelFamily Family, string Kernels)> Variants { get; }
}

/// <summary>
/// One op's kernels per <see cref="KernelFamily"/>, declared once next to the op (a static readonly field), so no op
/// branches on the device: <see cref="For"/> returns the implementation of the device's family.
/// <typeparamref name="TKernels"/> is whatever the op needs to call: a delegate for a single launch, an object with
/// several methods for ops whose passes differ by family. Every lookup is recorded in <see cref="KernelVariantUsage"/>,
/// so the checks can prove that each declared variant ran.
/// </summary>
public sealed class KernelVariants<TKernels> : IKernelVariants where TKernels : class
{
    private readonly TKernels?[] byFamily = new TKernels?[Enum.GetValues<KernelFamily>().Length];
    private readonly List<(KernelFamily, string)> variants = [];

    public KernelVariants(string op, params (KernelFamily Family, string Kernels, TKernels Implementation)[] implementations)
    {
        Op = op;
        foreach (var (family, kernels, implementation) in implementations)
        {
            if (byFamily[(int)family] != null) throw new ArgumentException($"{op}: two {family.Name()} variants");
            byFamily[(int)family] = implementation;
            variants.Add((family, kernels));
        }
    }

    public string Op { get; }

    public IReadOnlyList<(KernelFamily Family, string Kernels)> Variants => variants;

    /// <summary>The implementation for the first of <paramref name="device"/>'s families (<see cref="Device.Families"/>) that this op has.</summary>
    public TKernels For(Device device)
    {
        foreach (var family in device.Families)
        {
            if (byFamily[(int)family] is not { } implementation) continue;
            KernelVariantUsage.Note(Op, family);
            return implementation;
        }
        throw new NotSupportedException(
            $"{Op} has no kernels for {string.Join(" or ", device.Families.Select(f => f.Name()))} (it has {string.Join(", ", variants.Select(v => v.Item1.Name()))})");
    }
}

/// <summary>Finds every op's declared variants (static fields of type <see cref="IKernelVariants"/>) in assemblies.</summary>
public static class KernelVariantRegistry
{
    public static IReadOnlyList<IKernelVariants> DeclaredIn(params Assembly[] assemblies) =>
        assemblies.SelectMany(a => a.GetTypes())
            .Where(t => !t.IsGenericTypeDefinition)
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(f => typeof(IKernelVariants).IsAssignableFrom(f.FieldType))
            .Select(f => (IKernelVariants)f.GetValue(null)!)
            .OrderBy(v => v.Op, StringComparer.Ordinal)
            .ToList();
}

/// <summary>
/// Records, on this thread, which (op, family) variants ran while a scope is open: the check registry uses it to show
/// that every declared variant is exercised by some check.
/// </summary>
public static class KernelVariantUsage
{
    [ThreadStatic] private static HashSet<(string Op, KernelFamily Family)>? used;

    internal static void Note(string op, KernelFamily family) => used?.Add((op, family));

    /// <summary>Collects into <paramref name="into"/> until disposed (scopes do not nest).</summary>
    public static IDisposable Record(HashSet<(string Op, KernelFamily Family)> into)
    {
        var previous = used;
        used = into;
        return new Restore(previous);
    }

    private sealed class Restore(HashSet<(string, KernelFamily)>? previous) : IDisposable
    {
        public void Dispose() => used = previous;
    }
}
