using ILGPU;
using ILGPU.Runtime;

namespace ILGpuNet.Kernels;

/// <summary>
/// How to launch one GEMM (<see cref="GemmKernels"/>): which kernel, its <see cref="KernelConfig"/> and
/// the work split. <see cref="Skip"/>: nothing to launch (m, n or batchCount is 0).
/// </summary>
/// <param name="UseTiled">true: launch <see cref="GemmKernels.GemmCuda"/>; false: <see cref="GemmKernels.GemmCpu"/>.</param>
/// <param name="Config">Grid and group dimensions for the launch.</param>
/// <param name="Chunk">The <c>chunk</c> argument of <see cref="GemmKernels.GemmCpu"/> (0 for the tiled kernel).</param>
/// <param name="Skip">true when the product is empty and no kernel should run (if k == 0 the kernels do run: C = beta * C).</param>
public readonly record struct GemmPlan(bool UseTiled, KernelConfig Config, int Chunk, bool Skip);

/// <summary>Pure launch arithmetic for the GEMM kernels: plain numbers in, no accelerator objects.</summary>
public static class GemmLaunch
{
    /// <summary>
    /// Load <see cref="GemmKernels.GemmCuda"/> with this on CUDA:
    /// <c>accelerator.LoadKernel&lt;...&gt;(GemmKernels.GemmCuda, GemmLaunch.TiledSpecialization)</c>.
    /// It emits <c>.maxntid 256 .minnctapersm 2</c>, so ptxas fits 2 groups per SM (128 registers):
    /// measured on an H100, 37-38.5 TFLOP/s at 4096^3 with it, 24 without (cuBLAS FP32: 51.6).
    /// Valid on any accelerator whose MaxNumThreadsPerGroup is at least 256.
    /// </summary>
    public static KernelSpecialization Tf32x3Specialization => new(GemmKernels.TiledGroupSize, 1);

    public static KernelSpecialization TiledSpecialization => new(GemmKernels.TiledGroupSize, GemmKernels.TiledGroupsPerMultiprocessor);

    /// <summary>
    /// Largest m, n or k: the kernels compute int row, column and depth indices up to one tile (128) past a size
    /// (e.g. <c>(m + 127) &gt;&gt; 7</c>), so a size within a tile of int.MaxValue would overflow. Matrices of
    /// tensors (at most 2^31 - 1 elements) reach it only with a single row or column that long.
    /// </summary>
    public const int MaxDimension = int.MaxValue - 1024;

    /// <summary>
    /// The launch of one (batched) GEMM. isCpuAccelerator selects the barrier-free blocked kernel
    /// (grid = numMultiprocessors, group = maxGroupSize, trimmed to the number of 8 x 8 units);
    /// otherwise the tiled CUDA kernel (numMultiprocessors and maxGroupSize are then unused).
    /// </summary>
    public static GemmPlan Plan(
        bool isCpuAccelerator, int numMultiprocessors, int maxGroupSize, int m, int n, int k, int batchCount = 1)
    {
        if (m < 0 || n < 0 || k < 0 || batchCount < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM sizes must be >= 0 (m={m}, n={n}, k={k}, batch={batchCount}).");
        if (m > MaxDimension || n > MaxDimension || k > MaxDimension)
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM sizes must be at most {MaxDimension} (m={m}, n={n}, k={k}): the kernels' 32-bit tile indices run up to one tile past each size.");
        bool skip = m == 0 || n == 0 || batchCount == 0;
        if (!isCpuAccelerator)
            return new GemmPlan(true, skip ? default : Tiled(m, n, batchCount), 0, skip);
        if (skip)
            return new GemmPlan(false, default, 0, true);
        var (config, chunk) = Blocked(numMultiprocessors, maxGroupSize, m, n, batchCount);
        return new GemmPlan(false, config, chunk, false);
    }

    /// <summary>
    /// Launch of <see cref="GemmKernels.GemmCuda"/>: grid (ceil(m/128) * ceil(n/128), batchCount),
    /// group <see cref="GemmKernels.TiledGroupSize"/> (256). Requires m, n, batchCount &gt; 0.
    /// </summary>
    public static KernelConfig Tiled(int m, int n, int batchCount = 1)
    {
        int tiles = CeilDiv(m, GemmKernels.TiledBlockM) * CeilDiv(n, GemmKernels.TiledBlockN);
        return new KernelConfig(new Index3D(tiles, batchCount, 1), new Index3D(GemmKernels.TiledGroupSize, 1, 1));
    }

    /// <summary>
    /// Launch of <see cref="GemmKernels.GemmCpu"/>: grid (g, batchCount), group s, where g x s
    /// threads split each product: numMultiprocessors x maxGroupSize on the CPU accelerator (its
    /// MaxNumThreadsPerGroup, one group per multiprocessor), fewer when there are fewer 8 x 8 blocks;
    /// chunk = blocks per thread, so each thread gets one contiguous range. Requires m, n, batchCount &gt; 0.
    /// </summary>
    public static (KernelConfig Config, int Chunk) Blocked(int numMultiprocessors, int maxGroupSize, int m, int n, int batchCount = 1) =>
        ForUnits(numMultiprocessors, maxGroupSize, (long)CeilDiv(m, GemmKernels.BlockedTile) * CeilDiv(n, GemmKernels.BlockedTile), batchCount);

    /// <summary>
    /// Launch of <see cref="GemmKernels.GemmVectorCpu"/>: as <see cref="Blocked"/>, over its register blocks
    /// (<see cref="GemmKernels.CpuVectorGemmUnits"/>).
    /// </summary>
    public static (KernelConfig Config, int Chunk) Vector(int numMultiprocessors, int maxGroupSize, int m, int n, int ops, int batchCount = 1) =>
        ForUnits(numMultiprocessors, maxGroupSize, GemmKernels.CpuVectorGemmUnits(m, n, ops), batchCount);

    /// <summary>Threads and chunk for <paramref name="units"/> blocks of C per product, each thread one contiguous range.</summary>
    private static (KernelConfig Config, int Chunk) ForUnits(int numMultiprocessors, int maxGroupSize, long units, int batchCount)
    {
        if (units > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(units), "GEMM too large for the CPU kernels' int block index.");
        int group = (int)Math.Min(Math.Max(1, maxGroupSize), units);
        int grid = Math.Min(Math.Max(1, numMultiprocessors), CeilDiv((int)units, group));
        int chunk = CeilDiv((int)units, grid * group);
        return (new KernelConfig(new Index3D(grid, batchCount, 1), new Index3D(group, 1, 1)), chunk);
    }

    /// <summary>Whether the CPU accelerator takes <see cref="GemmKernels.GemmSkinnyCpu"/> for this product (m or k below 8, k &gt; 0).</summary>
    public static bool IsSkinny(int m, int k) => k > 0 && (m < GemmKernels.BlockedTile || k < GemmKernels.BlockedTile);

    /// <summary>
    /// Launch of <see cref="GemmKernels.GemmSkinnyCpu"/>: grid (g, batchCount), group s as in <see cref="Blocked"/>,
    /// over m * ceil(n / SkinnyColumns) units. Requires m, n, batchCount &gt; 0.
    /// </summary>
    public static (KernelConfig Config, int Chunk) Skinny(int numMultiprocessors, int maxGroupSize, int m, int n, int batchCount = 1)
    {
        int units = m * CeilDiv(n, GemmKernels.SkinnyColumns);
        int group = Math.Min(Math.Max(1, maxGroupSize), units);
        int grid = Math.Min(Math.Max(1, numMultiprocessors), CeilDiv(units, group));
        return (new KernelConfig(new Index3D(grid, batchCount, 1), new Index3D(group, 1, 1)), CeilDiv(units, grid * group));
    }

    private static int CeilDiv(int a, int b) => (int)(((long)a + b - 1) / b);
}
