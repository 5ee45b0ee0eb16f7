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
}
