using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Kernels;

/// <summary>Blas.GemmSum: one launch that sums products over a batch, bit for bit one GEMM per term.</summary>
public sealed class GemmSumTests
{
    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(19, 13, 37, 3, 1)]   // ragged 8 x 8 blocks, odd depth
    [InlineData(16, 24, 64, 4, 2)]   // two groups (Grid.Y) of a grouped 1x1x1 convolution
    [InlineData(3, 5, 9, 2, 1)]      // skinny shapes: Gemm would take the skinny kernel, GemmSum still one blocked launch
    [InlineData(64, 32, 6, 5, 1)]    // a late layer's small map (k = 6 voxels)
    public void SumsTheTermsInOrderLikeOneGemmPerTerm(int m, int n, int k, int terms, int groups)
    {
        var device = Device.Cpu;
        using var scope = new TensorScope();
        // dY (terms, groups * m, k) and X (terms, groups * n, k): C (groups, m, n) = sum_t dY_t X_t^T per group.
        var a = Tensor.FromArray(device, Random(terms * groups * m * k, 1), terms * groups * m * k);
        var b = Tensor.FromArray(device, Random(terms * groups * n * k, 2), terms * groups * n * k);
        var summed = Tensor.Full(device, float.NaN, groups * m * n);
        Blas.GemmSum(device, a.View, false, b.View, true, summed.View, m, n, k, k, k, n, 1f, 0f,
            terms, (long)groups * m * k, (long)groups * n * k, groups, (long)m * k, (long)n * k, (long)m * n);
        var looped = Tensor.Full(device, float.NaN, groups * m * n);
        for (int t = 0; t < terms; t++)
            Blas.Gemm(device, a.View.SubView((long)t * groups * m * k), false, b.View.SubView((long)t * groups * n * k), true, looped.View,
                m, n, k, k, k, n, 1f, t == 0 ? 0f : 1f, groups, (long)m * k, (long)n * k, (long)m * n);
        var expected = summed.ToArray();
        // Bit for bit where Gemm takes the same blocked kernel; the skinny kernel adds in another order.
        if (!ILGpuNet.Kernels.GemmLaunch.IsSkinny(m, k)) Assert.Equal(looped.ToArray(), expected);

        // And against float64.
        var av = a.ToArray();
        var bv = b.ToArray();
        for (int g = 0; g < groups; g++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int t = 0; t < terms; t++)
                        for (int q = 0; q < k; q++)
                            sum += (double)av[((t * groups + g) * m + i) * k + q] * bv[((t * groups + g) * n + j) * k + q];
                    Assert.InRange(expected[(g * m + i) * n + j] - sum, -1e-5 * (1 + Math.Abs(sum)), 1e-5 * (1 + Math.Abs(sum)));
                }
    }
}
