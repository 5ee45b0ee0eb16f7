using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Verification;

/// <summary>One row of the gradcheck table.</summary>
public sealed record CheckResult(string Op, string Shape, string Variant, double ForwardError, double BackwardError, bool Passed, string? Failure = null)
{
    public static CheckResult Crashed(OpCheck check, string variant, Exception e) =>
        new(check.Name, check.Shape, variant, double.NaN, double.NaN, false, $"{e.GetType().Name}: {e.Message}");
}

/// <summary>
/// A correctness check of one op at one shape: forward against a float64 reference and, for
/// differentiable ops, backward against finite differences. Registered in <see cref="OpChecks"/>.
/// </summary>
public abstract class OpCheck
{
    /// <summary>Op name as the table shows it (also used by --op to filter).</summary>
    public abstract string Name { get; }

    /// <summary>Short description of the input shapes.</summary>
    public abstract string Shape { get; }

    /// <summary>The methods of <see cref="Ops"/> (or other API) this check covers.</summary>
    public virtual IReadOnlyList<string> Covers => [Name];

    /// <summary>
    /// Whether the op has a shared-memory/barrier (CUDA) kernel variant besides its CPU sibling; such
    /// checks also run on <see cref="Device.GpuShapedCpu"/> when no GPU is used. Keep their shapes tiny.
    /// </summary>
    public virtual bool HasBarrierVariant => false;

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
}
