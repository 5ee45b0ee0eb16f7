using System.Reflection;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Verification;

/// <summary>Marks a static method of <see cref="OpChecks"/> that yields the checks of one op family.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class CheckFamilyAttribute : Attribute;

/// <summary>
/// The one registry of op checks behind <c>ilgpunet gradcheck</c> and the tests. Each op family adds a
/// partial file with a [CheckFamily] method; they are found by reflection, so none is forgotten.
/// </summary>
public static partial class OpChecks
{
    public static IReadOnlyList<OpCheck> All() =>
        typeof(OpChecks).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(m => m.GetCustomAttribute<CheckFamilyAttribute>() != null)
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .SelectMany(m => (IEnumerable<OpCheck>)m.Invoke(null, null)!)
            .ToList();

    /// <summary>
    /// Runs the checks (filtered by op name when <paramref name="op"/> is given) on the device; on the CPU
    /// accelerator the checks of ops with a CUDA kernel variant run a second time on
    /// <see cref="Device.GpuShapedCpu"/>, so both variants meet the same reference.
    /// </summary>
    public static IEnumerable<CheckResult> Run(Device device, string? op = null, int seed = 1234)
    {
        var checks = All().Where(c => op == null || c.Name.Equals(op, StringComparison.OrdinalIgnoreCase)
            || c.Covers.Any(n => n.Equals(op, StringComparison.OrdinalIgnoreCase))).ToList();
        if (op != null && checks.Count == 0)
            throw new ArgumentException($"no check for op '{op}'. Known ops: {string.Join(", ", All().Select(c => c.Name).Distinct())}");
        int index = 0;
        foreach (var check in checks)
        {
            int s = seed + 7919 * index++;
            yield return Guarded(check, device, s);
            if (device.IsCpu && check.HasBarrierVariant)
                yield return Guarded(check, Device.GpuShapedCpu, s);
        }
    }

    private static CheckResult Guarded(OpCheck check, Device device, int seed)
    {
        try
        {
            return check.Run(device, seed);
        }
        catch (Exception e)
        {
            return CheckResult.Crashed(check, GradCheck.VariantOf(device), e);
        }
    }
}
