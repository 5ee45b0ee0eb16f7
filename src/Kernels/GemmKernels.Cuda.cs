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

        long batch = Grid.IdxY;
        if (batch != 0)
        {
            a = a.SubView(batch * batchStrides.X);
            b = b.SubView(batch * batchStrides.Y);
            c = c.SubView(batch * batchStrides.Z);
        }

        // Tile of C, swizzled: runs of 8 tile rows share their B panels in L2.
        int tilesM = (m + 127) >> 7;
        int tilesN = (n + 127) >> 7;
        int tile = Grid.IdxX;
        int perGroup = 8 * tilesN;
        int groupIdx = tile / perGroup;
        int firstM = groupIdx * 8;
        int groupM = Math.Min(tilesM - firstM, 8);
        int inGroup = tile - groupIdx * perGroup;
        int m0 = (firstM + inGroup % groupM) << 7;
        int n0 = (inGroup / groupM) << 7;

        int t = Group.IdxX;
        int tx = t & 15;
        int ty = t >> 4;
        int numTiles = (k + 7) >> 3;

        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c04 = 0f, c05 = 0f, c06 = 0f, c07 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f, c14 = 0f, c15 = 0f, c16 = 0f, c17 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c24 = 0f, c25 = 0f, c26 = 0f, c27 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f, c34 = 0f, c35 = 0f, c36 = 0f, c37 = 0f;
        float c40 = 0f, c41 = 0f, c42 = 0f, c43 = 0f, c44 = 0f, c45 = 0f, c46 = 0f, c47 = 0f;
        float c50 = 0f, c51 = 0f, c52 = 0f, c53 = 0f, c54 = 0f, c55 = 0f, c56 = 0f, c57 = 0f;
        float c60 = 0f, c61 = 0f, c62 = 0f, c63 = 0f, c64 = 0f, c65 = 0f, c66 = 0f, c67 = 0f;
        float c70 = 0f, c71 = 0f, c72 = 0f, c73 = 0f, c74 = 0f, c75 = 0f, c76 = 0f, c77 = 0f;
        float ga0 = 0f, ga1 = 0f, ga2 = 0f, ga3 = 0f, gb0 = 0f, gb1 = 0f, gb2 = 0f, gb3 = 0f;
        Float4 a0, a1, b0, b1;

        if (numTiles > 0)
        {
            LoadTile(a, transA, m0, m, k, lda, 0, t, out ga0, out ga1, out ga2, out ga3);
            LoadTile(b, transB ^ 1, n0, n, k, ldb, 0, t, out gb0, out gb1, out gb2, out gb3);
            StoreTile(saF, transA, 0, t, ga0, ga1, ga2, ga3);
            StoreTile(sbF, transB ^ 1, 0, t, gb0, gb1, gb2, gb3);
        }
        Group.Barrier();

        int buf = 0;
        for (int kt = 0; kt < numTiles; kt++)
        {
            bool more = kt + 1 < numTiles;
            if (more)
            {
                int k0 = (kt + 1) << 3;
                LoadTile(a, transA, m0, m, k, lda, k0, t, out ga0, out ga1, out ga2, out ga3);
                LoadTile(b, transB ^ 1, n0, n, k, ldb, k0, t, out gb0, out gb1, out gb2, out gb3);
            }

            // The 8 k steps of the tile, unrolled by hand (ILGPU 1.5.3 does not unroll loops). Row kk of
            // a buffer starts at Float4 33*kk; thread (tx, ty) reads A rows 4ty.. and 64+4ty.., B columns
            // 4tx.. and 64+4tx.. as 16-byte vectors (ld.shared.v4; a quarter-warp covers all 32 banks).
            var ra = sa4.SubView(buf * SBuf4 + ty);
            var rb = sb4.SubView(buf * SBuf4 + tx);
            a0 = ra[0]; a1 = ra[16]; b0 = rb[0]; b1 = rb[16];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[33]; a1 = ra[49]; b0 = rb[33]; b1 = rb[49];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[66]; a1 = ra[82]; b0 = rb[66]; b1 = rb[82];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[99]; a1 = ra[115]; b0 = rb[99]; b1 = rb[115];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[132]; a1 = ra[148]; b0 = rb[132]; b1 = rb[148];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[165]; a1 = ra[181]; b0 = rb[165]; b1 = rb[181];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[198]; a1 = ra[214]; b0 = rb[198]; b1 = rb[214];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            a0 = ra[231]; a1 = ra[247]; b0 = rb[231]; b1 = rb[247];
            c00 += a0.X * b0.X; c01 += a0.X * b0.Y; c02 += a0.X * b0.Z; c03 += a0.X * b0.W; c04 += a0.X * b1.X; c05 += a0.X * b1.Y; c06 += a0.X * b1.Z; c07 += a0.X * b1.W;
            c10 += a0.Y * b0.X; c11 += a0.Y * b0.Y; c12 += a0.Y * b0.Z; c13 += a0.Y * b0.W; c14 += a0.Y * b1.X; c15 += a0.Y * b1.Y; c16 += a0.Y * b1.Z; c17 += a0.Y * b1.W;
            c20 += a0.Z * b0.X; c21 += a0.Z * b0.Y; c22 += a0.Z * b0.Z; c23 += a0.Z * b0.W; c24 += a0.Z * b1.X; c25 += a0.Z * b1.Y; c26 += a0.Z * b1.Z; c27 += a0.Z * b1.W;
            c30 += a0.W * b0.X; c31 += a0.W * b0.Y; c32 += a0.W * b0.Z; c33 += a0.W * b0.W; c34 += a0.W * b1.X; c35 += a0.W * b1.Y; c36 += a0.W * b1.Z; c37 += a0.W * b1.W;
            c40 += a1.X * b0.X; c41 += a1.X * b0.Y; c42 += a1.X * b0.Z; c43 += a1.X * b0.W; c44 += a1.X * b1.X; c45 += a1.X * b1.Y; c46 += a1.X * b1.Z; c47 += a1.X * b1.W;
            c50 += a1.Y * b0.X; c51 += a1.Y * b0.Y; c52 += a1.Y * b0.Z; c53 += a1.Y * b0.W; c54 += a1.Y * b1.X; c55 += a1.Y * b1.Y; c56 += a1.Y * b1.Z; c57 += a1.Y * b1.W;
            c60 += a1.Z * b0.X; c61 += a1.Z * b0.Y; c62 += a1.Z * b0.Z; c63 += a1.Z * b0.W; c64 += a1.Z * b1.X; c65 += a1.Z * b1.Y; c66 += a1.Z * b1.Z; c67 += a1.Z * b1.W;
            c70 += a1.W * b0.X; c71 += a1.W * b0.Y; c72 += a1.W * b0.Z; c73 += a1.W * b0.W; c74 += a1.W * b1.X; c75 += a1.W * b1.Y; c76 += a1.W * b1.Z; c77 += a1.W * b1.W;
            if (more)
            {
                int nb = (buf ^ 1) * SBuf4 * 4;
                StoreTile(saF, transA, nb, t, ga0, ga1, ga2, ga3);
                StoreTile(sbF, transB ^ 1, nb, t, gb0, gb1, gb2, gb3);
            }
            Group.Barrier();
            buf ^= 1;
        }

        int row0 = m0 + ty * 4;
        int col0 = n0 + tx * 4;
        bool ok0 = col0 < n, ok1 = col0 + 1 < n, ok2 = col0 + 2 < n, ok3 = col0 + 3 < n;
        bool ok4 = col0 + 64 < n, ok5 = col0 + 65 < n, ok6 = col0 + 66 < n, ok7 = col0 + 67 < n;
        if (row0 + 0 < m)
        {
            int o = (row0 + 0) * ldc + col0;
            if (ok0) Put(c, o + 0, c00, alpha, beta); if (ok1) Put(c, o + 1, c01, alpha, beta); if (ok2) Put(c, o + 2, c02, alpha, beta); if (ok3) Put(c, o + 3, c03, alpha, beta);
            if (ok4) Put(c, o + 64, c04, alpha, beta); if (ok5) Put(c, o + 65, c05, alpha, beta); if (ok6) Put(c, o + 66, c06, alpha, beta); if (ok7) Put(c, o + 67, c07, alpha, beta);
        }
        if (row0 + 1 < m)
        {
            int o = (row0 + 1) * ldc + col0;
            if (ok0) Put(c, o + 0, c10, alpha, beta); if (ok1) Put(c, o + 1, c11, alpha, beta); if (ok2) Put(c, o + 2, c12, alpha, beta); if (ok3) Put(c, o + 3, c13, alpha, beta);
            if (ok4) Put(c, o + 64, c14, alpha, beta); if (ok5) Put(c, o + 65, c15, alpha, beta); if (ok6) Put(c, o + 66, c16, alpha, beta); if (ok7) Put(c, o + 67, c17, alpha, beta);
        }
        if (row0 + 2 < m)
        {
            int o = (row0 + 2) * ldc + col0;
            if (ok0) Put(c, o + 0, c20, alpha, beta); if (ok1) Put(c, o + 1, c21, alpha, beta); if (ok2) Put(c, o + 2, c22, alpha, beta); if (ok3) Put(c, o + 3, c23, alpha, beta);
            if (ok4) Put(c, o + 64, c24, alpha, beta); if (ok5) Put(c, o + 65, c25, alpha, beta); if (ok6) Put(c, o + 66, c26, alpha, beta); if (ok7) Put(c, o + 67, c27, alpha, beta);
        }
        if (row0 + 3 < m)
        {
            int o = (row0 + 3) * ldc + col0;
            if (ok0) Put(c, o + 0, c30, alpha, beta); if (ok1) Put(c, o + 1, c31, alpha, beta); if (ok2) Put(c, o + 2, c32, alpha, beta); if (ok3) Put(c, o + 3, c33, alpha, beta);
            if (ok4) Put(c, o + 64, c34, alpha, beta); if (ok5) Put(c, o + 65, c35, alpha, beta); if (ok6) Put(c, o + 66, c36, alpha, beta); if (ok7) Put(c, o + 67, c37, alpha, beta);
        }
        if (row0 + 64 < m)
        {
            int o = (row0 + 64) * ldc + col0;
            if (ok0) Put(c, o + 0, c40, alpha, beta); if (ok1) Put(c, o + 1, c41, alpha, beta); if (ok2) Put(c, o + 2, c42, alpha, beta); if (ok3) Put(c, o + 3, c43, alpha, beta);
            if (ok4) Put(c, o + 64, c44, alpha, beta); if (ok5) Put(c, o + 65, c45, alpha, beta); if (ok6) Put(c, o + 66, c46, alpha, beta); if (ok7) Put(c, o + 67, c47, alpha, beta);
        }
        if (row0 + 65 < m)
        {
            int o = (row0 + 65) * ldc + col0;
            if (ok0) Put(c, o + 0, c50, alpha, beta); if (ok1) Put(c, o + 1, c51, alpha, beta); if (ok2) Put(c, o + 2, c52, alpha, beta); if (ok3) Put(c, o + 3, c53, alpha, beta);
            if (ok4) Put(c, o + 64, c54, alpha, beta); if (ok5) Put(c, o + 65, c55, alpha, beta); if (ok6) Put(c, o + 66, c56, alpha, beta); if (ok7) Put(c, o + 67, c57, alpha, beta);
        }
        if (row0 + 66 < m)
        {
            int o = (row0 + 66) * ldc + col0;
            if (ok0) Put(c, o + 0, c60, alpha, beta); if (ok1) Put(c, o + 1, c61, alpha, beta); if (ok2) Put(c, o + 2, c62, alpha, beta); if (ok3) Put(c, o + 3, c63, alpha, beta);
            if (ok4) Put(c, o + 64, c64, alpha, beta); if (ok5) Put(c, o + 65, c65, alpha, beta); if (ok6) Put(c, o + 66, c66, alpha, beta); if (ok7) Put(c, o + 67, c67, alpha, beta);
        }
        if (row0 + 67 < m)
        {
            int o = (row0 + 67) * ldc + col0;
            if (ok0) Put(c, o + 0, c70, alpha, beta); if (ok1) Put(c, o + 1, c71, alpha, beta); if (ok2) Put(c, o + 2, c72, alpha, beta); if (ok3) Put(c, o + 3, c73, alpha, beta);
            if (ok4) Put(c, o + 64, c74, alpha, beta); if (ok5) Put(c, o + 65, c75, alpha, beta); if (ok6) Put(c, o + 66, c76, alpha, beta); if (ok7) Put(c, o + 67, c77, alpha, beta);
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
