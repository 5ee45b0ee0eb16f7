using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;
using Device = ILGpuNet.Tensors.Device;

namespace ILGpuNet.Tests.Kernels;

/// <summary>
/// The tensor-core kernels on the GPU-shaped CPU accelerator, where the MMA is emulated in its fragment layout (TF32
/// rounding of the operands, FP32 sums): their tiling and fragment indexing against float64 references, with
/// tolerances per precision (TF32 ~1e-3 relative, 3xTF32 ~1e-5), and proof that the rounding is applied at all.
/// </summary>
public class TensorCoreTests(GemmFixture fx) : IClassFixture<GemmFixture>
{
    /// <summary>TF32 keeps 10 mantissa bits: relative errors of a product are around 2^-11 per operand.</summary>
    private const double Tf32Tolerance = 3e-3;

    /// <summary>3xTF32 keeps about 21 bits per operand: FP32-level results.</summary>
    private const double Tf32x3Tolerance = 1e-5;

    [Fact]
    public void Tf32RoundingIsToNearestWithTiesAwayFromZero()
    {
        float ulp = MathF.Pow(2, -10);  // TF32's spacing at 1
        Assert.Equal(1f, TensorCoreMma.RoundToTf32(1f + ulp / 4));
        Assert.Equal(1f + ulp, TensorCoreMma.RoundToTf32(1f + ulp / 2));  // a tie rounds away from zero
        Assert.Equal(-(1f + ulp), TensorCoreMma.RoundToTf32(-(1f + ulp / 2)));
        Assert.Equal(1f + ulp, TensorCoreMma.RoundToTf32(1f + 3 * ulp / 4));
        Assert.Equal(2f, TensorCoreMma.RoundToTf32(2f - ulp / 4));  // the carry runs into the exponent
        Assert.Equal(float.PositiveInfinity, TensorCoreMma.RoundToTf32(float.MaxValue));
        Assert.Equal(float.NegativeInfinity, TensorCoreMma.RoundToTf32(float.NegativeInfinity));
        Assert.True(float.IsNaN(TensorCoreMma.RoundToTf32(float.NaN)));
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(TensorCoreMma.RoundToTf32(0.1f)) & 0x1FFFu);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 5)]
    [InlineData(true, 5)]
    public void TheWarpTileStepComputesItsFragmentsSums(bool split, int steps)
    {
        var rnd = new Random(17 + steps);
        int k = steps * TensorCoreMma.StepK, rows = TensorCoreMma.WarpRows, cols = TensorCoreMma.WarpColumns;
        var a = Enumerable.Range(0, k * rows).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();  // k-major
        var b = Enumerable.Range(0, k * cols).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();
        var c = Run(split, a, b, steps);
        double err = 0, errRounded = 0, norm = 0;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                double exact = 0, rounded = 0;
                for (int p = 0; p < k; p++)
                {
                    exact += (double)a[p * rows + i] * b[p * cols + j];
                    rounded += (double)TensorCoreMma.RoundToTf32(a[p * rows + i]) * TensorCoreMma.RoundToTf32(b[p * cols + j]);
                }
                err += Math.Pow(c[i * cols + j] - exact, 2);
                errRounded += Math.Pow(c[i * cols + j] - rounded, 2);
                norm += exact * exact;
            }
        err = Math.Sqrt(err / norm);
        errRounded = Math.Sqrt(errRounded / norm);
        if (split)
        {
            Assert.True(err < Tf32x3Tolerance, $"3xTF32 relative error {err:E2}");
        }
        else
        {
            // The sums of TF32-rounded operands, to FP32 summation error; visibly off the exact product.
            Assert.True(errRounded < 1e-6, $"TF32 vs the rounded operands' product: {errRounded:E2}");
            Assert.True(err > 1e-5 && err < Tf32Tolerance, $"TF32 relative error {err:E2}");
        }
    }

    private float[] Run(bool split, float[] a, float[] b, int steps)
    {
        var acc = fx.GpuShaped;
        using var da = acc.Allocate1D(a);
        using var db = acc.Allocate1D(b);
        using var dc = acc.Allocate1D<float>(TensorCoreMma.WarpRows * TensorCoreMma.WarpColumns);
        var config = new KernelConfig(1, 32);
        if (split)
            acc.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(TensorCoreMma.WarpTileProduct<Tf32x3Mma>)(
                acc.DefaultStream, config, da.View, db.View, dc.View, steps);
        else
            acc.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(TensorCoreMma.WarpTileProduct<Tf32Mma>)(
                acc.DefaultStream, config, da.View, db.View, dc.View, steps);
        acc.Synchronize();
        return dc.GetAsArray1D();
    }

    [Theory]
    [InlineData(0, 37, 45, 29, 1f, 0f, 1)]
    [InlineData(1, 37, 45, 29, 0.5f, 0f, 1)]
    [InlineData(2, 37, 45, 29, 1f, 2f, 1)]
    [InlineData(3, 37, 45, 29, -1f, 0.5f, 1)]
    [InlineData(0, 130, 131, 19, 1f, 0f, 1)]
    [InlineData(3, 5, 7, 3, 1f, 0f, 2)]
    [InlineData(1, 20, 9, 16, 1.5f, -1f, 3)]
    [InlineData(2, 9, 17, 1, 1f, 0.5f, 1)]
    public void TensorCoreGemmMatchesTheReference(int ops, int m, int n, int k, float alpha, float beta, int batch)
    {
        foreach (bool split in new[] { false, true })
        {
            var p = GemmKernelTests.Problem.Create(ops * 31 + m + n + k, m, n, k, ops, alpha, beta, batch, pad: 3, offset: 2);
            double err = p.Check(RunGemm(split, p));
            double tolerance = split ? Tf32x3Tolerance : Tf32Tolerance;
            Assert.True(err < tolerance, $"{(split ? "3xTF32" : "TF32")} ops {ops} {m}x{n}x{k} batch {batch}: relative error {err:E2}");
        }
    }

    [Fact]
    public void TensorCoreGemmRoundsToTf32()
    {
        // Operands with low mantissa bits set: TF32 drops them, FP32 and 3xTF32 keep them.
        var p = GemmKernelTests.Problem.Create(5, 64, 64, 64, 0, 1f, 0f);
        double tf32 = p.Check(RunGemm(false, p)), tf32x3 = p.Check(RunGemm(true, p));
        Assert.True(tf32 > 1e-5, $"TF32 relative error {tf32:E2}: operands not rounded");
        Assert.True(tf32x3 < tf32 / 50, $"3xTF32 {tf32x3:E2} vs TF32 {tf32:E2}");
    }

    /// <summary>Blas on the GPU-shaped TF32 device picks the tensor-core GEMM (tensor cores first, CUDA cores for the rest).</summary>
    [Fact]
    public void TheTf32DeviceRunsTheTensorCoreGemm()
    {
        var device = Device.GpuShapedTensorCoreCpu;
        Assert.Equal(Precision.Tf32, device.EffectivePrecision);
        Assert.Equal([KernelFamily.CudaTensorCore, KernelFamily.CudaSimt], device.Families);
        var p = GemmKernelTests.Problem.Create(11, 33, 70, 41, GemmKernels.TransB, 1f, 0f);
        var used = new HashSet<(string Op, KernelFamily Family)>();
        float[] c;
        using (KernelVariantUsage.Record(used))
        {
            using var a = Tensor.FromArray(device, p.A, p.A.Length);
            using var b = Tensor.FromArray(device, p.B, p.B.Length);
            using var ct = Tensor.FromArray(device, p.C0, p.C0.Length);
            Blas.Gemm(device, a.View, false, b.View, true, ct.View, p.M, p.N, p.K, p.Lda, p.Ldb, p.Ldc, p.Alpha, p.Beta);
            c = ct.ToArray();
        }
        Assert.Contains(("gemm", KernelFamily.CudaTensorCore), used);
        double err = p.Check(c);
        Assert.True(err > 1e-5 && err < Tf32Tolerance, $"TF32 relative error {err:E2}");
    }

    /// <summary>
    /// The inline PTX keeps every sum in registers: no local memory anywhere in the tensor-core kernels (an EmitRef or an
    /// asm output ILGPU routes through a stack slot would show as .local), and the MMAs per k8 step are all there.
    /// </summary>
    [Fact]
    public void TensorCoreKernelsUseNoLocalMemory()
    {
        var results = PtxCompiler.CompileAll("sm_90", "TensorCore").Concat(PtxCompiler.CompileAll("sm_90", "GemmTf32")).ToList();
        Assert.Contains(results, r => r.Kernel == "GemmKernels.GemmTf32");
        foreach (var r in results)
        {
            Assert.True(r.Ok, $"{r.Kernel}: {r.Error}");
            Assert.DoesNotContain(".local", r.Ptx!);
            int mma = System.Text.RegularExpressions.Regex.Matches(r.Ptx!, @"mma\.sync\.aligned\.m16n8k8\.row\.col\.f32\.tf32\.tf32\.f32").Count;
            Assert.True(mma % 16 == 0 && mma > 0, $"{r.Kernel}: {mma} mma.sync");
            Assert.Equal(r.Kernel.EndsWith("Tf32x3Mma") || r.Kernel.EndsWith("Tf32x3"), mma % 48 == 0);
            Assert.Contains("cvt.rna.tf32.f32", r.Ptx!);
        }
    }

    /// <summary>
    /// Conv3d on the GPU-shaped TF32 device: the tensor-core forward, the input gradient through it (the forward of the
    /// dilated dY) and the weight gradient (split over the voxels, the last split adding), against the float64 references at odd sizes, strides, padding and groups.
    /// </summary>
    [Theory]
    [InlineData(2, 1, 5, 9, 8, 7, 3, 3, 3, 2, 1, 1)]   // the stem's shape class: one input channel, stride 2, padded
    [InlineData(1, 4, 6, 5, 6, 4, 3, 1, 2, 1, 0, 2)]   // grouped, uneven kernel, unpadded
    [InlineData(1, 3, 70, 4, 5, 3, 2, 2, 2, 1, 1, 1)]  // more output channels than one 64-row tile
    public void TensorCoreConv3dMatchesTheReference(int n, int cin, int cout, int d, int h, int w, int kd, int kh, int kw,
        int stride, int pad, int groups)
    {
        var device = Device.GpuShapedTensorCoreCpu;
        var s = Conv3dShape.Create(n, cin, d, h, w, cout, kd, kh, kw, stride, stride, stride, pad, pad, pad, groups);
        var rnd = new Random(cin * 31 + cout);
        float[] Draw(long count) => Enumerable.Range(0, (int)count).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();
        var xs = Draw((long)n * cin * d * h * w);
        var ws = Draw((long)cout * (cin / groups) * kd * kh * kw);
        var bs = Draw(cout);
        var dys = Draw((long)n * cout * s.OutSpatial);
        var used = new HashSet<(string Op, KernelFamily Family)>();
        float[] y, dx, dw;
        using (KernelVariantUsage.Record(used))
        using (var scope = new TensorScope())
        {
            var x = Tensor.FromArray(device, xs, n, cin, d, h, w);
            x.RequiresGrad = true;
            var weight = Tensor.FromArray(device, ws, cout, cin / groups, kd, kh, kw);
            weight.RequiresGrad = true;
            var bias = Tensor.FromArray(device, bs, cout);
            var output = Ops.Conv3d(x, weight, bias, (stride, stride, stride), (pad, pad, pad), groups);
            y = output.ToArray();
            Autograd.Backward(output, Tensor.FromArray(device, dys, output.Shape));
            dx = x.Grad!.ToArray();
            dw = weight.Grad!.ToArray();
        }
        Assert.Contains(("conv3d", KernelFamily.CudaTensorCore), used);
        double[] D(float[] v) => v.Select(e => (double)e).ToArray();
        var yRef = Reference.Conv3d(D(xs), D(ws), D(bs), s);
        var (dxRef, dwRef, _) = Reference.Conv3dBackward(D(xs), D(ws), D(dys), s);
        double ey = RelativeError(y, yRef), edx = RelativeError(dx, dxRef), edw = RelativeError(dw, dwRef);
        Assert.True(ey > 1e-6 && ey < Tf32Tolerance, $"forward: TF32 relative error {ey:E2}");
        Assert.True(edx > 1e-6 && edx < Tf32Tolerance, $"input gradient: TF32 relative error {edx:E2}");
        Assert.True(edw > 1e-6 && edw < Tf32Tolerance, $"weight gradient: TF32 relative error {edw:E2}");
    }

    private static double RelativeError(float[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double err = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            err += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.Sqrt(err / Math.Max(norm, 1e-300));
    }

    private float[] RunGemm(bool split, GemmKernelTests.Problem p)
    {
        var acc = fx.GpuShaped;
        using var a = acc.Allocate1D(p.A);
        using var b = acc.Allocate1D(p.B);
        using var c = acc.Allocate1D(p.C0);
        var config = GemmLaunch.Tiled(p.M, p.N, p.Batch);
        var strides = new LongIndex3D(p.StrideA, p.StrideB, p.StrideC);
        var kernel = split
            ? acc.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, float, float, LongIndex3D>(
                GemmKernels.GemmTf32x3, GemmLaunch.Tf32x3Specialization)
            : acc.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, float, float, LongIndex3D>(
                GemmKernels.GemmTf32, GemmLaunch.TiledSpecialization);
        kernel(acc.DefaultStream, config, At(a, p.Offset), At(b, p.Offset), At(c, p.Offset),
            p.M, p.N, p.K, p.Lda, p.Ldb, p.Ldc, p.Ops, p.Alpha, p.Beta, strides);
        acc.Synchronize();
        return c.GetAsArray1D();
    }

    private static ArrayView<float> At(MemoryBuffer1D<float, Stride1D.Dense> buffer, int offset)
    {
        ArrayView<float> view = buffer.View;
        return view.SubView(offset);
    }
}
