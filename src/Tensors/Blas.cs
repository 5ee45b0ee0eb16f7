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
}
