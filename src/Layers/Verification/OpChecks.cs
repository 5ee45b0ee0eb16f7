using System.Reflection;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Verification;

/// <summary>Marks a static method of <see cref="OpChecks"/> that yields the checks of one op family.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class CheckFamilyAttribute : Attribute;

/// <summary>
/// The one registry of op checks behind <c>ilgpunet gradcheck</c> and the tests. Each op family adds a
/// partial file with a [CheckFamily] method; they are found by reflection, so none is forgotten. Every check
/// runs on every kernel family (<see cref="DevicesFor"/>), none is told which variants its op has: the variants
/// that ran are recorded (<see cref="KernelVariantUsage"/>) and <see cref="Unexercised"/> names the declared ones
/// that no check reached.
/// </summary>
public static partial class OpChecks
{
    /// <summary>The seed the tests and <c>ilgpunet gradcheck</c> use unless told otherwise.</summary>
    public const int DefaultSeed = 1234;

    /// <summary>
    /// The largest <see cref="OpCheck.Work"/> run on a CUDA family emulated by the CPU accelerator (every barrier
    /// there is a rendezvous of 256 OS threads). Nearly every check is below it; the few above are larger shapes
    /// of paths that smaller checks already take on every family.
    /// </summary>
    public const long EmulatedWorkLimit = 20_000_000;

    public static IReadOnlyList<OpCheck> All()
    {
        var checks = typeof(OpChecks).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(m => m.GetCustomAttribute<CheckFamilyAttribute>() != null)
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .SelectMany(m => (IEnumerable<OpCheck>)m.Invoke(null, null)!)
            .ToList();
        var twice = checks.GroupBy(c => c.Case).FirstOrDefault(g => g.Count() > 1);
        if (twice != null) throw new InvalidOperationException($"two op checks are both named '{twice.Key}': give one a Detail");
        return checks;
    }

    /// <summary>
    /// The devices that run every kernel family reachable from <paramref name="device"/>: on the CPU accelerator one per
    /// family (<see cref="Device.Running"/>: the CPU kernels, the CUDA ones on GPU-shaped groups), on a GPU the GPU itself.
    /// </summary>
    public static IReadOnlyList<Device> DevicesFor(Device device) =>
        device.IsCpu ? Enum.GetValues<KernelFamily>().Select(Device.Running).Distinct().ToList() : [device];

    /// <summary>Whether <paramref name="device"/> emulates a GPU family on the CPU accelerator (slow barriers).</summary>
    public static bool Emulates(Device device) => device.IsCpu && device.Family != KernelFamily.Cpu;

    /// <summary>The family a device runs first (its own, or tensor cores before CUDA cores), marked "@cpu" where the CPU accelerator stands in for a GPU.</summary>
    public static string VariantOf(Device device) => VariantName(device.Families[0], Emulates(device));

    /// <summary>As <see cref="VariantOf"/>, without opening a device.</summary>
    public static string VariantName(KernelFamily family, bool emulated) => family.Name() + (emulated ? "@cpu" : "");

    /// <summary>Whether the check is small enough for the device: always, except above <see cref="EmulatedWorkLimit"/> on an emulated GPU family.</summary>
    public static bool RunsOn(OpCheck check, Device device) => RunsOn(check, emulated: Emulates(device));

    /// <summary>As <see cref="RunsOn(OpCheck, Device)"/>, without opening a device.</summary>
    public static bool RunsOn(OpCheck check, bool emulated) => !emulated || check.Work <= EmulatedWorkLimit;

    /// <summary>
    /// Whether a device runs only its own family (every op has kernels of it) rather than preferring another first and
    /// falling back to its own for ops without that one (tensor cores, then CUDA cores).
    /// </summary>
    public static bool RunsOnlyItsOwnFamily(Device device) => device.Families.Count == 1;

    /// <summary>
    /// Whether a check run on a device that prefers <paramref name="family"/> but falls back to another would reach a kernel
    /// of that family: when an op it ran elsewhere (<paramref name="ranElsewhere"/>) declares kernels of it. Otherwise
    /// that run would only repeat the fallback family's.
    /// </summary>
    public static bool Reaches(IEnumerable<CheckResult> ranElsewhere, KernelFamily family, IEnumerable<IKernelVariants> declared)
    {
        var ops = declared.Where(v => v.Variants.Any(x => x.Family == family)).Select(v => v.Op).ToHashSet();
        return ranElsewhere.SelectMany(r => r.Exercised).Any(e => ops.Contains(e.Op));
    }

    /// <summary>
    /// The tolerance of a check on <paramref name="device"/>: <paramref name="fp32"/> where it multiplies in FP32, at least
    /// <see cref="Tf32Tolerance"/> where its tensor-core kernels round their inputs to TF32 (10-bit mantissa).
    /// </summary>
    public static double Tolerance(double fp32, Device device) => device.EffectivePrecision == Precision.Tf32 ? Math.Max(fp32, Tf32Tolerance) : fp32;

    /// <summary>Relative error allowed at TF32, as the tensor-core kernels' own tests allow.</summary>
    public const double Tf32Tolerance = 3e-3;

    /// <summary>A check's seed: from its name (so adding or reordering checks changes no other check's inputs) and the base seed.</summary>
    public static int SeedOf(OpCheck check, int seed = DefaultSeed)
    {
        uint h = 2166136261;  // FNV-1a: stable across processes, unlike string.GetHashCode
        foreach (char ch in check.Case) h = (h ^ ch) * 16777619;
        return (int)((h ^ (uint)seed * 2654435761u) & 0x7FFF_FFFF);
    }

    /// <summary>The checks that cover <paramref name="op"/> (by table name or by the API they cover), or all.</summary>
    public static IReadOnlyList<OpCheck> Select(string? op = null)
    {
        var all = All();
        if (op == null) return all;
        var checks = all.Where(c => c.Name.Equals(op, StringComparison.OrdinalIgnoreCase)
            || c.Covers.Any(n => n.Equals(op, StringComparison.OrdinalIgnoreCase))).ToList();
        if (checks.Count == 0)
            throw new ArgumentException($"no check for op '{op}'. Known ops: {string.Join(", ", all.Select(c => c.Name).Distinct())}");
        return checks;
    }

    /// <summary>
    /// Runs the checks (filtered by op name when <paramref name="op"/> is given) on every kernel family reachable from
    /// the device (<see cref="DevicesFor"/>), each where it is small enough (<see cref="RunsOn(OpCheck, Device)"/>); on a
    /// device that prefers a family before its own (tensor cores), only the checks that reach a kernel of it (<see cref="Reaches"/>).
    /// </summary>
    public static IEnumerable<CheckResult> Run(Device device, string? op = null, int seed = DefaultSeed)
    {
        var devices = DevicesFor(device);
        var declared = DeclaredVariants();
        foreach (var check in Select(op))
        {
            var results = new List<CheckResult>();
            foreach (var d in devices.Where(RunsOnlyItsOwnFamily).Where(d => RunsOn(check, d)))
            {
                results.Add(Run(check, d, seed));
                yield return results[^1];
            }
            foreach (var d in devices.Where(d => !RunsOnlyItsOwnFamily(d)).Where(d => RunsOn(check, d)))
                if (Reaches(results, d.Families[0], declared))
                    yield return Run(check, d, seed);
        }
    }

    /// <summary>One check on one device, with the kernel variants it exercised; an exception is a failed result.</summary>
    public static CheckResult Run(OpCheck check, Device device, int seed = DefaultSeed)
    {
        var used = new HashSet<(string Op, KernelFamily Family)>();
        CheckResult result;
        try
        {
            using (KernelVariantUsage.Record(used))
                result = check.Run(device, SeedOf(check, seed));
        }
        catch (Exception e)
        {
            result = CheckResult.Crashed(check, VariantOf(device), e);
        }
        return result with { Case = check.Case, Exercised = used };
    }

    /// <summary>
    /// The declared variants (op, family) of <paramref name="families"/> that none of <paramref name="results"/>
    /// exercised, as "op on family" (kernels in parentheses).
    /// </summary>
    public static IReadOnlyList<string> Unexercised(IEnumerable<IKernelVariants> declared, IEnumerable<CheckResult> results, IEnumerable<KernelFamily> families)
    {
        var ran = results.SelectMany(r => r.Exercised).ToHashSet();
        var wanted = families.ToHashSet();
        return declared.SelectMany(v => v.Variants.Where(x => wanted.Contains(x.Family) && !ran.Contains((v.Op, x.Family)))
                .Select(x => $"{v.Op} on {x.Family.Name()} ({x.Kernels})"))
            .ToList();
    }

    /// <summary>Every op's declared kernel variants: those of the Layers assembly (the ops) and of the Tensors one (BLAS, reductions).</summary>
    public static IReadOnlyList<IKernelVariants> DeclaredVariants() =>
        KernelVariantRegistry.DeclaredIn(typeof(Ops).Assembly, typeof(Device).Assembly);
}
