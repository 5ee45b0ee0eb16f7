using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Layers;

/// <summary>The fused channel scale against the unfused broadcast Mul, and squeeze-excitation against its composition.</summary>
public class SqueezeExcitationTests
{
    private static Tensor Leaf(Device device, float[] data, params int[] shape)
    {
        var t = Tensor.FromArray(device, data, shape);
        t.RequiresGrad = true;
        return t;
    }

    private static float[] Randoms(Random rng, int n, double scale = 1) => Enumerable.Range(0, n).Select(_ => (float)(scale * CheckInput.Gaussian(rng))).ToArray();

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++) { diff += Math.Pow(expected[i] - actual[i], 2); norm += Math.Pow(expected[i], 2); }
        Assert.True(Math.Sqrt(diff / Math.Max(norm, 1e-30)) <= tolerance, $"relative error {Math.Sqrt(diff / norm):E2} > {tolerance:E1}");
    }

    public static IEnumerable<object[]> ScaleCases() =>
    [
        [false, new[] { 2, 8, 5, 6, 8 }],  // Float4 rows
        [false, new[] { 2, 8, 5, 6, 7 }],  // odd rows
        [false, new[] { 1, 2, 23, 28, 23 }],  // the model's first SE volume (after the stem and pooling)
        [true, new[] { 2, 3, 4, 4, 5 }],   // CUDA variant, tiny
        [true, new[] { 1, 1, 9, 9, 9 }],   // CUDA variant, odd row in several slices
    ];

    [Theory]
    [MemberData(nameof(ScaleCases))]
    public void FusedChannelScaleMatchesTheUnfusedBroadcastMul(bool cudaVariant, int[] shape)
    {
        var device = cudaVariant ? Device.GpuShapedCpu : Device.Cpu;
        var rng = new Random(shape.Sum());
        int n = shape[0], c = shape[1], length = shape.Aggregate(1, (a, b) => a * b);
        var xv = Randoms(rng, length);
        var sv = Randoms(rng, n * c);
        var dyv = Randoms(rng, length);
        float[] Run(bool fused, out float[] dx, out float[] ds)
        {
            using var scope = new TensorScope();
            var x = Leaf(device, xv, shape);
            var s = Leaf(device, sv, n, c, 1, 1, 1);
            var y = fused ? Ops.ChannelScale(x, s) : Ops.Mul(x, s);
            var yv = y.ToArray();
            Autograd.Backward(y, Tensor.FromArray(device, dyv, shape));
            dx = x.Grad!.ToArray();
            ds = s.Grad!.ToArray();
            x.Grad.Dispose();
            s.Grad.Dispose();
            return yv;
        }
        var y1 = Run(true, out var dx1, out var ds1);
        var y2 = Run(false, out var dx2, out var ds2);
        Assert.Equal(y2, y1);    // the same single product per element
        Assert.Equal(dx2, dx1);
        AssertClose(ds2, ds1, 1e-5);  // sums in another order
        // Repeatable bit for bit.
        Run(true, out _, out var ds3);
        Assert.Equal(ds1, ds3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SqueezeExcitationEqualsItsComposition(bool cudaVariant)
    {
        var device = cudaVariant ? Device.GpuShapedCpu : Device.Cpu;
        const int n = 2, c = 8, r = 2;
        int[] shape = [n, c, 3, 4, 3];
        var rng = new Random(21);
        var xv = Randoms(rng, n * c * 36);
        var w1v = Randoms(rng, r * c, 0.5);
        var b1v = Randoms(rng, r);
        var w2v = Randoms(rng, c * r, 0.5);
        var b2v = Randoms(rng, c);
        var dyv = Randoms(rng, n * c * 36);
        float[][] Run(bool fused)
        {
            using var scope = new TensorScope();
            var x = Leaf(device, xv, shape);
            var w1 = Leaf(device, w1v, r, c, 1, 1, 1);
            var b1 = Leaf(device, b1v, r);
            var w2 = Leaf(device, w2v, c, r, 1, 1, 1);
            var b2 = Leaf(device, b2v, c);
            Tensor y;
            if (fused)
            {
                y = Ops.SqueezeExcitation(x, w1, b1, w2, b2);
            }
            else
            {
                var pooled = Ops.Reshape(Ops.AdaptiveAvgPool3d1(x), n, c);
                var hidden = Ops.Silu(Ops.Linear(pooled, Ops.Reshape(w1, r, c), b1));
                var gate = Ops.Sigmoid(Ops.Linear(hidden, Ops.Reshape(w2, c, r), b2));
                y = Ops.Mul(x, Ops.Reshape(gate, n, c, 1, 1, 1));
            }
            var result = new List<float[]> { y.ToArray() };
            Autograd.Backward(y, Tensor.FromArray(device, dyv, shape));
            foreach (var t in new[] { x, w1, b1, w2, b2 })
            {
                Assert.Equal(t.Shape, t.Grad!.Shape);
                result.Add(t.Grad.ToArray());
                t.Grad.Dispose();
            }
            return result.ToArray();
        }
        var fusedResult = Run(true);
        var composed = Run(false);
        for (int k = 0; k < fusedResult.Length; k++) AssertClose(composed[k], fusedResult[k], 1e-5);
        var reference = Reference.SqueezeExcitation(xv.Select(v => (double)v).ToArray(), w1v.Select(v => (double)v).ToArray(),
            b1v.Select(v => (double)v).ToArray(), w2v.Select(v => (double)v).ToArray(), b2v.Select(v => (double)v).ToArray(), n, c, 36);
        AssertClose(reference.Select(v => (float)v).ToArray(), fusedResult[0], 1e-5);
    }

    [Fact]
    public void TheModelsLargestGateRunsAtItsRealSize()
    {
        // features.8: MBConv3d(256, 512, k=1), hidden 1536, SE(1536, 64) on the 3 x 4 x 3 map.
        var device = Device.Cpu;
        const int n = 2, c = 1536, r = 64;
        var rng = new Random(8);
        var xv = Randoms(rng, n * c * 36);
        var p = new[] { Randoms(rng, r * c, 0.02), Randoms(rng, r, 0.02), Randoms(rng, c * r, 0.1), Randoms(rng, c, 0.1) };
        using var scope = new TensorScope();
        var x = Leaf(device, xv, n, c, 3, 4, 3);
        var y = Ops.SqueezeExcitation(x, Leaf(device, p[0], r, c, 1, 1, 1), Leaf(device, p[1], r), Leaf(device, p[2], c, r, 1, 1, 1), Leaf(device, p[3], c));
        var expected = Reference.SqueezeExcitation(xv.Select(v => (double)v).ToArray(), p[0].Select(v => (double)v).ToArray(),
            p[1].Select(v => (double)v).ToArray(), p[2].Select(v => (double)v).ToArray(), p[3].Select(v => (double)v).ToArray(), n, c, 36);
        AssertClose(expected.Select(v => (float)v).ToArray(), y.ToArray(), 1e-5);
    }

    [Fact]
    public void WrongParameterShapesAreClearErrors()
    {
        using var scope = new TensorScope();
        var d = Device.Cpu;
        var x = Tensor.Zeros(d, 1, 6, 2, 2, 2);
        Assert.Throws<ArgumentException>(() => Ops.SqueezeExcitation(x, Tensor.Zeros(d, 2, 5, 1, 1, 1), Tensor.Zeros(d, 2), Tensor.Zeros(d, 6, 2, 1, 1, 1), Tensor.Zeros(d, 6)));
        Assert.Throws<ArgumentException>(() => Ops.SqueezeExcitation(x, Tensor.Zeros(d, 2, 6, 1, 1, 1), Tensor.Zeros(d, 3), Tensor.Zeros(d, 6, 2, 1, 1, 1), Tensor.Zeros(d, 6)));
        Assert.Throws<ArgumentException>(() => Ops.ChannelScale(x, Tensor.Zeros(d, 6)));
        Assert.Throws<ArgumentException>(() => Ops.ChannelScale(x, Tensor.Zeros(d, 1, 5, 1, 1, 1)));
    }

    [Fact]
    public void ChannelScaleKernelsCompileForSm90()
    {
        var results = PtxCompiler.CompileAll("sm_90", "ChannelScaleKernels").ToList();
        Assert.Equal(4, results.Count);  // Scale, ScaleCpu, ScaleBackwardCpu, ScaleBackwardCuda
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Kernel}: {r.Error}"));
    }
}
