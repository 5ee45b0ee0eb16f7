using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

/// <summary>
/// The reference model's StochasticDepth(p): in training each sample's residual branch survives with
/// probability p and is scaled by 1 / p; in evaluation the identity. No parameters or buffers.
/// </summary>
public sealed class StochasticDepth(float survival, RandomSource rng) : Module
{
    public float Survival { get; } = survival > 0f && survival <= 1f
        ? survival
        : throw new ArgumentOutOfRangeException(nameof(survival), survival, "the survival probability must lie in (0, 1]");

    public Tensor Forward(Tensor x) => Ops.StochasticDepth(x, Survival, Training, rng);

    /// <summary>
    /// The per-sample factors (mask / p) for a branch that applies them itself (BatchNorm3d's fused branch
    /// scale), or null where the branch passes unchanged: evaluation, or p = 1.
    /// </summary>
    public Tensor? Factors(Device device, int samples) =>
        Training && Survival < 1f ? Ops.StochasticDepthFactors(device, samples, Survival, rng) : null;
}
