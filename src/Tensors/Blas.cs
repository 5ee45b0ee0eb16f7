using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tensors;

/// <summary>
/// Matrix products on the device (no autograd): the tiled shared-memory GEMM on CUDA, its barrier-free
/// register-blocked sibling on the CPU accelerator (Device.UseBarrierKernels picks).
/// </summary>
public static class Blas
{
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
        var plan = GemmLaunch.Plan(!device.UseBarrierKernels, device.Accelerator.NumMultiprocessors,
            device.Accelerator.MaxNumThreadsPerGroup, m, n, k, batch);
        if (plan.Skip) return;
        int ops = (transA ? GemmKernels.TransA : 0) | (transB ? GemmKernels.TransB : 0);
        var strides = new LongIndex3D(strideA, strideB, strideC);
        if (!device.UseBarrierKernels && GemmLaunch.IsSkinny(m, k))
        {
            var (config, chunk) = GemmLaunch.Skinny(device.Accelerator.NumMultiprocessors, device.Accelerator.MaxNumThreadsPerGroup, m, n, batch);
            device.Kernels.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, float, float, LongIndex3D, int>(
                GemmKernels.GemmSkinny)(device.Stream, config, a, b, c, m, n, k, lda, ldb, ldc, ops, alpha, beta, strides, chunk);
            return;
        }
        if (plan.UseTiled)
            device.Kernels.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, float, float, LongIndex3D>(
                GemmKernels.GemmTiled, GemmLaunch.TiledSpecialization)(device.Stream, plan.Config, a, b, c, m, n, k, lda, ldb, ldc, ops, alpha, beta, strides);
        else
            device.Kernels.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, float, float, LongIndex3D, int>(
                GemmKernels.GemmBlocked)(device.Stream, plan.Config, a, b, c, m, n, k, lda, ldb, ldc, ops, alpha, beta, strides, plan.Chunk);
    }

    /// <summary>
    /// C = alpha * sum over t &lt; terms of op(A_t) op(B_t) + beta * C, with A_t = A + t * termStrideA and
    /// B_t = B + t * termStrideB (a reduction over a batch, e.g. a 1x1x1 convolution's weight gradient over the
    /// samples), optionally batched over independent products as <see cref="Gemm(Device, ArrayView{float}, bool, ArrayView{float}, bool, ArrayView{float}, int, int, int, int, int, int, float, float, int, long, long, long)"/>.
    /// The terms are added in order, bit for bit as one blocked GEMM per term with beta 1 after the first: one
    /// launch on the CPU accelerator (<see cref="GemmKernels.GemmBlockedSum"/>), one GEMM per term elsewhere.
    /// </summary>
    public static void GemmSum(Device device, ArrayView<float> a, bool transA, ArrayView<float> b, bool transB, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc, float alpha, float beta, int terms, long termStrideA, long termStrideB,
        int batch = 1, long strideA = 0, long strideB = 0, long strideC = 0)
    {
        if (terms < 1) throw new ArgumentOutOfRangeException(nameof(terms), terms, "a sum needs at least one term");
        var plan = GemmLaunch.Plan(!device.UseBarrierKernels, device.Accelerator.NumMultiprocessors,
            device.Accelerator.MaxNumThreadsPerGroup, m, n, k, batch);
        if (plan.Skip) return;
        // The CPU accelerator sums in one launch even where Gemm would pick the skinny kernel (small spatial maps):
        // one launch instead of one per sample matters more there than the skinny kernel's speed.
        if (device.UseBarrierKernels)
        {
            for (int t = 0; t < terms; t++)
                Gemm(device, a.SubView(t * termStrideA), transA, b.SubView(t * termStrideB), transB, c, m, n, k, lda, ldb, ldc,
                    alpha, t == 0 ? beta : 1f, batch, strideA, strideB, strideC);
            return;
        }
        int ops = (transA ? GemmKernels.TransA : 0) | (transB ? GemmKernels.TransB : 0);
        var sum = new GemmSum
        {
            StrideA = strideA, StrideB = strideB, StrideC = strideC,
            Terms = terms, TermStrideA = termStrideA, TermStrideB = termStrideB,
        };
        device.Kernels.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, float, float, GemmSum, int>(
            GemmKernels.GemmBlockedSum)(device.Stream, plan.Config, a, b, c, m, n, k, lda, ldb, ldc, ops, alpha, beta, sum, plan.Chunk);
    }
}
