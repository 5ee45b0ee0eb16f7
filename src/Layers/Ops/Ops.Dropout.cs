using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

public static partial class Ops
{
    /// <summary>
    /// Dropout with PyTorch's semantics: in training each element is zeroed with probability p and the
    /// survivors are scaled by 1 / (1 - p); p = 1 gives zeros. Outside training, or with p = 0, it is the
    /// identity and returns x itself (no copy, nothing recorded). The mask is drawn from a fresh block
    /// range of <paramref name="rng"/> and never stored: the backward recomputes it from (seed, offset).
    /// </summary>
    public static Tensor Dropout(Tensor x, float p, bool training, RandomSource rng)
    {
        if (!(p >= 0f && p <= 1f)) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must lie in [0, 1]");
        if (!training || p == 0f) return x;
        var device = x.Device;
        int n = x.Elements;
        var stream = rng.Reserve(n);
        float scale = DropoutScale(p);
        var y = Tensor.Empty(device, x.Shape);
        RunDropout(x, y, p, scale, accumulate: false, stream);
        Autograd.Record("dropout", y, [x], dy =>
        {
            var dx = Tensor.Empty(device, x.Shape);
            RunDropout(dy, dx, p, scale, accumulate: false, stream);
            Autograd.Accumulate(x, dx);
        });
        return y;
    }

    /// <summary>1 / (1 - p) rounded once from double, as PyTorch scales; 0 for p = 1 (nothing survives).</summary>
    public static float DropoutScale(float p) => p < 1f ? (float)(1.0 / (1.0 - p)) : 0f;

    private static void RunDropout(Tensor x, Tensor y, float p, float scale, bool accumulate, RandomStream s) =>
        x.Device.Run(RandomKernels.Dropout, x.Length / 4, x.View, y.View, x.Elements, p, scale, accumulate ? 1 : 0,
            s.SeedLo, s.SeedHi, s.OffsetLo, s.OffsetHi);
}
