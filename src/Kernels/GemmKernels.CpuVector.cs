using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ILGPU;

namespace ILGpuNet.Kernels;

// CPU-accelerator GEMM on the AVX-512 units. Two register blocks cover the products of the model:
// - op(B) not transposed (its rows contiguous along n: 1x1x1 convolutions' forward and input gradient, Linear's input
//   gradient): 6 rows x 64 columns of C, four vectors of B and six broadcast elements of op(A) feed 24 FMAs per k;
// - A not transposed and B transposed (both contiguous along k: 1x1x1 weight gradients, Linear's forward): 4 x 4
//   elements of C, each a dot product along k, 16-lane vectors of A and B feeding 16 FMAs per 8 loads.
// The vector code sits in methods with a scalar twin (ScalarTwin.cs): ILGPU's frontend compiles the twin, the CPU
// accelerator runs the vector code; without AVX-512 the twin is the code that runs.
public static partial class GemmKernels
{
    /// <summary>Rows of C per register block of the broadcast form.</summary>
    public const int VectorRows = 6;

    /// <summary>Columns of C per register block of the broadcast form: four AVX-512 vectors.</summary>
    public const int VectorColumns = 64;

    /// <summary>Rows and columns of C per register block of the dot form.</summary>
    public const int DotTile = 4;

    /// <summary>Whether <see cref="GemmVectorCpu"/> runs on this machine's vector units (AVX-512).</summary>
    public static bool CpuVectorGemm => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>The operand layouts <see cref="GemmVectorCpu"/> takes: op(B) not transposed, or A not transposed and B transposed.</summary>
    public static bool CpuVectorGemmTakes(int ops) => (ops & TransB) == 0 || (ops & TransA) == 0;

    /// <summary>Register blocks of one product of <see cref="GemmVectorCpu"/>: the work units of its launch.</summary>
    public static long CpuVectorGemmUnits(int m, int n, int ops) => (ops & TransB) == 0
        ? (long)((m + VectorRows - 1) / VectorRows) * ((n + VectorColumns - 1) / VectorColumns)
        : (long)((m + DotTile - 1) / DotTile) * ((n + DotTile - 1) / DotTile);

    /// <summary>
    /// <see cref="GemmSumCpu"/> on the vector units (with <see cref="GemmSum.Terms"/> = 1 it is <see cref="GemmCpu"/>):
    /// C = alpha * sum_t op(A_t) op(B_t) + beta * C, operands as in <see cref="GemmKernels"/>, Grid.Y products at the
    /// Stride fields. Layouts: <see cref="CpuVectorGemmTakes"/>; k &gt; 0. Units: register blocks, consecutive ones
    /// along m, so that a thread's chunk reuses one panel of B from its cache. Each block adds its terms in order
    /// (C = alpha P_0 + beta C, then C += alpha P_t): one launch gives what one launch per term gives.
    /// </summary>
    [Kernel]
    public static unsafe void GemmVectorCpu(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc,
        int ops, float alpha, float beta, GemmSum sum, int chunk)
    {
        SelectBatch(ref a, ref b, ref c, sum.StrideA, sum.StrideB, sum.StrideC);
        bool dot = (ops & TransB) != 0;
        int transA = ops & TransA;
        int tileM = dot ? DotTile : VectorRows, tileN = dot ? DotTile : VectorColumns;
        int mTiles = (m + tileM - 1) / tileM, nTiles = (n + tileN - 1) / tileN;
        fixed (float* aq = &a[0])
        fixed (float* bq = &b[0])
        fixed (float* cq = &c[0])
        {
            for (var work = Work.Ranges(mTiles * nTiles, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int u = start; u < end; u++)
                {
                    int panel = u / mTiles;
                    int m0 = (u - panel * mTiles) * tileM, n0 = panel * tileN;
                    for (int t = 0; t < sum.Terms; t++)
                    {
                        float* at = aq + t * sum.TermStrideA, bt = bq + t * sum.TermStrideB;
                        float tb = t == 0 ? beta : 1f;
                        if (dot) DotBlock(at, bt, cq, m0, n0, m, n, k, lda, ldb, ldc, alpha, tb);
                        else BroadcastBlock(at, bt, cq, m0, n0, m, n, k, lda, ldb, ldc, transA, alpha, tb);
                    }
                }
            }
        }
    }

    /// <summary>
    /// C[m0.., n0..] (up to 6 x 64, clipped at m and n) = alpha * op(A) B + beta * C for B not transposed. Rows past m
    /// are computed on the last row and not stored; columns past n are masked.
    /// </summary>
    [ScalarTwin(nameof(BroadcastBlockScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void BroadcastBlock(float* a, float* b, float* c, int m0, int n0, int m, int n, int k,
        int lda, int ldb, int ldc, int transA, float alpha, float beta)
    {
        if (!CpuVectorGemm)
        {
            BroadcastBlockScalar(a, b, c, m0, n0, m, n, k, lda, ldb, ldc, transA, alpha, beta);
            return;
        }
        // Element (i, kk) of op(A) at a + i * rowStep + kk * kStep.
        long rowStep = transA == 0 ? lda : 1, kStep = transA == 0 ? 1 : lda;
        int last = m - 1;
        float* a0 = a + Math.Min(m0, last) * rowStep, a1 = a + Math.Min(m0 + 1, last) * rowStep;
        float* a2 = a + Math.Min(m0 + 2, last) * rowStep, a3 = a + Math.Min(m0 + 3, last) * rowStep;
        float* a4 = a + Math.Min(m0 + 4, last) * rowStep, a5 = a + Math.Min(m0 + 5, last) * rowStep;
        int rows = Math.Min(VectorRows, m - m0), cols = Math.Min(VectorColumns, n - n0);
        float* cb = c + (long)m0 * ldc + n0;
        if (cols == VectorColumns)
        {
            Broadcast6x64(a0, a1, a2, a3, a4, a5, kStep, b + n0, ldb, k, cb, ldc, rows, alpha, beta);
            return;
        }
        for (int v = 0; v < cols; v += 16)
            Broadcast6x16(a0, a1, a2, a3, a4, a5, kStep, b + n0 + v, ldb, k, cb + v, ldc, rows, TailMask(cols - v), alpha, beta);
    }

    /// <summary>The scalar twin of <see cref="BroadcastBlock"/> (what ILGPU compiles; the fallback without AVX-512).</summary>
    public static unsafe void BroadcastBlockScalar(float* a, float* b, float* c, int m0, int n0, int m, int n, int k,
        int lda, int ldb, int ldc, int transA, float alpha, float beta)
    {
        long rowStep = transA == 0 ? lda : 1, kStep = transA == 0 ? 1 : lda;
        int mEnd = Math.Min(m0 + VectorRows, m), nEnd = Math.Min(n0 + VectorColumns, n);
        for (int i = m0; i < mEnd; i++)
            for (int j = n0; j < nEnd; j++)
            {
                float acc = 0f;
                for (int kk = 0; kk < k; kk++) acc += a[i * rowStep + kk * kStep] * b[(long)kk * ldb + j];
                Store(c + (long)i * ldc + j, acc, alpha, beta);
            }
    }

    /// <summary>
    /// C[m0.., n0..] (up to 4 x 4) = alpha * A B^T + beta * C for A (m x k) and B (n x k) both contiguous along k: 16
    /// dot products at once. Rows or columns past the edge are computed on the last one and not stored.
    /// </summary>
    [ScalarTwin(nameof(DotBlockScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void DotBlock(float* a, float* b, float* c, int m0, int n0, int m, int n, int k,
        int lda, int ldb, int ldc, float alpha, float beta)
    {
        if (!CpuVectorGemm)
        {
            DotBlockScalar(a, b, c, m0, n0, m, n, k, lda, ldb, ldc, alpha, beta);
            return;
        }
        int mLast = m - 1, nLast = n - 1;
        float* a0 = a + (long)Math.Min(m0, mLast) * lda, a1 = a + (long)Math.Min(m0 + 1, mLast) * lda;
        float* a2 = a + (long)Math.Min(m0 + 2, mLast) * lda, a3 = a + (long)Math.Min(m0 + 3, mLast) * lda;
        float* b0 = b + (long)Math.Min(n0, nLast) * ldb, b1 = b + (long)Math.Min(n0 + 1, nLast) * ldb;
        float* b2 = b + (long)Math.Min(n0 + 2, nLast) * ldb, b3 = b + (long)Math.Min(n0 + 3, nLast) * ldb;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        int k16 = k & ~15;
        for (int kk = 0; kk <= k; kk += 16)
        {
            Vector512<float> x0, x1, x2, x3, y0, y1, y2, y3;
            if (kk < k16)
            {
                x0 = Vector512.Load(a0 + kk); x1 = Vector512.Load(a1 + kk); x2 = Vector512.Load(a2 + kk); x3 = Vector512.Load(a3 + kk);
                y0 = Vector512.Load(b0 + kk); y1 = Vector512.Load(b1 + kk); y2 = Vector512.Load(b2 + kk); y3 = Vector512.Load(b3 + kk);
            }
            else if (kk < k)
            {
                var mask = TailMask(k - kk);
                x0 = Avx512F.MaskLoad(a0 + kk, mask, default); x1 = Avx512F.MaskLoad(a1 + kk, mask, default);
                x2 = Avx512F.MaskLoad(a2 + kk, mask, default); x3 = Avx512F.MaskLoad(a3 + kk, mask, default);
                y0 = Avx512F.MaskLoad(b0 + kk, mask, default); y1 = Avx512F.MaskLoad(b1 + kk, mask, default);
                y2 = Avx512F.MaskLoad(b2 + kk, mask, default); y3 = Avx512F.MaskLoad(b3 + kk, mask, default);
            }
            else break;
            c00 = Avx512F.FusedMultiplyAdd(x0, y0, c00); c01 = Avx512F.FusedMultiplyAdd(x0, y1, c01);
            c02 = Avx512F.FusedMultiplyAdd(x0, y2, c02); c03 = Avx512F.FusedMultiplyAdd(x0, y3, c03);
            c10 = Avx512F.FusedMultiplyAdd(x1, y0, c10); c11 = Avx512F.FusedMultiplyAdd(x1, y1, c11);
            c12 = Avx512F.FusedMultiplyAdd(x1, y2, c12); c13 = Avx512F.FusedMultiplyAdd(x1, y3, c13);
            c20 = Avx512F.FusedMultiplyAdd(x2, y0, c20); c21 = Avx512F.FusedMultiplyAdd(x2, y1, c21);
            c22 = Avx512F.FusedMultiplyAdd(x2, y2, c22); c23 = Avx512F.FusedMultiplyAdd(x2, y3, c23);
            c30 = Avx512F.FusedMultiplyAdd(x3, y0, c30); c31 = Avx512F.FusedMultiplyAdd(x3, y1, c31);
            c32 = Avx512F.FusedMultiplyAdd(x3, y2, c32); c33 = Avx512F.FusedMultiplyAdd(x3, y3, c33);
        }
        int rows = Math.Min(DotTile, m - m0), cols = Math.Min(DotTile, n - n0);
        float* cr = c + (long)m0 * ldc + n0;
        StoreDotRow(cr, cols, c00, c01, c02, c03, alpha, beta);
        if (rows > 1) StoreDotRow(cr + ldc, cols, c10, c11, c12, c13, alpha, beta);
        if (rows > 2) StoreDotRow(cr + 2L * ldc, cols, c20, c21, c22, c23, alpha, beta);
        if (rows > 3) StoreDotRow(cr + 3L * ldc, cols, c30, c31, c32, c33, alpha, beta);
    }

    /// <summary>The scalar twin of <see cref="DotBlock"/> (what ILGPU compiles; the fallback without AVX-512).</summary>
    public static unsafe void DotBlockScalar(float* a, float* b, float* c, int m0, int n0, int m, int n, int k,
        int lda, int ldb, int ldc, float alpha, float beta)
    {
        int mEnd = Math.Min(m0 + DotTile, m), nEnd = Math.Min(n0 + DotTile, n);
        for (int i = m0; i < mEnd; i++)
            for (int j = n0; j < nEnd; j++)
            {
                float acc = 0f;
                for (int kk = 0; kk < k; kk++) acc += a[(long)i * lda + kk] * b[(long)j * ldb + kk];
                Store(c + (long)i * ldc + j, acc, alpha, beta);
            }
    }

    /// <summary>*c = alpha * acc + beta * *c; c is not read when beta == 0 (it may hold NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* c, float acc, float alpha, float beta) =>
        *c = beta != 0f ? alpha * acc + beta * *c : alpha * acc;

    /// <summary>All lanes below <paramref name="count"/> set (count &gt;= 16: all).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TailMask(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    /// <summary>Row j of a 4 x 4 dot block: each accumulator's lanes summed, then stored as <see cref="Store"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreDotRow(float* c, int cols, Vector512<float> s0, Vector512<float> s1, Vector512<float> s2,
        Vector512<float> s3, float alpha, float beta)
    {
        Store(c, Vector512.Sum(s0), alpha, beta);
        if (cols > 1) Store(c + 1, Vector512.Sum(s1), alpha, beta);
        if (cols > 2) Store(c + 2, Vector512.Sum(s2), alpha, beta);
        if (cols > 3) Store(c + 3, Vector512.Sum(s3), alpha, beta);
    }

    /// <summary>One row of C from a broadcast block's accumulator: alpha * acc + beta * C, masked where a mask is given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreVector(float* c, Vector512<float> acc, float alpha, float beta)
    {
        var v = acc * alpha;
        if (beta != 0f) v = Avx512F.FusedMultiplyAdd(Vector512.Load(c), Vector512.Create(beta), v);
        v.Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreVectorMasked(float* c, Vector512<float> acc, Vector512<float> mask, float alpha, float beta)
    {
        var v = acc * alpha;
        if (beta != 0f) v = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(c, mask, default), Vector512.Create(beta), v);
        Avx512F.MaskStore(c, mask, v);
    }

    /// <summary>6 rows x 64 columns: 24 accumulators; per k 4 loads of B and 6 broadcasts of op(A).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Broadcast6x64(float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, long kStep,
        float* b, int ldb, int k, float* c, int ldc, int rows, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default, c53 = default;
        long ka = 0;
        for (int kk = 0; kk < k; kk++, b += ldb, ka += kStep)
        {
            var w0 = Vector512.Load(b);
            var w1 = Vector512.Load(b + 16);
            var w2 = Vector512.Load(b + 32);
            var w3 = Vector512.Load(b + 48);
            var x = Vector512.Create(a0[ka]);
            c00 = Avx512F.FusedMultiplyAdd(w0, x, c00); c01 = Avx512F.FusedMultiplyAdd(w1, x, c01);
            c02 = Avx512F.FusedMultiplyAdd(w2, x, c02); c03 = Avx512F.FusedMultiplyAdd(w3, x, c03);
            x = Vector512.Create(a1[ka]);
            c10 = Avx512F.FusedMultiplyAdd(w0, x, c10); c11 = Avx512F.FusedMultiplyAdd(w1, x, c11);
            c12 = Avx512F.FusedMultiplyAdd(w2, x, c12); c13 = Avx512F.FusedMultiplyAdd(w3, x, c13);
            x = Vector512.Create(a2[ka]);
            c20 = Avx512F.FusedMultiplyAdd(w0, x, c20); c21 = Avx512F.FusedMultiplyAdd(w1, x, c21);
            c22 = Avx512F.FusedMultiplyAdd(w2, x, c22); c23 = Avx512F.FusedMultiplyAdd(w3, x, c23);
            x = Vector512.Create(a3[ka]);
            c30 = Avx512F.FusedMultiplyAdd(w0, x, c30); c31 = Avx512F.FusedMultiplyAdd(w1, x, c31);
            c32 = Avx512F.FusedMultiplyAdd(w2, x, c32); c33 = Avx512F.FusedMultiplyAdd(w3, x, c33);
            x = Vector512.Create(a4[ka]);
            c40 = Avx512F.FusedMultiplyAdd(w0, x, c40); c41 = Avx512F.FusedMultiplyAdd(w1, x, c41);
            c42 = Avx512F.FusedMultiplyAdd(w2, x, c42); c43 = Avx512F.FusedMultiplyAdd(w3, x, c43);
            x = Vector512.Create(a5[ka]);
            c50 = Avx512F.FusedMultiplyAdd(w0, x, c50); c51 = Avx512F.FusedMultiplyAdd(w1, x, c51);
            c52 = Avx512F.FusedMultiplyAdd(w2, x, c52); c53 = Avx512F.FusedMultiplyAdd(w3, x, c53);
        }
        StoreRow64(c, c00, c01, c02, c03, alpha, beta);
        if (rows > 1) StoreRow64(c + ldc, c10, c11, c12, c13, alpha, beta);
        if (rows > 2) StoreRow64(c + 2L * ldc, c20, c21, c22, c23, alpha, beta);
        if (rows > 3) StoreRow64(c + 3L * ldc, c30, c31, c32, c33, alpha, beta);
        if (rows > 4) StoreRow64(c + 4L * ldc, c40, c41, c42, c43, alpha, beta);
        if (rows > 5) StoreRow64(c + 5L * ldc, c50, c51, c52, c53, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow64(float* c, Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3,
        float alpha, float beta)
    {
        StoreVector(c, s0, alpha, beta);
        StoreVector(c + 16, s1, alpha, beta);
        StoreVector(c + 32, s2, alpha, beta);
        StoreVector(c + 48, s3, alpha, beta);
    }

    /// <summary>6 rows x 16 columns (masked): the column tail of a broadcast block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Broadcast6x16(float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, long kStep,
        float* b, int ldb, int k, float* c, int ldc, int rows, Vector512<float> mask, float alpha, float beta)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        long ka = 0;
        for (int kk = 0; kk < k; kk++, b += ldb, ka += kStep)
        {
            var w = Avx512F.MaskLoad(b, mask, default);
            c0 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(a0[ka]), c0);
            c1 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(a1[ka]), c1);
            c2 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(a2[ka]), c2);
            c3 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(a3[ka]), c3);
            c4 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(a4[ka]), c4);
            c5 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(a5[ka]), c5);
        }
        StoreVectorMasked(c, c0, mask, alpha, beta);
        if (rows > 1) StoreVectorMasked(c + ldc, c1, mask, alpha, beta);
        if (rows > 2) StoreVectorMasked(c + 2L * ldc, c2, mask, alpha, beta);
        if (rows > 3) StoreVectorMasked(c + 3L * ldc, c3, mask, alpha, beta);
        if (rows > 4) StoreVectorMasked(c + 4L * ldc, c4, mask, alpha, beta);
        if (rows > 5) StoreVectorMasked(c + 5L * ldc, c5, mask, alpha, beta);
    }
}
