using ILGPU;

namespace ILGpuNet.Kernels;

public static partial class GemmKernels
{
    /// <summary>Columns of C per work unit of <see cref="GemmSkinnyCpu"/>.</summary>
    public const int SkinnyColumns = 64;

    /// <summary>
    /// CPU accelerator GEMM for skinny products, m &lt; 8 or k &lt; 8 (a Linear layer at batch 1..7 and
    /// its backward: dx = dY W with m = batch, dW = dY^T x with k = batch), where the 8 x 8 register
    /// blocks of <see cref="GemmCpu"/> would compute up to eight rows to store one, or pay their set-up
    /// for a depth of one. Work units: (row i of C, SkinnyColumns columns), row-major, chunked per thread
    /// (<see cref="Work"/>); Grid.Y = batch index. Rows of op(B) contiguous along n (B not transposed):
    /// C's row segment accumulates a * B row segment for each k (a streamed multiply-add); op(B) columns
    /// contiguous along k (B transposed): one dot product per element of C. Pinned pointers, because an
    /// ArrayView access costs several calls on the CPU accelerator. beta == 0 never reads C; k &gt; 0.
    /// Launch with <see cref="GemmLaunch.Skinny"/>.
    /// </summary>
    [Kernel]
    public static unsafe void GemmSkinnyCpu(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc,
        int ops, float alpha, float beta, LongIndex3D batchStrides, int chunk)
    {
        bool transA = (ops & TransA) != 0, transB = (ops & TransB) != 0;
        long batch = Work.BatchIndex;
        // Along k, op(A) row i steps by aStep from a + i * aRow.
        long aStep = transA ? lda : 1, aRow = transA ? 1 : lda;
        int colBlocks = (n + SkinnyColumns - 1) / SkinnyColumns;
        int units = m * colBlocks;
        fixed (float* a0 = &a[0])
        fixed (float* b0 = &b[0])
        fixed (float* c0 = &c[0])
        {
            float* ab = a0 + batch * batchStrides.X, bb = b0 + batch * batchStrides.Y, cb = c0 + batch * batchStrides.Z;
            for (var work = Work.Ranges(units, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                for (int u = start; u < end; u++)
                {
                    int i = u / colBlocks, j0 = (u - i * colBlocks) * SkinnyColumns, j1 = Math.Min(j0 + SkinnyColumns, n);
                    float* ai = ab + i * aRow;
                    float* ci = cb + (long)i * ldc;
                    if (!transB)
                    {
                        for (int j = j0; j < j1; j++) ci[j] = beta == 0f ? 0f : beta * ci[j];
                        for (int p = 0; p < k; p++)
                        {
                            float v = alpha * ai[p * aStep];
                            float* bp = bb + (long)p * ldb;
                            for (int j = j0; j < j1; j++) ci[j] += v * bp[j];
                        }
                    }
                    else
                    {
                        for (int j = j0; j < j1; j++)
                        {
                            float* bj = bb + (long)j * ldb;
                            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                            int p = 0;
                            if (!transA)
                            {
                                for (; p + 3 < k; p += 4)
                                {
                                    s0 += ai[p] * bj[p];
                                    s1 += ai[p + 1] * bj[p + 1];
                                    s2 += ai[p + 2] * bj[p + 2];
                                    s3 += ai[p + 3] * bj[p + 3];
                                }
                            }
                            for (; p < k; p++) s0 += ai[p * aStep] * bj[p];
                            float sum = alpha * ((s0 + s1) + (s2 + s3));
                            ci[j] = beta == 0f ? sum : sum + beta * ci[j];
                        }
                    }
                }
            }
        }
    }
}
