using System.Runtime.CompilerServices;
using ILGPU;

namespace ILGpuNet.Kernels;

public static partial class GemmKernels
{
    /// <summary>Rows of C per group of <see cref="GemmCuda"/>.</summary>
    public const int TiledBlockM = 128;

    /// <summary>Columns of C per group of <see cref="GemmCuda"/>.</summary>
    public const int TiledBlockN = 128;

    /// <summary>Depth of one shared-memory tile of <see cref="GemmCuda"/>.</summary>
    public const int TiledBlockK = 8;

    /// <summary>Threads per group of <see cref="GemmCuda"/> (16 x 16, each computing 8 x 8 outputs).</summary>
    public const int TiledGroupSize = 256;

    /// <summary>Groups of <see cref="GemmCuda"/> per multiprocessor its launch asks for (ptxas then keeps to 128 registers).</summary>
    public const int TiledGroupsPerMultiprocessor = 2;

    // Shared tiles are stored k-major, [TiledBlockK][SRow] with 4 floats of padding per row, so that
    // the transposing stores (k contiguous in global memory) hit 32 distinct banks and every row
    // still starts 16-byte aligned for the Float4 reads of the inner loop.
    private const int SRow = 132;
    private const int SRow4 = SRow / 4;
    private const int SBuf4 = TiledBlockK * SRow4;

    /// <summary>
    /// CUDA GEMM (operands and ops: see <see cref="GemmKernels"/>). A group of
    /// <see cref="TiledGroupSize"/> threads computes a 128 x 128 tile of C through double-buffered
    /// 8-deep shared tiles; each thread holds an 8 x 8 register block. Grid.X = tiles
    /// (ceil(m/128) * ceil(n/128), walked in runs of 8 tile rows for L2 reuse), Grid.Y = batch index.
    /// beta == 0 never reads C. Any m, n &gt; 0, k &gt;= 0. Load it with
    /// <see cref="GemmLaunch.TiledSpecialization"/> (2 groups per SM; ~1.5x faster on an H100) and
    /// launch with <see cref="GemmLaunch.Tiled"/>.
    /// </summary>
    [Kernel(UsesBarriers = true, MaxGroupSize = TiledGroupSize, MinGroupsPerMultiprocessor = TiledGroupsPerMultiprocessor)]
    public static void GemmCuda(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, int lda, int ldb, int ldc,
        int ops, float alpha, float beta, LongIndex3D batchStrides)
    {
        int transA = ops & TransA;
        int transB = (ops & TransB) >> 1;
        var sa4 = SharedMemory.Allocate<Float4>(2 * SBuf4);
        var sb4 = SharedMemory.Allocate<Float4>(2 * SBuf4);
        var saF = sa4.Cast<float>();
        var sbF = sb4.Cast<float>();

        SelectBatch(ref a, ref b, ref c, batchStrides.X, batchStrides.Y, batchStrides.Z);
        TileOfC(m, n, out int m0, out int n0);

        int t = Group.IdxX;
        int tx = t & 15;
        int ty = t >> 4;
        int numTiles = (k + 7) >> 3;

        var sums = default(MicroTile8x8);
        if (numTiles > 0) GemmTiles.Load(a, b, transA, transB, m0, n0, m, n, k, lda, ldb, 0, t).Store(saF, sbF, transA, transB, 0, t, SRow);
        Group.Barrier();

        int buf = 0;
        for (int kt = 0; kt < numTiles; kt++)
        {
            // The next tile pair travels through registers while this one is multiplied. Declared here, nothing of it is
            // carried from one tile to the next: carried, its 8 values pushed the kernel past its 128 registers (ptxas
            // 11.8: a 4-byte spill and a local load per tile).
            bool more = kt + 1 < numTiles;
            var next = default(GemmTiles);
            if (more) next = GemmTiles.Load(a, b, transA, transB, m0, n0, m, n, k, lda, ldb, (kt + 1) << 3, t);

            // Row kk of a buffer starts at Float4 33 * kk; thread (tx, ty) reads A rows 4ty.. and 64 + 4ty.., B columns
            // 4tx.. and 64 + 4tx.. as 16-byte vectors (ld.shared.v4; a quarter-warp covers all 32 banks).
            sums.AddTile(sa4.SubView(buf * SBuf4 + ty), SRow4, 16, sb4.SubView(buf * SBuf4 + tx), SRow4, 16);
            if (more) next.Store(saF, sbF, transA, transB, (buf ^ 1) * SBuf4 * 4, t, SRow);
            Group.Barrier();
            buf ^= 1;
        }

        int col0 = n0 + tx * 4;
        sums.Write(new GemmRows
        {
            C = c, Row0 = m0 + ty * 4, Col0 = col0, M = m, Ldc = ldc, Alpha = alpha, Beta = beta,
            Columns = MicroTileColumns.Below(col0, 64, n),
        }, 64);
    }

    /// <summary>C = alpha * sum + beta * C for a thread's rows of C (Row0 + r, columns Col0.. and Col0 + 64..); beta == 0 never reads C.</summary>
    private struct GemmRows : IMicroTileRows
    {
        public ArrayView<float> C;
        public int Row0, Col0, M, Ldc;
        public float Alpha, Beta;
        public MicroTileColumns Columns;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Row(int r, Float4 near, Float4 far)
        {
            if (Row0 + r < M)
            {
                int o = (Row0 + r) * Ldc + Col0;
                if (Columns.In0) Put(C, o, near.X, Alpha, Beta);
                if (Columns.In1) Put(C, o + 1, near.Y, Alpha, Beta);
                if (Columns.In2) Put(C, o + 2, near.Z, Alpha, Beta);
                if (Columns.In3) Put(C, o + 3, near.W, Alpha, Beta);
                if (Columns.In4) Put(C, o + 64, far.X, Alpha, Beta);
                if (Columns.In5) Put(C, o + 65, far.Y, Alpha, Beta);
                if (Columns.In6) Put(C, o + 66, far.Z, Alpha, Beta);
                if (Columns.In7) Put(C, o + 67, far.W, Alpha, Beta);
            }
        }
    }

    /// <summary>
    /// The 128 x 128 tile of C that group Grid.IdxX computes (first row m0, first column n0), swizzled: runs of 8 tile
    /// rows share their B panels in L2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TileOfC(int m, int n, out int m0, out int n0)
    {
        int tilesM = (m + 127) >> 7;
        int tilesN = (n + 127) >> 7;
        int tile = Grid.IdxX;
        int perGroup = 8 * tilesN;
        int groupIdx = tile / perGroup;
        int firstM = groupIdx * 8;
        int groupM = Math.Min(tilesM - firstM, 8);
        int inGroup = tile - groupIdx * perGroup;
        m0 = (firstM + inGroup % groupM) << 7;
        n0 = (inGroup / groupM) << 7;
    }

    /// <summary>
    /// The elements of one 8-deep tile of A and of B^T that a thread moves from global to shared memory (see
    /// <see cref="LoadTile"/>), held in registers while the previous tile is multiplied. Shared by <see cref="GemmCuda"/>
    /// and the tensor-core GEMM (their shared tiles differ only in pitch).
    /// </summary>
    private struct GemmTiles
    {
        public float A0, A1, A2, A3, B0, B1, B2, B3;

        /// <summary>Thread t's share of the tile pair at depth k0 of the group's tile (rows m0.. of op(A), columns n0.. of op(B)).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static GemmTiles Load(ArrayView<float> a, ArrayView<float> b, int transA, int transB, int m0, int n0, int m, int n, int k,
            int lda, int ldb, int k0, int t)
        {
            var g = new GemmTiles();
            LoadTile(a, transA, m0, m, k, lda, k0, t, out g.A0, out g.A1, out g.A2, out g.A3);
            LoadTile(b, transB ^ 1, n0, n, k, ldb, k0, t, out g.B0, out g.B1, out g.B2, out g.B3);
            return g;
        }

        /// <summary>Stores the tile pair into the k-major shared tiles at float offset nb (row pitch <paramref name="pitch"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(ArrayView<float> sa, ArrayView<float> sb, int transA, int transB, int nb, int t, int pitch)
        {
            StoreTile(sa, transA, nb, t, A0, A1, A2, A3, pitch);
            StoreTile(sb, transB ^ 1, nb, t, B0, B1, B2, B3, pitch);
        }
    }

    /// <summary>
    /// Loads this thread's 4 elements of an 8-deep tile of one operand, seen as the (rows x k)
    /// matrix op(X) (rows = m for A, n for B^T). kMajor != 0: X is stored k x rows (row pitch ld);
    /// thread t reads k = k0 + t/32, rows r0 + t%32 + 32i (128 contiguous bytes per warp load).
    /// kMajor == 0: X is stored rows x k; lane l of warp w reads row r0 + 4w + l/8 + 32i at
    /// k = k0 + l%8 (four full 32-byte sectors per warp load). Out-of-range elements read as 0 (indices
    /// are clamped, so nothing outside the matrix is touched).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadTile(
        ArrayView<float> x, int kMajor, int r0, int rows, int k, int ld, int k0, int t,
        out float v0, out float v1, out float v2, out float v3)
    {
        bool inside = r0 + 128 <= rows && k0 + 8 <= k;
        if (kMajor != 0)
        {
            if (inside)
            {
                var p = x.SubView((k0 + (t >> 5)) * ld + r0 + (t & 31));
                v0 = p[0];
                v1 = p[32];
                v2 = p[64];
                v3 = p[96];
                return;
            }
            int kr = k0 + (t >> 5);
            bool kOk = kr < k;
            int rowOff = Math.Min(kr, k - 1) * ld;
            int r = r0 + (t & 31);
            v0 = x[rowOff + Math.Min(r, rows - 1)];
            v1 = x[rowOff + Math.Min(r + 32, rows - 1)];
            v2 = x[rowOff + Math.Min(r + 64, rows - 1)];
            v3 = x[rowOff + Math.Min(r + 96, rows - 1)];
            v0 = kOk && r < rows ? v0 : 0f;
            v1 = kOk && r + 32 < rows ? v1 : 0f;
            v2 = kOk && r + 64 < rows ? v2 : 0f;
            v3 = kOk && r + 96 < rows ? v3 : 0f;
        }
        else
        {
            // Lane l of warp w reads row r0 + 4w + l/8 (+32i), k = k0 + l%8: four whole 32-byte rows per load.
            int r = r0 + ((t >> 5) << 2) + ((t & 31) >> 3);
            int kc = k0 + (t & 7);
            if (inside)
            {
                var p = x.SubView(r * ld + kc);
                int ld32 = ld << 5;
                v0 = p[0];
                v1 = p[ld32];
                v2 = p[2 * ld32];
                v3 = p[3 * ld32];
                return;
            }
            bool kOk = kc < k;
            int kIdx = Math.Min(kc, k - 1);
            int rowsLast = rows - 1;
            v0 = x[Math.Min(r, rowsLast) * ld + kIdx];
            v1 = x[Math.Min(r + 32, rowsLast) * ld + kIdx];
            v2 = x[Math.Min(r + 64, rowsLast) * ld + kIdx];
            v3 = x[Math.Min(r + 96, rowsLast) * ld + kIdx];
            v0 = kOk && r < rows ? v0 : 0f;
            v1 = kOk && r + 32 < rows ? v1 : 0f;
            v2 = kOk && r + 64 < rows ? v2 : 0f;
            v3 = kOk && r + 96 < rows ? v3 : 0f;
        }
    }

    /// <summary>Stores what <see cref="LoadTile"/> loaded into a k-major shared tile (row pitch <paramref name="pitch"/>) at float offset nb.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTile(
        ArrayView<float> s, int kMajor, int nb, int t, float v0, float v1, float v2, float v3, int pitch = SRow)
    {
        if (kMajor != 0)
        {
            var p = s.SubView(nb + (t >> 5) * pitch + (t & 31));
            p[0] = v0;
            p[32] = v1;
            p[64] = v2;
            p[96] = v3;
        }
        else
        {
            var p = s.SubView(nb + (t & 7) * pitch + ((t >> 5) << 2) + ((t & 31) >> 3));
            p[0] = v0;
            p[32] = v1;
            p[64] = v2;
            p[96] = v3;
        }
    }
}
