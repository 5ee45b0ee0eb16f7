using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tests.Kernels;

/// <summary>
/// One context with two CPU accelerators: the project's CPU shape (2 threads per warp, few long
/// threads) for <see cref="GemmKernels.GemmCpu"/>, and a GPU-shaped one (256-thread groups) where
/// <see cref="GemmKernels.GemmCuda"/> runs with its shared memory and barriers at tiny sizes.
/// </summary>
public sealed class GemmFixture : IDisposable
{
    public Context Context { get; }
    public Accelerator Cpu { get; }
    public Accelerator GpuShaped { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, int, int, int, int, int, float, float, LongIndex3D> Tiled { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, int, int, int, int, int, float, float, LongIndex3D, int> Blocked { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, int, int, int, int, int, float, float, LongIndex3D, int> Skinny { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, int, int, int, int, int, float, float, GemmSum, int> Vector { get; }

    public GemmFixture()
    {
        Context = Context.Create(b => b
            .CPU(new CPUDevice(2, 1, Math.Max(1, Environment.ProcessorCount / 2)))
            .CPU(new CPUDevice(32, 8, 1))
            .EnableAlgorithms()
            .Optimize(OptimizationLevel.O1));
        Cpu = Context.GetCPUDevice(0).CreateCPUAccelerator(Context, CPUAcceleratorMode.Parallel);
        GpuShaped = Context.GetCPUDevice(1).CreateCPUAccelerator(Context, CPUAcceleratorMode.Parallel);
        Tiled = GpuShaped.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, int, int, int, int, int, float, float, LongIndex3D>(GemmKernels.GemmCuda, GemmLaunch.TiledSpecialization);
        Blocked = Cpu.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, int, int, int, int, int, float, float, LongIndex3D, int>(GemmKernels.GemmCpu);
        Skinny = Cpu.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, int, int, int, int, int, float, float, LongIndex3D, int>(GemmKernels.GemmSkinnyCpu);
        ScalarTwins.Install();  // GemmVectorCpu's blocks compile as their scalar twins (the CPU runs the vector code)
        Vector = Cpu.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, int, int, int, int, int, float, float, GemmSum, int>(GemmKernels.GemmVectorCpu);
    }

    public void Dispose()
    {
        GpuShaped.Dispose();
        Cpu.Dispose();
        Context.Dispose();
    }
}

public class GemmKernelTests(GemmFixture fx) : IClassFixture<GemmFixture>
{
    private const float Pad = 12345f;

    /// <summary>One (batched) GEMM problem with padded pitches, an offset into each buffer, and a float64 reference.</summary>
    internal sealed class Problem
    {
        public int M, N, K, Lda, Ldb, Ldc, Ops, Batch, Offset;
        public long StrideA, StrideB, StrideC;
        public float Alpha, Beta;
        public float[] A = [], B = [], C0 = [];

        public bool TA => (Ops & GemmKernels.TransA) != 0;
        public bool TB => (Ops & GemmKernels.TransB) != 0;

        public static Problem Create(int seed, int m, int n, int k, int ops, float alpha, float beta,
            int batch = 1, int pad = 0, int offset = 0, bool shareA = false)
        {
            var rnd = new Random(seed);
            var p = new Problem { M = m, N = n, K = k, Ops = ops, Alpha = alpha, Beta = beta, Batch = batch, Offset = offset };
            bool ta = (ops & GemmKernels.TransA) != 0, tb = (ops & GemmKernels.TransB) != 0;
            int aRows = ta ? k : m, aCols = ta ? m : k;
            int bRows = tb ? n : k, bCols = tb ? k : n;
            p.Lda = Math.Max(1, aCols + pad);
            p.Ldb = Math.Max(1, bCols + pad);
            p.Ldc = n + pad;
            p.StrideA = shareA ? 0 : (long)aRows * p.Lda + 5;
            p.StrideB = (long)bRows * p.Ldb + 3;
            p.StrideC = (long)m * p.Ldc + 7;
            p.A = Fill(rnd, offset + (shareA ? 0 : (batch - 1) * p.StrideA) + aRows * p.Lda, float.NaN);
            p.B = Fill(rnd, offset + (batch - 1) * p.StrideB + bRows * p.Ldb, float.NaN);
            p.C0 = new float[offset + (batch - 1) * p.StrideC + m * p.Ldc];
            Array.Fill(p.C0, Pad);
            // Only the matrices themselves get data: padding stays NaN in A and B, so reading it shows.
            for (int q = 0; q < batch; q++)
            {
                for (int r = 0; r < aRows; r++)
                    for (int c = 0; c < aCols; c++)
                        p.A[offset + (shareA ? 0 : q * p.StrideA) + r * p.Lda + c] = Rnd(rnd);
                for (int r = 0; r < bRows; r++)
                    for (int c = 0; c < bCols; c++)
                        p.B[offset + q * p.StrideB + r * p.Ldb + c] = Rnd(rnd);
                for (int r = 0; r < m; r++)
                    for (int c = 0; c < n; c++)
                        p.C0[offset + q * p.StrideC + r * p.Ldc + c] = beta == 0f ? float.NaN : Rnd(rnd);
            }
            return p;
        }

        private static float Rnd(Random rnd) => (float)(rnd.NextDouble() * 2 - 1) + (rnd.Next(2) == 0 ? 0.25f : -0.25f);

        private static float[] Fill(Random rnd, long len, float value)
        {
            var x = new float[Math.Max(1, len)];
            Array.Fill(x, value);
            return x;
        }

        public double[] Reference(int q)
        {
            var r = new double[M * N];
            long oa = Offset + q * StrideA, ob = Offset + q * StrideB, oc = Offset + q * StrideC;
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                {
                    double s = 0;
                    for (int p = 0; p < K; p++)
                    {
                        double a = A[oa + (TA ? p * Lda + i : i * Lda + p)];
                        double b = B[ob + (TB ? j * Ldb + p : p * Ldb + j)];
                        s += a * b;
                    }
                    r[i * N + j] = Alpha * s + (Beta == 0f ? 0 : Beta * (double)C0[oc + i * Ldc + j]);
                }
            return r;
        }

        /// <summary>Relative error over all batch items; the padding of C must be untouched.</summary>
        public double Check(float[] c)
        {
            double err = 0, norm = 0;
            for (int q = 0; q < Batch; q++)
            {
                var reference = Reference(q);
                long oc = Offset + q * StrideC;
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < N; j++)
                    {
                        double d = c[oc + i * Ldc + j] - reference[i * N + j];
                        err += d * d;
                        norm += reference[i * N + j] * reference[i * N + j];
                    }
            }
            var inside = new bool[c.Length];
            for (int q = 0; q < Batch; q++)
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < N; j++)
                        inside[Offset + q * StrideC + i * Ldc + j] = true;
            for (int i = 0; i < c.Length; i++)
                if (!inside[i])
                    Assert.True(c[i] == Pad, $"C written outside the matrix at {i}: {c[i]}");
            return Math.Sqrt(err / Math.Max(norm, 1e-300));
        }
    }

    private static ArrayView<float> At(MemoryBuffer1D<float, Stride1D.Dense> buffer, int offset)
    {
        ArrayView<float> view = buffer.View;
        return view.SubView(offset);
    }

    private static string Name(int ops) => ops switch { 0 => "NN", 1 => "TN", 2 => "NT", _ => "TT" };

    private float[] RunTiled(Problem p)
    {
        var acc = fx.GpuShaped;
        using var a = acc.Allocate1D(p.A);
        using var b = acc.Allocate1D(p.B);
        using var c = acc.Allocate1D(p.C0);
        var plan = GemmLaunch.Plan(false, acc.NumMultiprocessors, acc.MaxNumThreadsPerGroup, p.M, p.N, p.K, p.Batch);
        Assert.True(plan.UseTiled);
        fx.Tiled(acc.DefaultStream, plan.Config,
            At(a, p.Offset), At(b, p.Offset), At(c, p.Offset),
            p.M, p.N, p.K, p.Lda, p.Ldb, p.Ldc, p.Ops, p.Alpha, p.Beta,
            new LongIndex3D(p.StrideA, p.StrideB, p.StrideC));
        acc.Synchronize();
        return c.GetAsArray1D();
    }

    private float[] RunBlocked(Problem p)
    {
        var acc = fx.Cpu;
        using var a = acc.Allocate1D(p.A);
        using var b = acc.Allocate1D(p.B);
        using var c = acc.Allocate1D(p.C0);
        var plan = GemmLaunch.Plan(true, acc.NumMultiprocessors, acc.MaxNumThreadsPerGroup, p.M, p.N, p.K, p.Batch);
        Assert.False(plan.UseTiled);
        fx.Blocked(acc.DefaultStream, plan.Config,
            At(a, p.Offset), At(b, p.Offset), At(c, p.Offset),
            p.M, p.N, p.K, p.Lda, p.Ldb, p.Ldc, p.Ops, p.Alpha, p.Beta,
            new LongIndex3D(p.StrideA, p.StrideB, p.StrideC), plan.Chunk);
        acc.Synchronize();
        return c.GetAsArray1D();
    }

    private float[] RunSkinny(Problem p)
    {
        var acc = fx.Cpu;
        using var a = acc.Allocate1D(p.A);
        using var b = acc.Allocate1D(p.B);
        using var c = acc.Allocate1D(p.C0);
        Assert.True(GemmLaunch.IsSkinny(p.M, p.K));
        var (config, chunk) = GemmLaunch.Skinny(acc.NumMultiprocessors, acc.MaxNumThreadsPerGroup, p.M, p.N, p.Batch);
        fx.Skinny(acc.DefaultStream, config, At(a, p.Offset), At(b, p.Offset), At(c, p.Offset),
            p.M, p.N, p.K, p.Lda, p.Ldb, p.Ldc, p.Ops, p.Alpha, p.Beta, new LongIndex3D(p.StrideA, p.StrideB, p.StrideC), chunk);
        acc.Synchronize();
        return c.GetAsArray1D();
    }

    private float[] RunVector(Problem p)
    {
        var acc = fx.Cpu;
        using var a = acc.Allocate1D(p.A);
        using var b = acc.Allocate1D(p.B);
        using var c = acc.Allocate1D(p.C0);
        var (config, chunk) = GemmLaunch.Vector(acc.NumMultiprocessors, acc.MaxNumThreadsPerGroup, p.M, p.N, p.Ops, p.Batch);
        var sum = new GemmSum { StrideA = p.StrideA, StrideB = p.StrideB, StrideC = p.StrideC, Terms = 1 };
        fx.Vector(acc.DefaultStream, config, At(a, p.Offset), At(b, p.Offset), At(c, p.Offset),
            p.M, p.N, p.K, p.Lda, p.Ldb, p.Ldc, p.Ops, p.Alpha, p.Beta, sum, chunk);
        acc.Synchronize();
        return c.GetAsArray1D();
    }

    public static TheoryData<int, int, int> VectorSizes => new()
    {
        { 1, 1, 1 }, { 1, 400, 70 }, { 13, 150, 37 }, { 7, 10, 1 }, { 64, 130, 3 }, { 6, 64, 16 }, { 40, 9, 33 },
    };

    /// <summary>
    /// GemmVectorCpu (AVX-512 blocks, or their scalar twins without it) in its two layouts families (op(B) not
    /// transposed; A B^T), with NaN padding around every operand, offsets, pitches and a batch of two.
    /// </summary>
    [Theory]
    [MemberData(nameof(VectorSizes))]
    public void VectorMatchesReference(int m, int n, int k)
    {
        for (int ops = 0; ops < 3; ops++)
        {
            Assert.True(GemmKernels.CpuVectorGemmTakes(ops));
            foreach (var (alpha, beta, pad, offset, batch) in new[] { (1f, 0f, 0, 0, 1), (-0.75f, 0.5f, 3, 1, 2) })
            {
                var p = Problem.Create(ops * 1000 + m * 7 + n * 3 + k + pad, m, n, k, ops, alpha, beta, batch, pad, offset);
                double err = p.Check(RunVector(p));
                Assert.True(err < 1e-5, $"vector {Name(ops)} {m}x{n}x{k} alpha={alpha} beta={beta} pad={pad} batch={batch}: relative error {err:E2}");
            }
        }
        Assert.False(GemmKernels.CpuVectorGemmTakes(GemmKernels.TransA | GemmKernels.TransB));
    }

    public static TheoryData<int, int, int> SkinnySizes => new()
    {
        { 1, 1, 1 }, { 1, 130, 37 }, { 3, 65, 9 }, { 7, 200, 5 }, { 40, 70, 1 }, { 13, 129, 3 },
    };

    [Theory]
    [MemberData(nameof(SkinnySizes))]
    public void SkinnyMatchesReference(int m, int n, int k)
    {
        for (int ops = 0; ops < 4; ops++)
        {
            foreach (var (alpha, beta, pad, offset, batch) in new[] { (1f, 0f, 0, 0, 1), (-0.75f, 0.5f, 3, 1, 2) })
            {
                var p = Problem.Create(ops * 1000 + m * 7 + n * 3 + k + pad, m, n, k, ops, alpha, beta, batch, pad, offset);
                double err = p.Check(RunSkinny(p));
                Assert.True(err < 1e-5, $"skinny {Name(ops)} {m}x{n}x{k} alpha={alpha} beta={beta} pad={pad} batch={batch}: relative error {err:E2}");
            }
        }
    }

    public static TheoryData<int, int, int> TiledSizes => new()
    {
        { 1, 1, 1 }, { 7, 13, 5 }, { 33, 65, 17 }, { 70, 70, 70 }, { 130, 129, 19 },
    };

    public static TheoryData<int, int, int> BlockedSizes => new()
    {
        { 1, 1, 1 }, { 7, 13, 5 }, { 33, 65, 17 }, { 130, 3, 257 }, { 64, 48, 64 }, { 9, 17, 4 },
    };

    [Theory]
    [MemberData(nameof(TiledSizes))]
    public void TiledMatchesReference(int m, int n, int k)
    {
        for (int ops = 0; ops < 4; ops++)
        {
            // beta == 0 (C poisoned with NaN) for two of the variants, a random C otherwise.
            float alpha = ops % 2 == 0 ? 1f : -0.75f, beta = ops < 2 ? 0f : 0.5f;
            var p = Problem.Create(ops * 1000 + m * 7 + n * 3 + k, m, n, k, ops, alpha, beta, pad: ops == 3 ? 3 : 0, offset: ops == 1 ? 1 : 0);
            double err = p.Check(RunTiled(p));
            Assert.True(err < 1e-5, $"tiled {Name(ops)} {m}x{n}x{k}: relative error {err:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(BlockedSizes))]
    public void BlockedMatchesReference(int m, int n, int k)
    {
        for (int ops = 0; ops < 4; ops++)
        {
            foreach (var (alpha, beta, pad, offset) in new[] { (1f, 0f, 0, 0), (-0.75f, 0.5f, 3, 1) })
            {
                var p = Problem.Create(ops * 1000 + m * 7 + n * 3 + k + pad, m, n, k, ops, alpha, beta, pad: pad, offset: offset);
                double err = p.Check(RunBlocked(p));
                Assert.True(err < 1e-5, $"blocked {Name(ops)} {m}x{n}x{k} alpha={alpha} beta={beta} pad={pad}: relative error {err:E2}");
            }
        }
    }

    [Fact]
    public void BatchedWithSharedOperand()
    {
        // Three products, one A for all of them (stride 0), as a convolution's weight over samples.
        foreach (int ops in new[] { 0, 3 })
        {
            var p = Problem.Create(77 + ops, 19, 21, 11, ops, 1f, 0.25f, batch: 3, shareA: true);
            double tiled = p.Check(RunTiled(p));
            double blocked = p.Check(RunBlocked(p));
            Assert.True(tiled < 1e-5, $"tiled batched {Name(ops)}: {tiled:E2}");
            Assert.True(blocked < 1e-5, $"blocked batched {Name(ops)}: {blocked:E2}");
        }
    }

    [Fact]
    public void EmptyDepthScalesC()
    {
        // k == 0: C = beta * C (and beta == 0 writes zeros over the NaN poison).
        foreach (float beta in new[] { 0f, 2f })
        {
            var p = Problem.Create(5, 9, 10, 0, 0, 1f, beta);
            Assert.True(p.Check(RunTiled(p)) < 1e-6);
            Assert.True(p.Check(RunBlocked(p)) < 1e-6);
        }
    }

    [Fact]
    public void LaunchPlans()
    {
        var gpu = GemmLaunch.Plan(false, 132, 1024, 4096, 4096, 4096, 2);
        Assert.True(gpu.UseTiled);
        Assert.False(gpu.Skip);
        Assert.Equal(new Index3D(32 * 32, 2, 1), gpu.Config.GridDim);
        Assert.Equal(new Index3D(GemmKernels.TiledGroupSize, 1, 1), gpu.Config.GroupDim);

        var cpu = GemmLaunch.Plan(true, 1, 2, 512, 512, 512);
        Assert.False(cpu.UseTiled);
        Assert.Equal(new Index3D(1, 1, 1), cpu.Config.GridDim);
        Assert.Equal(new Index3D(2, 1, 1), cpu.Config.GroupDim);
        Assert.Equal(64 * 64 / 2, cpu.Chunk);

        var tiny = GemmLaunch.Plan(true, 4, 4, 3, 5, 7, 6);
        Assert.Equal(new Index3D(1, 6, 1), tiny.Config.GridDim);
        Assert.Equal(new Index3D(1, 1, 1), tiny.Config.GroupDim);
        Assert.Equal(1, tiny.Chunk);

        Assert.True(GemmLaunch.Plan(true, 1, 2, 0, 5, 7).Skip);
        Assert.True(GemmLaunch.Plan(false, 1, 2, 5, 0, 7).Skip);
        Assert.False(GemmLaunch.Plan(false, 1, 2, 5, 5, 0).Skip);
    }

    [Fact]
    public void CompileForSm90()
    {
        var backend = new PTXBackend(fx.Context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        string Ptx(Delegate kernel, KernelSpecialization specialization) =>
            ((PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method), specialization)).PTXAssembly;

        var tiled = Ptx(GemmKernels.GemmCuda, GemmLaunch.TiledSpecialization);
        // Launch bounds that make ptxas fit two 256-thread groups per SM (<= 128 registers).
        Assert.Contains(".maxntid 256, 1, 1", tiled);
        Assert.Contains(".minnctapersm 2", tiled);
        // The 8 x 8 register block stays in registers: no local memory at all.
        Assert.DoesNotContain(".local", tiled);
        Assert.DoesNotContain("ld.local", tiled);
        // 32 vectorised shared reads per 8-deep tile (4 per k), 512 multiply-adds (mul + add, fused by ptxas).
        Assert.Equal(32, Count(tiled, "ld.shared.v4.f32"));
        Assert.True(Count(tiled, "mul.f32") >= 512, "inner-loop multiplies missing");
        Assert.Contains("bar.sync", tiled);

        var blocked = Ptx(GemmKernels.GemmCpu, default);
        Assert.DoesNotContain("ld.local", blocked);
        Assert.DoesNotContain("bar.sync", blocked);
    }

    private static int Count(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
            n++;
        return n;
    }
}
