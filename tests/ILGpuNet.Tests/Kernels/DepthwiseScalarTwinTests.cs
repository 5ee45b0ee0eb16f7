using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tests.Kernels;

/// <summary>
/// The depthwise convolution's vector units (DepthwiseConv3dKernels.CpuVector.cs) against their scalar twins, on both
/// vector widths this machine runs (AVX-512's 16 lanes and AVX2's 8, whichever the runtime offers), unit by unit: a full
/// block of 16 channels and a tail, shares of the depth planes, strides, paddings and filters of every shape the
/// vector code branches on. The scratch starts as NaN, so a read of anything the unit did not write shows.
/// </summary>
public class DepthwiseScalarTwinTests
{
    private const float Untouched = 7f;

    private static List<int> Widths()
    {
        var widths = new List<int>();
        if (Vector512.IsHardwareAccelerated) widths.Add(16);
        if (Avx2.IsSupported && Fma.IsSupported) widths.Add(8);
        if (widths.Count == 0) widths.Add(0);  // no vector units: the twin against itself still runs the harness
        return widths;
    }

    /// <summary>(n, c, input d h w, kernel, stride, padding).</summary>
    private static readonly (int N, int C, (int, int, int) In, (int, int, int) K, (int, int, int) S, (int, int, int) P)[] Shapes =
    [
        (2, 21, (5, 6, 11), (3, 3, 3), (1, 1, 1), (1, 1, 1)),     // the model's 3x3x3; W blocks of 8 + 4
        (1, 19, (7, 9, 13), (5, 5, 5), (2, 2, 2), (2, 2, 2)),     // 5x5x5 stride 2: two W phases of the input gradient
        (2, 17, (6, 7, 6), (5, 5, 5), (1, 1, 1), (2, 2, 2)),      // 5x5x5 stride 1 on a small map
        (1, 18, (3, 4, 3), (5, 5, 5), (1, 1, 1), (2, 2, 2)),      // filter larger than the map
        (2, 20, (4, 5, 6), (2, 3, 4), (1, 2, 1), (0, 1, 1)),      // even, non-cubic filter
        (1, 21, (3, 2, 7), (3, 1, 5), (2, 1, 1), (1, 0, 2)),
        (1, 17, (2, 3, 23), (1, 1, 9), (1, 1, 2), (0, 0, 4)),     // wide filter: two 5-tap chunks of the weight gradient
        (1, 18, (5, 5, 10), (3, 3, 2), (2, 2, 3), (1, 1, 0)),     // stride above the filter along W: phases without taps
        (2, 33, (1, 1, 36), (1, 1, 1), (1, 1, 1), (0, 0, 0)),     // the 1x1x1 filter on collapsed rows
    ];

    public static TheoryData<int, int> Cases()
    {
        var cases = new TheoryData<int, int>();
        foreach (var lanes in Widths())
            for (int i = 0; i < Shapes.Length; i++) cases.Add(lanes, i);
        return cases;
    }

    private static Conv3dShape Shape(int i)
    {
        var (n, c, (d, h, w), (kd, kh, kw), (sd, sh, sw), (pd, ph, pw)) = Shapes[i];
        return Conv3dShape.Create(n, c, d, h, w, c, kd, kh, kw, sd, sh, sw, pd, ph, pw, c);
    }

    private static float[] Random(Random rng, long count) => Enumerable.Range(0, (int)count).Select(_ => (float)rng.NextDouble() * 2f - 1f).ToArray();

    private static float[] Filled(long count, float value) => Enumerable.Repeat(value, (int)count).ToArray();

    private static void Close(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1f + Math.Abs(expected[i])),
                $"{what}: element {i}: scalar {expected[i]}, vector {actual[i]}");
    }

    [Fact]
    public void EveryUnitHasItsTwin()
    {
        var names = ScalarTwins.Install().Select(p => p.Vector.DeclaringType!.Name + "." + p.Vector.Name + "->" + p.Scalar.Name).ToList();
        Assert.Contains("DepthwiseConv3dKernels.ForwardUnit->ForwardUnitScalar", names);
        Assert.Contains("DepthwiseConv3dKernels.InputGradUnit->InputGradUnitScalar", names);
        Assert.Contains("DepthwiseConv3dKernels.WeightGradUnit->WeightGradUnitScalar", names);
    }

    /// <summary>Every unit of the forward (two blocks of channels, each sample, all output planes or a share), with and without bias.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public unsafe void ForwardUnitMatchesItsTwin(int lanes, int shape)
    {
        var s = Shape(shape);
        var rng = new Random(10 + shape);
        var x = Random(rng, (long)s.N * s.Cin * s.InSpatial);
        var w = Random(rng, (long)s.Cout * s.KernelVolume);
        var bias = Random(rng, s.Cout);
        var scratch = Filled(DepthwiseConv3dKernels.ForwardVectorScratch(s), float.NaN);
        foreach (int hasBias in new[] { 0, 1 })
            foreach (var (od0, od1) in new[] { (0, s.OD), (s.OD / 2, s.OD) })
            {
                var vector = Filled((long)s.N * s.Cout * s.OutSpatial, Untouched);
                var scalar = Filled(vector.Length, Untouched);
                fixed (float* xq = x) fixed (float* wq = w) fixed (float* bq = bias) fixed (float* sq = scratch)
                fixed (float* vq = vector) fixed (float* tq = scalar)
                    for (int n = 0; n < s.N; n++)
                        for (int c0 = 0; c0 < s.Cout; c0 += DepthwiseConv3dKernels.VectorChannels)
                        {
                            DepthwiseConv3dKernels.ForwardUnitOn(lanes, xq, wq, bq, vq, sq, s, hasBias, n, c0, od0, od1);
                            DepthwiseConv3dKernels.ForwardUnitScalar(xq, wq, bq, tq, sq, s, hasBias, n, c0, od0, od1);
                        }
                Close(scalar, vector, $"forward, bias {hasBias}, planes {od0}..{od1}");
                Assert.Equal(od0 == 0, !vector.Contains(Untouched));
            }
    }

    /// <summary>Every unit of the input gradient, written and accumulated, over all input planes or a share.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public unsafe void InputGradUnitMatchesItsTwin(int lanes, int shape)
    {
        var s = Shape(shape);
        var rng = new Random(20 + shape);
        var dy = Random(rng, (long)s.N * s.Cout * s.OutSpatial);
        var w = Random(rng, (long)s.Cout * s.KernelVolume);
        var start = Random(rng, (long)s.N * s.Cin * s.InSpatial);
        var scratch = Filled(DepthwiseConv3dKernels.InputGradVectorScratch(s), float.NaN);
        foreach (int accumulate in new[] { 0, 1 })
            foreach (var (id0, id1) in new[] { (0, s.D), (s.D / 2, s.D) })
            {
                var vector = (float[])start.Clone();
                var scalar = (float[])start.Clone();
                fixed (float* gq = dy) fixed (float* wq = w) fixed (float* sq = scratch) fixed (float* vq = vector) fixed (float* tq = scalar)
                    for (int n = 0; n < s.N; n++)
                        for (int c0 = 0; c0 < s.Cin; c0 += DepthwiseConv3dKernels.VectorChannels)
                        {
                            DepthwiseConv3dKernels.InputGradUnitOn(lanes, gq, wq, vq, sq, s, accumulate, n, c0, id0, id1);
                            DepthwiseConv3dKernels.InputGradUnitScalar(gq, wq, tq, sq, s, accumulate, n, c0, id0, id1);
                        }
                Close(scalar, vector, $"input gradient, accumulate {accumulate}, planes {id0}..{id1}");
            }
    }

    /// <summary>Every block of the weight gradient over all (n, od) planes and over a share that starts and ends inside a sample.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public unsafe void WeightGradUnitMatchesItsTwin(int lanes, int shape)
    {
        var s = Shape(shape);
        var rng = new Random(30 + shape);
        var x = Random(rng, (long)s.N * s.Cin * s.InSpatial);
        var dy = Random(rng, (long)s.N * s.Cout * s.OutSpatial);
        var scratch = Filled(DepthwiseConv3dKernels.WeightGradVectorScratch(s), float.NaN);
        int planes = s.N * s.OD;
        foreach (var (r0, r1) in new[] { (0, planes), (Math.Min(1, planes - 1), Math.Max(planes - 1, 1)) })
        {
            var vector = Filled((long)s.Cout * s.KernelVolume, Untouched);
            var scalar = Filled(vector.Length, Untouched);
            fixed (float* xq = x) fixed (float* gq = dy) fixed (float* sq = scratch) fixed (float* vq = vector) fixed (float* tq = scalar)
                for (int c0 = 0; c0 < s.Cout; c0 += DepthwiseConv3dKernels.VectorChannels)
                {
                    DepthwiseConv3dKernels.WeightGradUnitOn(lanes, xq, gq, vq, sq, s, c0, r0, r1);
                    DepthwiseConv3dKernels.WeightGradUnitScalar(xq, gq, tq, sq, s, c0, r0, r1);
                }
            Close(scalar, vector, $"weight gradient, planes {r0}..{r1}");
            Assert.DoesNotContain(Untouched, vector);
        }
    }
}
