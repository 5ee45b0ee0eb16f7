using System.Runtime.CompilerServices;
using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Single-precision GEMM kernels, C = alpha * op(A) * op(B) + beta * C, row-major, float32 sums.
/// op(A) is m x k, op(B) is k x n and C is m x n. <c>ops</c> = <see cref="TransA"/> | <see cref="TransB"/>
/// flags: a flagged operand is stored transposed (A as k x m, B as n x k). lda/ldb/ldc are the row
/// pitches (in elements) of the stored matrices, so sub-matrices work. Batched: Grid.Y = batch count;
/// product i reads A, B and writes C at element offsets i * batchStrides.X / .Y / .Z (a stride may be
/// 0, e.g. one weight matrix for every sample). Kernel parameters are capped by ILGPU's typed loaders
/// (14), hence the packed ops and strides.
/// <see cref="GemmCuda"/> is the CUDA kernel (shared memory + barriers), <see cref="GemmCpu"/> the
/// barrier-free CPU-accelerator kernel; <see cref="GemmLaunch"/> gives each one's launch.
/// </summary>
[OpKind("conv3d")]  // 1x1x1 convolutions; a Linear layer tags its launches "linear"
public static partial class GemmKernels
{
    /// <summary>ops flag: A is stored transposed (k x m, row pitch lda).</summary>
    public const int TransA = 1;

    /// <summary>ops flag: B is stored transposed (n x k, row pitch ldb).</summary>
    public const int TransB = 2;

    /// <summary>c[i] = alpha * acc + beta * c[i]; C is not read when beta == 0 (it may hold NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(ArrayView<float> c, int i, float acc, float alpha, float beta)
    {
        float v = alpha * acc;
        if (beta != 0f)
            v += beta * c[i];
        c[i] = v;
    }

    /// <summary>The operands of product Grid.IdxY of a batch (element offsets batch * stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SelectBatch(ref ArrayView<float> a, ref ArrayView<float> b, ref ArrayView<float> c, long strideA, long strideB, long strideC)
    {
        long batch = Work.BatchIndex;
        if (batch != 0)
        {
            a = a.SubView(batch * strideA);
            b = b.SubView(batch * strideB);
            c = c.SubView(batch * strideC);
        }
    }

    /// <summary>Floats i..i+3 of a view in one view access (no alignment needed on the CPU).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float4 Load4(ArrayView<float> v, int i) => Unsafe.As<float, Float4>(ref v[i]);

    /// <summary>Floats i..i+7 of a view in one view access (no alignment needed on the CPU).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float8 Load8(ArrayView<float> v, int i) => Unsafe.As<float, Float8>(ref v[i]);

    /// <summary>Eight floats read as one 32-byte value.</summary>
    private struct Float8
    {
        public float V0, V1, V2, V3, V4, V5, V6, V7;
    }
}
