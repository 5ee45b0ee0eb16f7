using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

public static partial class Ops
{
    /// <summary>
    /// The reference model's StochasticDepth(p): in training x / p * (rand(N, 1, 1, 1, 1) &lt; p), i.e. each
    /// sample's whole residual branch is kept with probability <paramref name="survival"/> = p and then
    /// scaled by 1 / p; outside training the identity (returns x itself, nothing recorded). The N uniforms
    /// are values 0..N-1 of a fresh reservation of <paramref name="rng"/> (Philox), drawn on the device, so
    /// a seed gives the same mask on the CPU accelerator and on CUDA. Backward: dx = dy * mask / p.
    /// </summary>
    public static Tensor StochasticDepth(Tensor x, float survival, bool training, RandomSource rng)
    {
        if (!(survival > 0f && survival <= 1f))
            throw new ArgumentOutOfRangeException(nameof(survival), survival, "the survival probability must lie in (0, 1]");
        if (!training) return x;
        if (x.Rank < 1) throw new ArgumentException($"StochasticDepth needs (N, ...), got {x.ShapeText}");
        int samples = x.Dim(0);
        var factors = StochasticDepthFactors(x.Device, samples, survival, rng);
        var y = ScaleRows("stochastic_depth", x, factors, samples);
        if (y.GradFn != null) y.GradFn.Save(factors);
        else factors.Dispose();  // the in-order stream still hands the values to the queued kernel
        return y;
    }

    /// <summary>
    /// Stochastic depth's per-sample factors alone (mask / p, drawn exactly as <see cref="StochasticDepth"/> draws
    /// them): for a residual branch whose last op applies them itself, e.g. BatchNorm3d's fused branch scale.
    /// </summary>
    public static Tensor StochasticDepthFactors(Device device, int samples, float survival, RandomSource rng)
    {
        if (!(survival > 0f && survival <= 1f))
            throw new ArgumentOutOfRangeException(nameof(survival), survival, "the survival probability must lie in (0, 1]");
        var stream = rng.Reserve(samples);
        var factors = Tensor.Empty(device, samples);
        device.Run(StochasticDepthKernels.SampleFactors, samples, factors.View, samples, survival, StochasticDepthScale(survival),
            stream.SeedLo, stream.SeedHi, stream.OffsetLo, stream.OffsetHi);
        return factors;
    }

    /// <summary>1 / p rounded once from double.</summary>
    public static float StochasticDepthScale(float survival) => (float)(1.0 / survival);
}
