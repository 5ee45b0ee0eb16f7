using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Verification;

/// <summary>One row of the gradcheck table: one check run on one device.</summary>
public sealed record CheckResult(string Op, string Shape, string Variant, double ForwardError, double BackwardError, bool Passed, string? Failure = null)
{
    /// <summary>The check's name in tests and tables: op, shapes and what else tells its cases apart.</summary>
    public string Case { get; init; } = Op + " " + Shape;

    /// <summary>The kernel variants (op, family) that ran during the check (see <see cref="KernelVariantUsage"/>).</summary>
    public IReadOnlySet<(string Op, KernelFamily Family)> Exercised { get; init; } = new HashSet<(string, KernelFamily)>();

    public static CheckResult Crashed(OpCheck check, string variant, Exception e) =>
        new(check.Name, check.Shape, variant, double.NaN, double.NaN, false, $"{e.GetType().Name}: {e.Message}") { Case = check.Case };
}

/// <summary>
/// A correctness check of one op at one shape: forward against a float64 reference and, for
/// differentiable ops, backward against a float64 gradient. Registered in <see cref="OpChecks"/>, which
/// runs it on every kernel family.
/// </summary>
public abstract class OpCheck
{
    /// <summary>Op name as the table shows it (also used by --op to filter).</summary>
    public abstract string Name { get; }

    /// <summary>Short description of the input shapes.</summary>
    public abstract string Shape { get; }

    /// <summary>What tells this check apart from others of the same op and shapes (kernel, stride, mode), or empty.</summary>
    public virtual string Detail => "";

    /// <summary>The check's unique name, e.g. <c>conv3d [1x3x5x4x6] k3 s1 p1 g1</c>: test names and seeds derive from it.</summary>
    public string Case => Detail.Length == 0 ? $"{Name} {Shape}" : $"{Name} {Shape} {Detail}";

    /// <summary>The methods of <see cref="Ops"/> (or other API) this check covers.</summary>
    public virtual IReadOnlyList<string> Covers => [Name];

    /// <summary>
    /// Rough size of the check's device work (elements touched, or multiply-adds where they dominate). The CUDA
    /// families run on the CPU accelerator as GPU-shaped groups whose barriers are OS-thread rendezvous, so there
    /// a check runs only up to <see cref="OpChecks.EmulatedWorkLimit"/>.
    /// </summary>
    public abstract long Work { get; }

    public abstract CheckResult Run(Device device, int seed);

    /// <summary>||a - b|| / ||b|| (absolute norm when the reference is zero); NaN anywhere gives NaN.</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length) return double.NaN;
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if (!float.IsFinite(actual[i])) return double.NaN;
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
        }
        return norm > 0 ? Math.Sqrt(diff / norm) : Math.Sqrt(diff);
    }

    /// <summary>As <see cref="RelativeError(ReadOnlySpan{float}, ReadOnlySpan{double})"/> for two float64 vectors.</summary>
    public static double RelativeError(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length) return double.NaN;
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if (!double.IsFinite(actual[i])) return double.NaN;
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
        }
        return norm > 0 ? Math.Sqrt(diff / norm) : Math.Sqrt(diff);
    }
}
