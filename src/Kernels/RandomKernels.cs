using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Counter-based random fills and dropout (Philox.cs has the addressing scheme). Items are Float4
/// groups: group g takes Philox block offset + g and writes elements 4g..4g+3 with one 16-byte store,
/// so launch over n / 4 items; thread 0 finishes the partial last group. Seed and offset arrive as int
/// halves (kernel parameters are plain ints and floats). Because element i depends only on
/// (seed, offset, i), the launch shape never changes the numbers.
/// </summary>
[OpKind("elementwise")]
public static class RandomKernels
{
    /// <summary>y = low + scale * u with u uniform in [0, 1) (low = 0, scale = 1 writes u itself, bit-exact).</summary>
    [Kernel]
    public static void Uniform(ArrayView<float> y, int n, float low, float scale, int seedLo, int seedHi, int offsetLo, int offsetHi, int chunk)
    {
        var y4 = y.Cast<Float4>();
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int g = start; g < end; g++)
            {
                var r = Philox.Block(seedLo, seedHi, offsetLo, offsetHi, g);
                y4[g] = new Float4(low + scale * Philox.Uniform(r.X), low + scale * Philox.Uniform(r.Y),
                    low + scale * Philox.Uniform(r.Z), low + scale * Philox.Uniform(r.W));
            }
        }
        if (Work.ThreadIndex == 0 && (n & 3) != 0)
        {
            var r = Philox.Block(seedLo, seedHi, offsetLo, offsetHi, n4);
            for (int i = n4 << 2; i < n; i++) y[i] = low + scale * Philox.Uniform(r.Get(i & 3));
        }
    }

    /// <summary>y = mean + std * z with z standard normal (Box-Muller, Philox.Normal4): weight initialisation.</summary>
    [Kernel]
    public static void Normal(ArrayView<float> y, int n, float mean, float std, int seedLo, int seedHi, int offsetLo, int offsetHi, int chunk)
    {
        var y4 = y.Cast<Float4>();
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int g = start; g < end; g++)
            {
                var z = Philox.Normal4(Philox.Block(seedLo, seedHi, offsetLo, offsetHi, g));
                y4[g] = new Float4(mean + std * z.X, mean + std * z.Y, mean + std * z.Z, mean + std * z.W);
            }
        }
        if (Work.ThreadIndex == 0 && (n & 3) != 0)
        {
            var z = Philox.Normal4(Philox.Block(seedLo, seedHi, offsetLo, offsetHi, n4));
            for (int i = n4 << 2; i < n; i++)
            {
                int j = i & 3;
                y[i] = mean + std * (j == 0 ? z.X : j == 1 ? z.Y : j == 2 ? z.Z : z.W);
            }
        }
    }

    /// <summary>
    /// y (+)= mask * scale * x, mask_i = Philox.Keep(u_i, p), scale = 1 / (1 - p) (0 when p = 1). The
    /// forward (x the input, accumulate 0) and the backward (x = dy, y = dx) are this one kernel: the
    /// backward recomputes the mask from (seed, offset) instead of storing it. Dropped elements are
    /// selected to 0, not multiplied, so p = 1 gives zeros even where x is infinite.
    /// </summary>
    [Kernel]
    public static void Dropout(ArrayView<float> x, ArrayView<float> y, int n, float p, float scale, int accumulate,
        int seedLo, int seedHi, int offsetLo, int offsetHi, int chunk)
    {
        var x4 = x.Cast<Float4>();
        var y4 = y.Cast<Float4>();
        int n4 = n >> 2;
        for (var work = Work.Ranges(n4, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int g = start; g < end; g++)
            {
                var r = Philox.Block(seedLo, seedHi, offsetLo, offsetHi, g);
                var v = x4[g];
                var o = new Float4(Philox.Keep(r.X, p) ? scale * v.X : 0f, Philox.Keep(r.Y, p) ? scale * v.Y : 0f,
                    Philox.Keep(r.Z, p) ? scale * v.Z : 0f, Philox.Keep(r.W, p) ? scale * v.W : 0f);
                if (accumulate != 0)
                {
                    var old = y4[g];
                    o = new Float4(old.X + o.X, old.Y + o.Y, old.Z + o.Z, old.W + o.W);
                }
                y4[g] = o;
            }
        }
        if (Work.ThreadIndex == 0 && (n & 3) != 0)
        {
            var r = Philox.Block(seedLo, seedHi, offsetLo, offsetHi, n4);
            for (int i = n4 << 2; i < n; i++)
            {
                float v = Philox.Keep(r.Get(i & 3), p) ? scale * x[i] : 0f;
                y[i] = accumulate != 0 ? y[i] + v : v;
            }
        }
    }
}
