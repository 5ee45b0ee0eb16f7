using ILGPU;

namespace ILGpuNet.Kernels;

public static partial class GemmKernels
{
    // The tensor-core GEMM's shared tiles are k-major like GemmCuda's, with 8 floats of padding per row: a fragment
    // load reads k = t (+4), row g (+8) for lane (g, t), i.e. addresses t * 136 + g, 32 distinct banks.
    private const int TcRow = 136;
    private const int TcBuf = TiledBlockK * TcRow;

    /// <summary>
    /// Tensor-core GEMM (operands and ops: see <see cref="GemmKernels"/>), TF32 (3xTF32: <see cref="GemmTf32x3"/>), FP32 sums. The launch of <see cref="GemmCuda"/> (<see cref="GemmLaunch.Tiled"/>,
    /// <see cref="GemmLaunch.TiledSpecialization"/>): a group of 256 threads computes a 128 x 128 tile of C through the same
    /// double-buffered 8-deep shared tiles (the same global loads), and each of its 8 warps a 64 x 32 part of it with
    /// <see cref="TensorCoreMma"/> (2 warps along m, 4 along n). beta == 0 never reads C. Any m, n &gt; 0, k &gt;= 0.
    /// </summary>
    [Kernel(UsesBarriers = true, MaxGroupSize = TiledGroupSize, MinGroupsPerMultiprocessor = TiledGroupsPerMultiprocessor)]
    public static void GemmTf32(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc,
        int ops, float alpha, float beta, LongIndex3D batchStrides) =>
        GemmTensorCore<Tf32Mma>(a, b, c, m, n, k, lda, ldb, ldc, ops, alpha, beta, batchStrides);

    /// <summary>
    /// <see cref="GemmTf32"/> in 3xTF32. It holds twice the fragments: ptxas 11.8 (sm_90) gives it 179 registers, and
    /// 44 bytes of spills under the 128-register cap of two groups per multiprocessor, so it runs one group per
    /// multiprocessor.
    /// </summary>
    [Kernel(UsesBarriers = true, MaxGroupSize = TiledGroupSize, MinGroupsPerMultiprocessor = 1)]
    public static void GemmTf32x3(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc,
        int ops, float alpha, float beta, LongIndex3D batchStrides) =>
        GemmTensorCore<Tf32x3Mma>(a, b, c, m, n, k, lda, ldb, ldc, ops, alpha, beta, batchStrides);

    private static void GemmTensorCore<TPrecision>(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc,
        int ops, float alpha, float beta, LongIndex3D batchStrides)
        where TPrecision : struct, ITensorCorePrecision
    {
        TensorCoreMma.Begin();
        int transA = ops & TransA;
        int transB = (ops & TransB) >> 1;
        var sa = SharedMemory.Allocate<float>(2 * TcBuf);
        var sb = SharedMemory.Allocate<float>(2 * TcBuf);

        SelectBatch(ref a, ref b, ref c, batchStrides.X, batchStrides.Y, batchStrides.Z);
        TileOfC(m, n, out int m0, out int n0);

        int t = Group.IdxX;
        int lane = t & 31, warp = t >> 5;
        int wm = (warp & 1) * TensorCoreMma.WarpRows;
        int wn = (warp >> 1) * TensorCoreMma.WarpColumns;
        int numTiles = (k + 7) >> 3;

        var acc = default(WarpTile64x32);
        // Carried across tiles here (declared in the loop, as in GemmCuda, ptxas 11.8 spends 4 more instructions a tile).
        var next = default(GemmTiles);
        if (numTiles > 0)
        {
            next = GemmTiles.Load(a, b, transA, transB, m0, n0, m, n, k, lda, ldb, 0, t);
            next.Store(sa, sb, transA, transB, 0, t, TcRow);
        }
        Group.Barrier();

        int buf = 0;
        for (int kt = 0; kt < numTiles; kt++)
        {
            bool more = kt + 1 < numTiles;
            if (more) next = GemmTiles.Load(a, b, transA, transB, m0, n0, m, n, k, lda, ldb, (kt + 1) << 3, t);
            acc = TensorCoreMma.Step<TPrecision>(acc, sa, buf * TcBuf + wm, TcRow, sb, buf * TcBuf + wn, TcRow, lane);
            if (more) next.Store(sa, sb, transA, transB, (buf ^ 1) * TcBuf, t, TcRow);
            Group.Barrier();
            buf ^= 1;
        }

        TensorCoreMma.Write(acc, lane, new GemmTarget
        {
            C = c, Row0 = m0 + wm, Col0 = n0 + wn, M = m, N = n, Ldc = ldc, Alpha = alpha, Beta = beta,
        });
    }

    /// <summary>C = alpha * sum + beta * C for the warp tile at (Row0, Col0); beta == 0 never reads C.</summary>
    private struct GemmTarget : IMmaEpilogue
    {
        public ArrayView<float> C;
        public int Row0, Col0, M, N, Ldc;
        public float Alpha, Beta;

        public readonly ArrayView<float> Target => C;

        public readonly float Scale => Alpha;

        public readonly MmaTarget Place(int row, int col)
        {
            int r = Row0 + row, j = Col0 + col;
            if (r >= M || j >= N) return new MmaTarget { Index = -1 };
            int index = r * Ldc + j;
            return new MmaTarget { Index = index, Add = Beta != 0f ? Beta * C[index] : 0f };
        }
    }
}
