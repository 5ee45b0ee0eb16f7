using ILGpuNet.Kernels;

namespace ILGpuNet.Tests.Kernels;

/// <summary>The vector CPU code and the scalar twins ILGPU compiles in its place (Kernels/ScalarTwin.cs) compute the same.</summary>
public class ScalarTwinTests
{
    [Fact]
    public void EveryMarkedMethodHasItsTwin()
    {
        var names = ScalarTwins.Install().Select(p => p.Vector.Name + "->" + p.Scalar.Name).ToList();
        Assert.Contains("ForwardBlock->ForwardBlockScalar", names);
        Assert.Contains("WeightGradSplit->WeightGradSplitScalar", names);
        Assert.Contains("BroadcastBlock->BroadcastBlockScalar", names);
        Assert.Contains("DotBlock->DotBlockScalar", names);
        Assert.Contains("AdamRange->AdamRangeScalar", names);
        Assert.Contains("SquaredNormRange->SquaredNormRangeScalar", names);
        foreach (var row in new[] { "Sum", "ScaleAdd", "ScaleDot", "ForwardRow", "StatsBlock", "SiluFromOutputBlock", "IdentityBackwardBlock", "IdentityInputRow", "InputFromGRow" })
            Assert.Contains($"{row}->{row}Scalar", names);
    }

    private static float[] Draw(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();

    /// <summary>
    /// Every 6 x 64 block of a 13 x 150 product (full blocks, a row tail and a masked column tail), op(A) stored as is
    /// and transposed, with beta 0 over NaN and beta 0.5 over values.
    /// </summary>
    [Theory]
    [InlineData(0, 0f)]
    [InlineData(1, 0.5f)]
    public unsafe void BroadcastBlockMatchesItsTwin(int transA, float beta)
    {
        const int m = 13, n = 150, k = 37;
        var rng = new Random(11 + transA);
        var a = Draw(rng, m * k);
        var b = Draw(rng, k * n);
        var c0 = beta == 0f ? Enumerable.Repeat(float.NaN, m * n).ToArray() : Draw(rng, m * n);
        var vector = (float[])c0.Clone();
        var scalar = (float[])c0.Clone();
        int lda = transA == 0 ? k : m;
        fixed (float* aq = a) fixed (float* bq = b) fixed (float* vq = vector) fixed (float* sq = scalar)
            for (int m0 = 0; m0 < m; m0 += GemmKernels.VectorRows)
                for (int n0 = 0; n0 < n; n0 += GemmKernels.VectorColumns)
                {
                    GemmKernels.BroadcastBlock(aq, bq, vq, m0, n0, m, n, k, lda, n, n, transA, 1.5f, beta);
                    GemmKernels.BroadcastBlockScalar(aq, bq, sq, m0, n0, m, n, k, lda, n, n, transA, 1.5f, beta);
                }
        for (int i = 0; i < vector.Length; i++) Assert.Equal(scalar[i], vector[i], 1e-4f);
    }

    /// <summary>Every 4 x 4 block of a 7 x 10 product of A and B^T with k = 70 (four vectors and a masked tail).</summary>
    [Fact]
    public unsafe void DotBlockMatchesItsTwin()
    {
        const int m = 7, n = 10, k = 70;
        var rng = new Random(12);
        var a = Draw(rng, m * k);
        var b = Draw(rng, n * k);
        var c0 = Draw(rng, m * n);
        var vector = (float[])c0.Clone();
        var scalar = (float[])c0.Clone();
        fixed (float* aq = a) fixed (float* bq = b) fixed (float* vq = vector) fixed (float* sq = scalar)
            for (int m0 = 0; m0 < m; m0 += GemmKernels.DotTile)
                for (int n0 = 0; n0 < n; n0 += GemmKernels.DotTile)
                {
                    GemmKernels.DotBlock(aq, bq, vq, m0, n0, m, n, k, k, k, n, -1f, 0.25f);
                    GemmKernels.DotBlockScalar(aq, bq, sq, m0, n0, m, n, k, k, k, n, -1f, 0.25f);
                }
        for (int i = 0; i < vector.Length; i++) Assert.Equal(scalar[i], vector[i], 1e-4f);
    }

    /// <summary>The vector Adam performs the scalar one's operations in the same order: equal bit for bit, tail included.</summary>
    [Fact]
    public unsafe void AdamRangeMatchesItsTwinExactly()
    {
        const int n = 16 * 5 + 7;
        var rng = new Random(13);
        var p = Draw(rng, n);
        var g = Draw(rng, n);
        var m = Draw(rng, n);
        var v = Draw(rng, n).Select(Math.Abs).ToArray();
        var h = new AdamHyper { OneMinusBeta1 = 0.1f, OneMinusBeta2 = 0.001f, Eps = 1e-8f, StepSize = 1e-3f / 0.19f, Bc2Sqrt = 0.0447f,
            L2 = 0.01f, Decay = 0.999f, ScaleGrad = 1 };
        float[][] vectorState = [(float[])p.Clone(), (float[])g.Clone(), (float[])m.Clone(), (float[])v.Clone()];
        float[][] scalarState = [p, g, m, v];
        fixed (float* p1 = vectorState[0]) fixed (float* g1 = vectorState[1]) fixed (float* m1 = vectorState[2]) fixed (float* v1 = vectorState[3])
        fixed (float* p2 = scalarState[0]) fixed (float* g2 = scalarState[1]) fixed (float* m2 = scalarState[2]) fixed (float* v2 = scalarState[3])
        {
            OptimizerKernels.AdamRange(p1, g1, m1, v1, 0.7f, h, 3, n);
            OptimizerKernels.AdamRangeScalar(p2, g2, m2, v2, 0.7f, h, 3, n);
        }
        for (int s = 0; s < 4; s++) Assert.Equal(scalarState[s], vectorState[s]);
    }

    [Fact]
    public unsafe void SquaredNormRangeMatchesItsTwin()
    {
        var x = Draw(new Random(14), 3000);
        fixed (float* xq = x)
            Assert.Equal(OptimizerKernels.SquaredNormRangeScalar(xq, 5, 2999), OptimizerKernels.SquaredNormRange(xq, 5, 2999), 1e-3f);
    }

    /// <summary>A 70-channel, 6-voxel block (a full 64-channel block and a tail) of a strided 2-channel convolution.</summary>
    [Fact]
    public unsafe void ForwardBlockMatchesItsTwin()
    {
        var s = Conv3dShape.Create(1, 2, 5, 6, 20, 70, 3, 2, 3, 2, 1, 2, 1, 1, 1);
        int pw = s.W + 2 * s.PW, ph = s.H + 2 * s.PH, pd = s.D + 2 * s.PD, coPad = Conv3dKernels.CpuVectorChannelPad(s);
        int kdim = s.Cin * s.KernelVolume;
        var rng = new Random(5);
        var x = Enumerable.Range(0, s.Cin * pd * ph * pw + Conv3dKernels.CpuInputSlack(s)).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var wt = Enumerable.Range(0, kdim * coPad).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var bias = Enumerable.Range(0, s.Cout).Select(_ => (float)rng.NextDouble()).ToArray();
        int os = s.OutSpatial;
        var vector = new float[s.Cout * os];
        var scalar = new float[s.Cout * os];
        fixed (float* xq = x) fixed (float* wq = wt) fixed (float* bq = bias) fixed (float* vq = vector) fixed (float* sq = scalar)
            for (int co0 = 0; co0 < s.Cout; co0 += Conv3dKernels.VectorBlockChannels)
            {
                int channels = Math.Min(Conv3dKernels.VectorBlockChannels, s.Cout - co0);
                Conv3dKernels.ForwardBlock(xq + pw, wq + co0, vq + (long)co0 * os + 1, bq + co0, 1, s, coPad, channels, 6);
                Conv3dKernels.ForwardBlockScalar(xq + pw, wq + co0, sq + (long)co0 * os + 1, bq + co0, 1, s, coPad, channels, 6);
            }
        for (int i = 0; i < vector.Length; i++) Assert.Equal(scalar[i], vector[i], 1e-4f);
        Assert.Contains(vector, v => v != 0f);
    }

    /// <summary>A split over all rows of a batch-2, 2-group convolution with 40 channels per group.</summary>
    [Fact]
    public unsafe void WeightGradSplitMatchesItsTwin()
    {
        var s = Conv3dShape.Create(2, 4, 4, 3, 9, 80, 2, 3, 3, 1, 1, 2, 0, 1, 1, 2);
        int pw = s.W + 2 * s.PW, ph = s.H + 2 * s.PH, pd = s.D + 2 * s.PD;
        int kdim = s.CinPerGroup * s.KernelVolume, rows = s.N * s.OD * s.OH, rowsPerChunk = 2;
        var rng = new Random(6);
        var x = Enumerable.Range(0, s.N * s.Cin * pd * ph * pw + Conv3dKernels.CpuInputSlack(s)).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var dy = Enumerable.Range(0, s.N * s.Cout * s.OutSpatial).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var scratch = new float[rowsPerChunk * s.OW * Conv3dKernels.VectorBlockChannels];
        var vector = new float[s.Cout * kdim];
        var scalar = new float[s.Cout * kdim];
        fixed (float* xq = x) fixed (float* dq = dy) fixed (float* tq = scratch) fixed (float* vq = vector) fixed (float* sq = scalar)
        {
            Conv3dKernels.WeightGradSplit(xq, dq, vq, tq, s, 1, rows, rowsPerChunk);
            Conv3dKernels.WeightGradSplitScalar(xq, dq, sq, tq, s, 1, rows, rowsPerChunk);
        }
        for (int i = 0; i < vector.Length; i++) Assert.Equal(scalar[i], vector[i], 1e-3f);
        Assert.Contains(vector, v => v != 0f);
    }

    /// <summary>The batchnorm rows for SiLU with a residual and for identity, 16-lane vectors and a tail of 5.</summary>
    [Fact]
    public unsafe void BatchNormRowsMatchTheirTwins()
    {
        const int n = 16 * 3 + 5;
        var rng = new Random(15);
        var x = Draw(rng, n).Select(v => 8 * v).ToArray();
        var r = Draw(rng, n);
        var dy = Draw(rng, n);
        float[] vector = new float[n], scalar = new float[n], gv = new float[n], gs = new float[n];
        fixed (float* xq = x) fixed (float* rq = r) fixed (float* dq = dy) fixed (float* vq = vector) fixed (float* sq = scalar)
        fixed (float* gvq = gv) fixed (float* gsq = gs)
        {
            BatchNormKernels.ForwardRow(xq, vq, rq, n, 0.1f, 1.3f, -0.2f, 0.9f, BatchNormKernels.VectorActSilu, 1);
            BatchNormKernels.ForwardRowScalar(xq, sq, rq, n, 0.1f, 1.3f, -0.2f, 0.9f, BatchNormKernels.VectorActSilu, 1);
            for (int i = 0; i < n; i++) Assert.Equal(scalar[i], vector[i], 1e-5f);

            // SiLU's backward from its own output y (one value at z = 0 exactly: the sigmoid's limit 1/2).
            x[7] = 0.1f;
            BatchNormKernels.ForwardRowScalar(xq, sq, rq, n, 0.1f, 1.3f, 0f, 1f, BatchNormKernels.VectorActSilu, 0);
            var a = BatchNormKernels.SiluFromOutputBlock(xq, sq, dq, gvq, 0, n, 0.1f, 1.3f, 0f, 1);
            var b = BatchNormKernels.SiluFromOutputBlockScalar(xq, sq, dq, gsq, 0, n, 0.1f, 1.3f, 0f, 1);
            Assert.Equal(b.S1, a.S1, 1e-4f);
            Assert.Equal(b.S2, a.S2, 1e-4f);
            for (int i = 0; i < n; i++) Assert.Equal(gs[i], gv[i], 1e-5f);

            var s = BatchNormKernels.StatsBlock(xq, 2, n, 0.3f);
            var t = BatchNormKernels.StatsBlockScalar(xq, 2, n, 0.3f);
            Assert.Equal(t.S1, s.S1, 1e-3f);
            Assert.Equal(t.S2, s.S2, 1e-2f);
            var u = BatchNormKernels.IdentityBackwardBlock(xq, dq, 1, n, 0.2f, 0.8f);
            var w = BatchNormKernels.IdentityBackwardBlockScalar(xq, dq, 1, n, 0.2f, 0.8f);
            Assert.Equal(w.S1, u.S1, 1e-4f);
            Assert.Equal(w.S2, u.S2, 1e-3f);

            BatchNormKernels.IdentityInputRow(xq, dq, vq, n, 0.2f, 0.8f, 1.1f, -0.3f, 0.05f);
            BatchNormKernels.IdentityInputRowScalar(xq, dq, sq, n, 0.2f, 0.8f, 1.1f, -0.3f, 0.05f);
            for (int i = 0; i < n; i++) Assert.Equal(scalar[i], vector[i], 1e-5f);
            BatchNormKernels.InputFromGRow(xq, vq, n, 1.1f, -0.3f, 0.05f);
            BatchNormKernels.InputFromGRowScalar(xq, sq, n, 1.1f, -0.3f, 0.05f);
            for (int i = 0; i < n; i++) Assert.Equal(scalar[i], vector[i], 1e-5f);
        }
    }

    /// <summary>The row loops of the CPU kernels: 16-lane vectors, whole 512-value blocks and a tail.</summary>
    [Fact]
    public unsafe void CpuRowsMatchTheirTwins()
    {
        const int n = 512 * 2 + 16 * 3 + 7;
        var rng = new Random(16);
        var x = Draw(rng, n);
        var dy = Draw(rng, n);
        float[] vector = new float[n], scalar = new float[n];
        fixed (float* xq = x) fixed (float* gq = dy) fixed (float* vq = vector) fixed (float* sq = scalar)
        {
            Assert.Equal(CpuRows.SumScalar(xq + 1, n - 1), CpuRows.Sum(xq + 1, n - 1), 1e-3f);
            CpuRows.ScaleAdd(xq, vq, n, 1.5f, -0.25f);
            CpuRows.ScaleAddScalar(xq, sq, n, 1.5f, -0.25f);
            Assert.Equal(scalar, vector);
            float a = CpuRows.ScaleDot(gq, xq, vq, n - 3, 0.7f, 1);
            float b = CpuRows.ScaleDotScalar(gq, xq, sq, n - 3, 0.7f, 1);
            Assert.Equal(b, a, 1e-3f);
            Assert.Equal(scalar, vector);
        }
    }
}
