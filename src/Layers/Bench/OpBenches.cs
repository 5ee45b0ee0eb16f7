using System.Reflection;

namespace ILGpuNet.Layers.Bench;

/// <summary>
/// Marks a static method of <see cref="OpBenches"/> that yields the bench cases of one op family at batch b
/// (<c>static IEnumerable&lt;OpCase&gt; Name(int b)</c>). Families run by <see cref="Order"/>, then by method name;
/// a family without one comes after those with one.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class BenchFamilyAttribute : Attribute
{
    public int Order { get; init; } = int.MaxValue;
}

/// <summary>
/// The one registry of operator bench cases behind <c>ilgpunet opbench</c> and the BenchmarkDotNet operator
/// benchmarks: the ops of the 3D EfficientNet at the reference model's real shapes (input 91x109x91). Each op
/// family adds a partial file with a [BenchFamily] method; they are found by reflection, so none is forgotten.
/// Work counts 2 flops per multiply-add for convolutions and Linear (backward: the passes it makes, input and
/// weight gradient, or weight only for the stem) and the bytes of the minimal passes for memory-bound ops.
/// </summary>
public static partial class OpBenches
{
    /// <summary>Work figures are in units of 1e9 (GFLOP, GB).</summary>
    private const double G = 1e9;

    public static IReadOnlyList<OpCase> All(int batch)
    {
        var cases = Families().SelectMany(m => (IEnumerable<OpCase>)m.Invoke(null, [batch])!).ToList();
        var repeated = cases.GroupBy(c => c.Op).FirstOrDefault(g => g.Count() > 1);
        if (repeated != null) throw new InvalidOperationException($"two bench cases named '{repeated.Key}' (rows are matched by name)");
        return cases;
    }

    private static IEnumerable<MethodInfo> Families() =>
        typeof(OpBenches).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Select(m => (Method: m, Family: m.GetCustomAttribute<BenchFamilyAttribute>()))
            .Where(f => f.Family != null)
            .OrderBy(f => f.Family!.Order).ThenBy(f => f.Method.Name, StringComparer.Ordinal)
            .Select(f => f.Method);
}
