using System.Runtime.CompilerServices;
using ILGPU;

namespace ILGpuNet.Kernels;

public static partial class GemmKernels
{
    /// <summary>Rows and columns of C per work unit of <see cref="GemmCpu"/>.</summary>
    public const int BlockedTile = 8;

    /// <summary>
    /// Barrier-free GEMM for the CPU accelerator (operands and ops: see <see cref="GemmKernels"/>).
    /// Grid.Y = batch index; the Grid.X * Group.X threads split one product: work units are the
    /// ceil(m/8) * ceil(n/8) blocks of C (row-major), thread t computes units [t*chunk, t*chunk+chunk),
    /// then jumps by (threads*chunk) (see <see cref="Work"/>). Each
    /// unit keeps its 64 sums in locals and walks k four at a time, reading op(A) and op(B) as 16- and
    /// 32-byte vectors wherever the operand is contiguous along the read, so every view access (costly
    /// on the CPU accelerator) feeds 16 to 32 multiply-adds. beta == 0 never reads C. Any m, n &gt; 0, k &gt;= 0.
    /// Meant for the CPU accelerator (its vector reads need no alignment there; on CUDA they compile to
    /// scalar loads, correct but slow).
    /// Launch with <see cref="GemmLaunch.Blocked"/>.
    /// </summary>
    [Kernel]
    public static void GemmCpu(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc,
        int ops, float alpha, float beta, LongIndex3D batchStrides, int chunk)
    {
        SelectBatch(ref a, ref b, ref c, batchStrides.X, batchStrides.Y, batchStrides.Z);
        BlockedUnits(a, b, c, m, n, k, lda, ldb, ldc, ops, alpha, beta, 1, 0, 0, chunk);
    }

    /// <summary>
    /// <see cref="GemmCpu"/> whose product is a sum over <see cref="GemmSum.Terms"/> pairs of operands:
    /// C = alpha * sum_t op(A_t) op(B_t) + beta * C, with A_t = A + t * TermStrideA and B_t = B + t * TermStrideB.
    /// Each 8 x 8 block of C adds its terms in order (C = alpha P_0 + beta C, then C += alpha P_t), so the result
    /// is bit for bit that of one GEMM launch per term, in one launch: a 1x1x1 convolution's weight gradient
    /// summed over the samples of a batch. Grid.Y still batches independent products (groups) by the Stride fields.
    /// </summary>
    [Kernel]
    public static void GemmSumCpu(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc,
        int ops, float alpha, float beta, GemmSum sum, int chunk)
    {
        SelectBatch(ref a, ref b, ref c, sum.StrideA, sum.StrideB, sum.StrideC);
        BlockedUnits(a, b, c, m, n, k, lda, ldb, ldc, ops, alpha, beta, sum.Terms, sum.TermStrideA, sum.TermStrideB, chunk);
    }

    /// <summary>This thread's 8 x 8 blocks of C, each summed over <paramref name="terms"/> operand pairs.</summary>
    private static void BlockedUnits(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc,
        int ops, float alpha, float beta, int terms, long termStrideA, long termStrideB, int chunk)
    {
        int transA = ops & TransA;
        int transB = (ops & TransB) >> 1;
        int nBlocks = (n + 7) >> 3;
        int units = ((m + 7) >> 3) * nBlocks;
        for (var work = Work.Ranges(units, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int u = start; u < end; u++)
            {
                int blockRow = u / nBlocks;
                int m0 = blockRow << 3, n0 = (u - blockRow * nBlocks) << 3;
                Block8x8(a, b, c, m0, n0, m, n, k, lda, ldb, ldc, transA, transB, alpha, beta);
                for (int t = 1; t < terms; t++)
                    Block8x8(a.SubView(t * termStrideA), b.SubView(t * termStrideB), c, m0, n0, m, n, k, lda, ldb, ldc, transA, transB, alpha, 1f);
            }
        }
    }

    /// <summary>One 8 x 8 block of C at (m0, n0); rows/columns past the edge are computed on clamped indices and not stored.</summary>
    private static void Block8x8(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> cv,
        int m0, int n0, int m, int n, int k, int lda, int ldb, int ldc,
        int transA, int transB, float alpha, float beta)
    {
        // Offsets of op(A) row i and op(B) column j at k = 0, and their steps along k.
        int aStep = transA == 0 ? 1 : lda;
        int aRow = transA == 0 ? lda : 1;
        int bStep = transB == 0 ? ldb : 1;
        int bCol = transB == 0 ? 1 : ldb;
        int mLast = m - 1;
        int nLast = n - 1;
        int ai0 = Math.Min(m0, mLast) * aRow, ai1 = Math.Min(m0 + 1, mLast) * aRow;
        int ai2 = Math.Min(m0 + 2, mLast) * aRow, ai3 = Math.Min(m0 + 3, mLast) * aRow;
        int ai4 = Math.Min(m0 + 4, mLast) * aRow, ai5 = Math.Min(m0 + 5, mLast) * aRow;
        int ai6 = Math.Min(m0 + 6, mLast) * aRow, ai7 = Math.Min(m0 + 7, mLast) * aRow;
        int bj0 = Math.Min(n0, nLast) * bCol, bj1 = Math.Min(n0 + 1, nLast) * bCol;
        int bj2 = Math.Min(n0 + 2, nLast) * bCol, bj3 = Math.Min(n0 + 3, nLast) * bCol;
        int bj4 = Math.Min(n0 + 4, nLast) * bCol, bj5 = Math.Min(n0 + 5, nLast) * bCol;
        int bj6 = Math.Min(n0 + 6, nLast) * bCol, bj7 = Math.Min(n0 + 7, nLast) * bCol;
        bool fullM = m0 + 8 <= m;
        bool fullN = n0 + 8 <= n;

            float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c04 = 0f, c05 = 0f, c06 = 0f, c07 = 0f;
            float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f, c14 = 0f, c15 = 0f, c16 = 0f, c17 = 0f;
            float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c24 = 0f, c25 = 0f, c26 = 0f, c27 = 0f;
            float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f, c34 = 0f, c35 = 0f, c36 = 0f, c37 = 0f;
            float c40 = 0f, c41 = 0f, c42 = 0f, c43 = 0f, c44 = 0f, c45 = 0f, c46 = 0f, c47 = 0f;
            float c50 = 0f, c51 = 0f, c52 = 0f, c53 = 0f, c54 = 0f, c55 = 0f, c56 = 0f, c57 = 0f;
            float c60 = 0f, c61 = 0f, c62 = 0f, c63 = 0f, c64 = 0f, c65 = 0f, c66 = 0f, c67 = 0f;
            float c70 = 0f, c71 = 0f, c72 = 0f, c73 = 0f, c74 = 0f, c75 = 0f, c76 = 0f, c77 = 0f;
        int k4 = k & ~3;
        for (int kk = 0; kk < k4; kk += 4)
        {
            float a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
            float a40, a41, a42, a43, a50, a51, a52, a53, a60, a61, a62, a63, a70, a71, a72, a73;
            float b00, b01, b02, b03, b04, b05, b06, b07, b10, b11, b12, b13, b14, b15, b16, b17;
            float b20, b21, b22, b23, b24, b25, b26, b27, b30, b31, b32, b33, b34, b35, b36, b37;
            if (transA == 0)
            {
                // op(A) rows are contiguous along k: one 4-vector per row.
                Float4 v = Load4(a, ai0 + kk); a00 = v.X; a01 = v.Y; a02 = v.Z; a03 = v.W;
                v = Load4(a, ai1 + kk); a10 = v.X; a11 = v.Y; a12 = v.Z; a13 = v.W;
                v = Load4(a, ai2 + kk); a20 = v.X; a21 = v.Y; a22 = v.Z; a23 = v.W;
                v = Load4(a, ai3 + kk); a30 = v.X; a31 = v.Y; a32 = v.Z; a33 = v.W;
                v = Load4(a, ai4 + kk); a40 = v.X; a41 = v.Y; a42 = v.Z; a43 = v.W;
                v = Load4(a, ai5 + kk); a50 = v.X; a51 = v.Y; a52 = v.Z; a53 = v.W;
                v = Load4(a, ai6 + kk); a60 = v.X; a61 = v.Y; a62 = v.Z; a63 = v.W;
                v = Load4(a, ai7 + kk); a70 = v.X; a71 = v.Y; a72 = v.Z; a73 = v.W;
            }
            else if (fullM)
            {
                // op(A) columns are contiguous along m: one 8-vector per k.
                int o = kk * lda + m0;
                Float8 w = Load8(a, o); a00 = w.V0; a10 = w.V1; a20 = w.V2; a30 = w.V3; a40 = w.V4; a50 = w.V5; a60 = w.V6; a70 = w.V7;
                w = Load8(a, o + lda); a01 = w.V0; a11 = w.V1; a21 = w.V2; a31 = w.V3; a41 = w.V4; a51 = w.V5; a61 = w.V6; a71 = w.V7;
                w = Load8(a, o + 2 * lda); a02 = w.V0; a12 = w.V1; a22 = w.V2; a32 = w.V3; a42 = w.V4; a52 = w.V5; a62 = w.V6; a72 = w.V7;
                w = Load8(a, o + 3 * lda); a03 = w.V0; a13 = w.V1; a23 = w.V2; a33 = w.V3; a43 = w.V4; a53 = w.V5; a63 = w.V6; a73 = w.V7;
            }
            else
            {
                int o = kk * lda;
                a00 = a[o + ai0]; a10 = a[o + ai1]; a20 = a[o + ai2]; a30 = a[o + ai3]; a40 = a[o + ai4]; a50 = a[o + ai5]; a60 = a[o + ai6]; a70 = a[o + ai7];
                o += lda;
                a01 = a[o + ai0]; a11 = a[o + ai1]; a21 = a[o + ai2]; a31 = a[o + ai3]; a41 = a[o + ai4]; a51 = a[o + ai5]; a61 = a[o + ai6]; a71 = a[o + ai7];
                o += lda;
                a02 = a[o + ai0]; a12 = a[o + ai1]; a22 = a[o + ai2]; a32 = a[o + ai3]; a42 = a[o + ai4]; a52 = a[o + ai5]; a62 = a[o + ai6]; a72 = a[o + ai7];
                o += lda;
                a03 = a[o + ai0]; a13 = a[o + ai1]; a23 = a[o + ai2]; a33 = a[o + ai3]; a43 = a[o + ai4]; a53 = a[o + ai5]; a63 = a[o + ai6]; a73 = a[o + ai7];
            }
            if (transB != 0)
            {
                // op(B) columns are contiguous along k: one 4-vector per column.
                Float4 v = Load4(b, bj0 + kk); b00 = v.X; b10 = v.Y; b20 = v.Z; b30 = v.W;
                v = Load4(b, bj1 + kk); b01 = v.X; b11 = v.Y; b21 = v.Z; b31 = v.W;
                v = Load4(b, bj2 + kk); b02 = v.X; b12 = v.Y; b22 = v.Z; b32 = v.W;
                v = Load4(b, bj3 + kk); b03 = v.X; b13 = v.Y; b23 = v.Z; b33 = v.W;
                v = Load4(b, bj4 + kk); b04 = v.X; b14 = v.Y; b24 = v.Z; b34 = v.W;
                v = Load4(b, bj5 + kk); b05 = v.X; b15 = v.Y; b25 = v.Z; b35 = v.W;
                v = Load4(b, bj6 + kk); b06 = v.X; b16 = v.Y; b26 = v.Z; b36 = v.W;
                v = Load4(b, bj7 + kk); b07 = v.X; b17 = v.Y; b27 = v.Z; b37 = v.W;
            }
            else if (fullN)
            {
                // op(B) rows are contiguous along n: one 8-vector per k.
                int o = kk * ldb + n0;
                Float8 w = Load8(b, o); b00 = w.V0; b01 = w.V1; b02 = w.V2; b03 = w.V3; b04 = w.V4; b05 = w.V5; b06 = w.V6; b07 = w.V7;
                w = Load8(b, o + ldb); b10 = w.V0; b11 = w.V1; b12 = w.V2; b13 = w.V3; b14 = w.V4; b15 = w.V5; b16 = w.V6; b17 = w.V7;
                w = Load8(b, o + 2 * ldb); b20 = w.V0; b21 = w.V1; b22 = w.V2; b23 = w.V3; b24 = w.V4; b25 = w.V5; b26 = w.V6; b27 = w.V7;
                w = Load8(b, o + 3 * ldb); b30 = w.V0; b31 = w.V1; b32 = w.V2; b33 = w.V3; b34 = w.V4; b35 = w.V5; b36 = w.V6; b37 = w.V7;
            }
            else
            {
                int o = kk * ldb;
                b00 = b[o + bj0]; b01 = b[o + bj1]; b02 = b[o + bj2]; b03 = b[o + bj3]; b04 = b[o + bj4]; b05 = b[o + bj5]; b06 = b[o + bj6]; b07 = b[o + bj7];
                o += ldb;
                b10 = b[o + bj0]; b11 = b[o + bj1]; b12 = b[o + bj2]; b13 = b[o + bj3]; b14 = b[o + bj4]; b15 = b[o + bj5]; b16 = b[o + bj6]; b17 = b[o + bj7];
                o += ldb;
                b20 = b[o + bj0]; b21 = b[o + bj1]; b22 = b[o + bj2]; b23 = b[o + bj3]; b24 = b[o + bj4]; b25 = b[o + bj5]; b26 = b[o + bj6]; b27 = b[o + bj7];
                o += ldb;
                b30 = b[o + bj0]; b31 = b[o + bj1]; b32 = b[o + bj2]; b33 = b[o + bj3]; b34 = b[o + bj4]; b35 = b[o + bj5]; b36 = b[o + bj6]; b37 = b[o + bj7];
            }
            // 4 k steps x 64 multiply-adds, unrolled by hand.
                c00 += a00 * b00; c01 += a00 * b01; c02 += a00 * b02; c03 += a00 * b03; c04 += a00 * b04; c05 += a00 * b05; c06 += a00 * b06; c07 += a00 * b07;
                c10 += a10 * b00; c11 += a10 * b01; c12 += a10 * b02; c13 += a10 * b03; c14 += a10 * b04; c15 += a10 * b05; c16 += a10 * b06; c17 += a10 * b07;
                c20 += a20 * b00; c21 += a20 * b01; c22 += a20 * b02; c23 += a20 * b03; c24 += a20 * b04; c25 += a20 * b05; c26 += a20 * b06; c27 += a20 * b07;
                c30 += a30 * b00; c31 += a30 * b01; c32 += a30 * b02; c33 += a30 * b03; c34 += a30 * b04; c35 += a30 * b05; c36 += a30 * b06; c37 += a30 * b07;
                c40 += a40 * b00; c41 += a40 * b01; c42 += a40 * b02; c43 += a40 * b03; c44 += a40 * b04; c45 += a40 * b05; c46 += a40 * b06; c47 += a40 * b07;
                c50 += a50 * b00; c51 += a50 * b01; c52 += a50 * b02; c53 += a50 * b03; c54 += a50 * b04; c55 += a50 * b05; c56 += a50 * b06; c57 += a50 * b07;
                c60 += a60 * b00; c61 += a60 * b01; c62 += a60 * b02; c63 += a60 * b03; c64 += a60 * b04; c65 += a60 * b05; c66 += a60 * b06; c67 += a60 * b07;
                c70 += a70 * b00; c71 += a70 * b01; c72 += a70 * b02; c73 += a70 * b03; c74 += a70 * b04; c75 += a70 * b05; c76 += a70 * b06; c77 += a70 * b07;
                c00 += a01 * b10; c01 += a01 * b11; c02 += a01 * b12; c03 += a01 * b13; c04 += a01 * b14; c05 += a01 * b15; c06 += a01 * b16; c07 += a01 * b17;
                c10 += a11 * b10; c11 += a11 * b11; c12 += a11 * b12; c13 += a11 * b13; c14 += a11 * b14; c15 += a11 * b15; c16 += a11 * b16; c17 += a11 * b17;
                c20 += a21 * b10; c21 += a21 * b11; c22 += a21 * b12; c23 += a21 * b13; c24 += a21 * b14; c25 += a21 * b15; c26 += a21 * b16; c27 += a21 * b17;
                c30 += a31 * b10; c31 += a31 * b11; c32 += a31 * b12; c33 += a31 * b13; c34 += a31 * b14; c35 += a31 * b15; c36 += a31 * b16; c37 += a31 * b17;
                c40 += a41 * b10; c41 += a41 * b11; c42 += a41 * b12; c43 += a41 * b13; c44 += a41 * b14; c45 += a41 * b15; c46 += a41 * b16; c47 += a41 * b17;
                c50 += a51 * b10; c51 += a51 * b11; c52 += a51 * b12; c53 += a51 * b13; c54 += a51 * b14; c55 += a51 * b15; c56 += a51 * b16; c57 += a51 * b17;
                c60 += a61 * b10; c61 += a61 * b11; c62 += a61 * b12; c63 += a61 * b13; c64 += a61 * b14; c65 += a61 * b15; c66 += a61 * b16; c67 += a61 * b17;
                c70 += a71 * b10; c71 += a71 * b11; c72 += a71 * b12; c73 += a71 * b13; c74 += a71 * b14; c75 += a71 * b15; c76 += a71 * b16; c77 += a71 * b17;
                c00 += a02 * b20; c01 += a02 * b21; c02 += a02 * b22; c03 += a02 * b23; c04 += a02 * b24; c05 += a02 * b25; c06 += a02 * b26; c07 += a02 * b27;
                c10 += a12 * b20; c11 += a12 * b21; c12 += a12 * b22; c13 += a12 * b23; c14 += a12 * b24; c15 += a12 * b25; c16 += a12 * b26; c17 += a12 * b27;
                c20 += a22 * b20; c21 += a22 * b21; c22 += a22 * b22; c23 += a22 * b23; c24 += a22 * b24; c25 += a22 * b25; c26 += a22 * b26; c27 += a22 * b27;
                c30 += a32 * b20; c31 += a32 * b21; c32 += a32 * b22; c33 += a32 * b23; c34 += a32 * b24; c35 += a32 * b25; c36 += a32 * b26; c37 += a32 * b27;
                c40 += a42 * b20; c41 += a42 * b21; c42 += a42 * b22; c43 += a42 * b23; c44 += a42 * b24; c45 += a42 * b25; c46 += a42 * b26; c47 += a42 * b27;
                c50 += a52 * b20; c51 += a52 * b21; c52 += a52 * b22; c53 += a52 * b23; c54 += a52 * b24; c55 += a52 * b25; c56 += a52 * b26; c57 += a52 * b27;
                c60 += a62 * b20; c61 += a62 * b21; c62 += a62 * b22; c63 += a62 * b23; c64 += a62 * b24; c65 += a62 * b25; c66 += a62 * b26; c67 += a62 * b27;
                c70 += a72 * b20; c71 += a72 * b21; c72 += a72 * b22; c73 += a72 * b23; c74 += a72 * b24; c75 += a72 * b25; c76 += a72 * b26; c77 += a72 * b27;
                c00 += a03 * b30; c01 += a03 * b31; c02 += a03 * b32; c03 += a03 * b33; c04 += a03 * b34; c05 += a03 * b35; c06 += a03 * b36; c07 += a03 * b37;
                c10 += a13 * b30; c11 += a13 * b31; c12 += a13 * b32; c13 += a13 * b33; c14 += a13 * b34; c15 += a13 * b35; c16 += a13 * b36; c17 += a13 * b37;
                c20 += a23 * b30; c21 += a23 * b31; c22 += a23 * b32; c23 += a23 * b33; c24 += a23 * b34; c25 += a23 * b35; c26 += a23 * b36; c27 += a23 * b37;
                c30 += a33 * b30; c31 += a33 * b31; c32 += a33 * b32; c33 += a33 * b33; c34 += a33 * b34; c35 += a33 * b35; c36 += a33 * b36; c37 += a33 * b37;
                c40 += a43 * b30; c41 += a43 * b31; c42 += a43 * b32; c43 += a43 * b33; c44 += a43 * b34; c45 += a43 * b35; c46 += a43 * b36; c47 += a43 * b37;
                c50 += a53 * b30; c51 += a53 * b31; c52 += a53 * b32; c53 += a53 * b33; c54 += a53 * b34; c55 += a53 * b35; c56 += a53 * b36; c57 += a53 * b37;
                c60 += a63 * b30; c61 += a63 * b31; c62 += a63 * b32; c63 += a63 * b33; c64 += a63 * b34; c65 += a63 * b35; c66 += a63 * b36; c67 += a63 * b37;
                c70 += a73 * b30; c71 += a73 * b31; c72 += a73 * b32; c73 += a73 * b33; c74 += a73 * b34; c75 += a73 * b35; c76 += a73 * b36; c77 += a73 * b37;
        }
        for (int kk = k4; kk < k; kk++)
        {
            int o = kk * aStep;
            float a00 = a[o + ai0], a10 = a[o + ai1], a20 = a[o + ai2], a30 = a[o + ai3];
            float a40 = a[o + ai4], a50 = a[o + ai5], a60 = a[o + ai6], a70 = a[o + ai7];
            o = kk * bStep;
            float b00 = b[o + bj0], b01 = b[o + bj1], b02 = b[o + bj2], b03 = b[o + bj3];
            float b04 = b[o + bj4], b05 = b[o + bj5], b06 = b[o + bj6], b07 = b[o + bj7];
                c00 += a00 * b00; c01 += a00 * b01; c02 += a00 * b02; c03 += a00 * b03; c04 += a00 * b04; c05 += a00 * b05; c06 += a00 * b06; c07 += a00 * b07;
                c10 += a10 * b00; c11 += a10 * b01; c12 += a10 * b02; c13 += a10 * b03; c14 += a10 * b04; c15 += a10 * b05; c16 += a10 * b06; c17 += a10 * b07;
                c20 += a20 * b00; c21 += a20 * b01; c22 += a20 * b02; c23 += a20 * b03; c24 += a20 * b04; c25 += a20 * b05; c26 += a20 * b06; c27 += a20 * b07;
                c30 += a30 * b00; c31 += a30 * b01; c32 += a30 * b02; c33 += a30 * b03; c34 += a30 * b04; c35 += a30 * b05; c36 += a30 * b06; c37 += a30 * b07;
                c40 += a40 * b00; c41 += a40 * b01; c42 += a40 * b02; c43 += a40 * b03; c44 += a40 * b04; c45 += a40 * b05; c46 += a40 * b06; c47 += a40 * b07;
                c50 += a50 * b00; c51 += a50 * b01; c52 += a50 * b02; c53 += a50 * b03; c54 += a50 * b04; c55 += a50 * b05; c56 += a50 * b06; c57 += a50 * b07;
                c60 += a60 * b00; c61 += a60 * b01; c62 += a60 * b02; c63 += a60 * b03; c64 += a60 * b04; c65 += a60 * b05; c66 += a60 * b06; c67 += a60 * b07;
                c70 += a70 * b00; c71 += a70 * b01; c72 += a70 * b02; c73 += a70 * b03; c74 += a70 * b04; c75 += a70 * b05; c76 += a70 * b06; c77 += a70 * b07;
        }

            if (m0 + 0 < m)
            {
                int o = (m0 + 0) * ldc + n0;
                if (n0 + 0 < n) Put(cv, o + 0, c00, alpha, beta); if (n0 + 1 < n) Put(cv, o + 1, c01, alpha, beta); if (n0 + 2 < n) Put(cv, o + 2, c02, alpha, beta); if (n0 + 3 < n) Put(cv, o + 3, c03, alpha, beta);
                if (n0 + 4 < n) Put(cv, o + 4, c04, alpha, beta); if (n0 + 5 < n) Put(cv, o + 5, c05, alpha, beta); if (n0 + 6 < n) Put(cv, o + 6, c06, alpha, beta); if (n0 + 7 < n) Put(cv, o + 7, c07, alpha, beta);
            }
            if (m0 + 1 < m)
            {
                int o = (m0 + 1) * ldc + n0;
                if (n0 + 0 < n) Put(cv, o + 0, c10, alpha, beta); if (n0 + 1 < n) Put(cv, o + 1, c11, alpha, beta); if (n0 + 2 < n) Put(cv, o + 2, c12, alpha, beta); if (n0 + 3 < n) Put(cv, o + 3, c13, alpha, beta);
                if (n0 + 4 < n) Put(cv, o + 4, c14, alpha, beta); if (n0 + 5 < n) Put(cv, o + 5, c15, alpha, beta); if (n0 + 6 < n) Put(cv, o + 6, c16, alpha, beta); if (n0 + 7 < n) Put(cv, o + 7, c17, alpha, beta);
            }
            if (m0 + 2 < m)
            {
                int o = (m0 + 2) * ldc + n0;
                if (n0 + 0 < n) Put(cv, o + 0, c20, alpha, beta); if (n0 + 1 < n) Put(cv, o + 1, c21, alpha, beta); if (n0 + 2 < n) Put(cv, o + 2, c22, alpha, beta); if (n0 + 3 < n) Put(cv, o + 3, c23, alpha, beta);
                if (n0 + 4 < n) Put(cv, o + 4, c24, alpha, beta); if (n0 + 5 < n) Put(cv, o + 5, c25, alpha, beta); if (n0 + 6 < n) Put(cv, o + 6, c26, alpha, beta); if (n0 + 7 < n) Put(cv, o + 7, c27, alpha, beta);
            }
            if (m0 + 3 < m)
            {
                int o = (m0 + 3) * ldc + n0;
                if (n0 + 0 < n) Put(cv, o + 0, c30, alpha, beta); if (n0 + 1 < n) Put(cv, o + 1, c31, alpha, beta); if (n0 + 2 < n) Put(cv, o + 2, c32, alpha, beta); if (n0 + 3 < n) Put(cv, o + 3, c33, alpha, beta);
                if (n0 + 4 < n) Put(cv, o + 4, c34, alpha, beta); if (n0 + 5 < n) Put(cv, o + 5, c35, alpha, beta); if (n0 + 6 < n) Put(cv, o + 6, c36, alpha, beta); if (n0 + 7 < n) Put(cv, o + 7, c37, alpha, beta);
            }
            if (m0 + 4 < m)
            {
                int o = (m0 + 4) * ldc + n0;
                if (n0 + 0 < n) Put(cv, o + 0, c40, alpha, beta); if (n0 + 1 < n) Put(cv, o + 1, c41, alpha, beta); if (n0 + 2 < n) Put(cv, o + 2, c42, alpha, beta); if (n0 + 3 < n) Put(cv, o + 3, c43, alpha, beta);
                if (n0 + 4 < n) Put(cv, o + 4, c44, alpha, beta); if (n0 + 5 < n) Put(cv, o + 5, c45, alpha, beta); if (n0 + 6 < n) Put(cv, o + 6, c46, alpha, beta); if (n0 + 7 < n) Put(cv, o + 7, c47, alpha, beta);
            }
            if (m0 + 5 < m)
            {
                int o = (m0 + 5) * ldc + n0;
                if (n0 + 0 < n) Put(cv, o + 0, c50, alpha, beta); if (n0 + 1 < n) Put(cv, o + 1, c51, alpha, beta); if (n0 + 2 < n) Put(cv, o + 2, c52, alpha, beta); if (n0 + 3 < n) Put(cv, o + 3, c53, alpha, beta);
                if (n0 + 4 < n) Put(cv, o + 4, c54, alpha, beta); if (n0 + 5 < n) Put(cv, o + 5, c55, alpha, beta); if (n0 + 6 < n) Put(cv, o + 6, c56, alpha, beta); if (n0 + 7 < n) Put(cv, o + 7, c57, alpha, beta);
            }
            if (m0 + 6 < m)
            {
                int o = (m0 + 6) * ldc + n0;
                if (n0 + 0 < n) Put(cv, o + 0, c60, alpha, beta); if (n0 + 1 < n) Put(cv, o + 1, c61, alpha, beta); if (n0 + 2 < n) Put(cv, o + 2, c62, alpha, beta); if (n0 + 3 < n) Put(cv, o + 3, c63, alpha, beta);
                if (n0 + 4 < n) Put(cv, o + 4, c64, alpha, beta); if (n0 + 5 < n) Put(cv, o + 5, c65, alpha, beta); if (n0 + 6 < n) Put(cv, o + 6, c66, alpha, beta); if (n0 + 7 < n) Put(cv, o + 7, c67, alpha, beta);
            }
            if (m0 + 7 < m)
            {
                int o = (m0 + 7) * ldc + n0;
                if (n0 + 0 < n) Put(cv, o + 0, c70, alpha, beta); if (n0 + 1 < n) Put(cv, o + 1, c71, alpha, beta); if (n0 + 2 < n) Put(cv, o + 2, c72, alpha, beta); if (n0 + 3 < n) Put(cv, o + 3, c73, alpha, beta);
                if (n0 + 4 < n) Put(cv, o + 4, c74, alpha, beta); if (n0 + 5 < n) Put(cv, o + 5, c75, alpha, beta); if (n0 + 6 < n) Put(cv, o + 6, c76, alpha, beta); if (n0 + 7 < n) Put(cv, o + 7, c77, alpha, beta);
            }
    }
}

/// <summary>
/// Operand strides of <see cref="GemmKernels.GemmSumCpu"/>: per Grid.Y product (StrideA/B/C) and per summed
/// term (TermStrideA/B; C is shared by the terms).
/// </summary>
public struct GemmSum
{
    public long StrideA, StrideB, StrideC;
    public int Terms;
    public long TermStrideA, TermStrideB;
}
