using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tensors;

/// <summary>
/// Matrix products on the device (no autograd): the tiled shared-memory GEMM on CUDA cores or, at TF32 and 3xTF32,
/// its tensor-core twin; its barrier-free register-blocked sibling (and a skinny-matrix kernel) on the CPU
/// accelerator; the device's families pick.
/// </summary>
public static class Blas
{
    /// <summary>One family's GEMM kernels (arguments as <see cref="Gemm(Device, ArrayView{float}, bool, ArrayView{float}, bool, ArrayView{float}, int, int, int, int, int, int, float, float, int, long, long, long)"/>).</summary>
    private interface IGemmKernels
    {
        void Gemm(Device device, in GemmArgs g, int batch, LongIndex3D strides);

        /// <summary>The sum over terms of <see cref="GemmSum"/>; false: not in one launch, the caller adds GEMMs.</summary>
        bool TryGemmSum(Device device, in GemmArgs g, int batch, GemmSum sum);
    }

    /// <summary>Operands and sizes of one GEMM as the kernels take them.</summary>
    private readonly record struct GemmArgs(ArrayView<float> A, ArrayView<float> B, ArrayView<float> C,
        int M, int N, int K, int Lda, int Ldb, int Ldc, int Ops, float Alpha, float Beta);

    private static readonly KernelVariants<IGemmKernels> GemmVariants = new("gemm",
        (KernelFamily.Cpu, "GemmVectorCpu (AVX-512, any m and k; sums of terms too); without AVX-512 or for A^T B^T: GemmSkinnyCpu (m or k < 8), GemmCpu, GemmSumCpu", new CpuGemm()),
        (KernelFamily.CudaSimt, "GemmCuda", new CudaSimtGemm()),
        (KernelFamily.CudaTensorCore, "GemmTf32, GemmTf32x3 (3xtf32)", new CudaTensorCoreGemm()));

    private sealed class CpuGemm : IGemmKernels
    {
        public void Gemm(Device device, in GemmArgs g, int batch, LongIndex3D strides)
        {
            int sms = device.Accelerator.NumMultiprocessors, group = device.Accelerator.MaxNumThreadsPerGroup;
            if (!TakesVector(g) && GemmLaunch.IsSkinny(g.M, g.K))
            {
                var (config, chunk) = GemmLaunch.Skinny(sms, group, g.M, g.N, batch);
                device.Launch(GemmKernels.GemmSkinnyCpu, config, g.A, g.B, g.C, g.M, g.N, g.K, g.Lda, g.Ldb, g.Ldc, g.Ops, g.Alpha, g.Beta, strides, chunk);
                return;
            }
            if (TakesVector(g))
            {
                Vector(device, g, batch, new GemmSum { StrideA = strides.X, StrideB = strides.Y, StrideC = strides.Z, Terms = 1 });
                return;
            }
            var plan = GemmLaunch.Plan(true, sms, group, g.M, g.N, g.K, batch);
            device.Launch(GemmKernels.GemmCpu, plan.Config, g.A, g.B, g.C, g.M, g.N, g.K, g.Lda, g.Ldb, g.Ldc, g.Ops, g.Alpha, g.Beta, strides, plan.Chunk);
        }

        /// <summary>The vector kernel where the machine has AVX-512 and the layout is one of its two (not A^T B^T).</summary>
        private static bool TakesVector(in GemmArgs g) => GemmKernels.CpuVectorGemm && GemmKernels.CpuVectorGemmTakes(g.Ops) && g.K > 0;

        private static void Vector(Device device, in GemmArgs g, int batch, GemmSum sum)
        {
            var (config, chunk) = GemmLaunch.Vector(device.Accelerator.NumMultiprocessors, device.Accelerator.MaxNumThreadsPerGroup, g.M, g.N, g.Ops, batch);
            device.Launch(GemmKernels.GemmVectorCpu, config, g.A, g.B, g.C, g.M, g.N, g.K, g.Lda, g.Ldb, g.Ldc, g.Ops, g.Alpha, g.Beta, sum, chunk);
        }

        // One launch even where Gemm would pick the skinny kernel (small spatial maps): one launch instead of one
        // per term matters more on the CPU accelerator than the skinny kernel's speed.
        public bool TryGemmSum(Device device, in GemmArgs g, int batch, GemmSum sum)
        {
            if (TakesVector(g))
            {
                Vector(device, g, batch, sum);
                return true;
            }
            var plan = GemmLaunch.Plan(true, device.Accelerator.NumMultiprocessors, device.Accelerator.MaxNumThreadsPerGroup, g.M, g.N, g.K, batch);
            device.Launch(GemmKernels.GemmSumCpu, plan.Config, g.A, g.B, g.C, g.M, g.N, g.K, g.Lda, g.Ldb, g.Ldc, g.Ops, g.Alpha, g.Beta, sum, plan.Chunk);
            return true;
        }
    }

    private sealed class CudaSimtGemm : IGemmKernels
    {
        public void Gemm(Device device, in GemmArgs g, int batch, LongIndex3D strides) =>
            device.Launch(GemmKernels.GemmCuda, GemmLaunch.TiledSpecialization, GemmLaunch.Tiled(g.M, g.N, batch),
                g.A, g.B, g.C, g.M, g.N, g.K, g.Lda, g.Ldb, g.Ldc, g.Ops, g.Alpha, g.Beta, strides);

        public bool TryGemmSum(Device device, in GemmArgs g, int batch, GemmSum sum) => false;
    }

    /// <summary>GemmCuda's tiles and launch, each warp's 64 x 32 part on tensor cores at the device's precision.</summary>
    private sealed class CudaTensorCoreGemm : IGemmKernels
    {
        public void Gemm(Device device, in GemmArgs g, int batch, LongIndex3D strides)
        {
            var config = GemmLaunch.Tiled(g.M, g.N, batch);
            if (device.EffectivePrecision == Precision.Tf32x3)
                device.Launch(GemmKernels.GemmTf32x3, GemmLaunch.Tf32x3Specialization, config,
                    g.A, g.B, g.C, g.M, g.N, g.K, g.Lda, g.Ldb, g.Ldc, g.Ops, g.Alpha, g.Beta, strides);
            else
                device.Launch(GemmKernels.GemmTf32, GemmLaunch.TiledSpecialization, config,
                    g.A, g.B, g.C, g.M, g.N, g.K, g.Lda, g.Ldb, g.Ldc, g.Ops, g.Alpha, g.Beta, strides);
        }

        public bool TryGemmSum(Device device, in GemmArgs g, int batch, GemmSum sum) => false;
    }

    /// <summary>
    /// C = alpha * op(A) op(B) + beta * C for row-major 2-D tensors; op transposes when asked.
    /// beta = 0 never reads C.
    /// </summary>
    public static void Gemm(Tensor a, bool transA, Tensor b, bool transB, Tensor c, float alpha = 1f, float beta = 0f)
    {
        if (a.Rank != 2 || b.Rank != 2 || c.Rank != 2)
            throw new ArgumentException($"Gemm needs matrices, got {a.ShapeText}, {b.ShapeText}, {c.ShapeText}");
        int m = transA ? a.Dim(1) : a.Dim(0), k = transA ? a.Dim(0) : a.Dim(1);
        int kb = transB ? b.Dim(1) : b.Dim(0), n = transB ? b.Dim(0) : b.Dim(1);
        if (k != kb || c.Dim(0) != m || c.Dim(1) != n)
            throw new ArgumentException($"Gemm shapes do not agree: op(A) {m}x{k}, op(B) {kb}x{n}, C {c.ShapeText}");
        Gemm(a.Device, a.View, transA, b.View, transB, c.View, m, n, k, a.Dim(1), b.Dim(1), c.Dim(1), alpha, beta);
    }

    /// <summary>
    /// The view form: op(A) is m x k, op(B) k x n, C m x n, with row pitches lda, ldb, ldc of the stored
    /// matrices; <paramref name="batch"/> products at the given element strides (0 strides share an operand).
    /// </summary>
    public static void Gemm(Device device, ArrayView<float> a, bool transA, ArrayView<float> b, bool transB, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc, float alpha = 1f, float beta = 0f,
        int batch = 1, long strideA = 0, long strideB = 0, long strideC = 0)
    {
        if (IsEmpty(m, n, k, batch)) return;
        var g = new GemmArgs(a, b, c, m, n, k, lda, ldb, ldc, Ops(transA, transB), alpha, beta);
        GemmVariants.For(device).Gemm(device, g, batch, new LongIndex3D(strideA, strideB, strideC));
    }

    /// <summary>
    /// C = alpha * sum over t &lt; terms of op(A_t) op(B_t) + beta * C, with A_t = A + t * termStrideA and
    /// B_t = B + t * termStrideB (a reduction over a batch, e.g. a 1x1x1 convolution's weight gradient over the
    /// samples), optionally batched over independent products as <see cref="Gemm(Device, ArrayView{float}, bool, ArrayView{float}, bool, ArrayView{float}, int, int, int, int, int, int, float, float, int, long, long, long)"/>.
    /// The terms are added in order, bit for bit as one GEMM per term with beta 1 after the first: one
    /// launch on the CPU accelerator (<see cref="GemmKernels.GemmSumCpu"/>), one GEMM per term elsewhere.
    /// </summary>
    public static void GemmSum(Device device, ArrayView<float> a, bool transA, ArrayView<float> b, bool transB, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc, float alpha, float beta, int terms, long termStrideA, long termStrideB,
        int batch = 1, long strideA = 0, long strideB = 0, long strideC = 0)
    {
        if (terms < 1) throw new ArgumentOutOfRangeException(nameof(terms), terms, "a sum needs at least one term");
        if (IsEmpty(m, n, k, batch)) return;
        var g = new GemmArgs(a, b, c, m, n, k, lda, ldb, ldc, Ops(transA, transB), alpha, beta);
        var sum = new GemmSum
        {
            StrideA = strideA, StrideB = strideB, StrideC = strideC,
            Terms = terms, TermStrideA = termStrideA, TermStrideB = termStrideB,
        };
        var kernels = GemmVariants.For(device);
        if (kernels.TryGemmSum(device, g, batch, sum)) return;
        var strides = new LongIndex3D(strideA, strideB, strideC);
        for (int t = 0; t < terms; t++)
            kernels.Gemm(device, g with { A = a.SubView(t * termStrideA), B = b.SubView(t * termStrideB), Beta = t == 0 ? beta : 1f }, batch, strides);
    }

    private static int Ops(bool transA, bool transB) => (transA ? GemmKernels.TransA : 0) | (transB ? GemmKernels.TransB : 0);

    /// <summary>Validates the sizes; true when there is nothing to launch (m, n or batch 0; k = 0 still scales C by beta).</summary>
    private static bool IsEmpty(int m, int n, int k, int batch) => GemmLaunch.Plan(false, 1, 1, m, n, k, batch).Skip;
}
