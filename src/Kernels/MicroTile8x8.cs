using System.Runtime.CompilerServices;
using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// A thread's 8 x 8 block of FP32 sums in the CUDA-core tiled kernels (<see cref="GemmKernels.GemmCuda"/>,
/// <see cref="Conv3dKernels.ForwardCuda"/>, <see cref="Conv3dKernels.WeightGradCuda"/>): rows 0..3 and
/// rowHalf..rowHalf + 3 of the group's output tile (relative to the thread's first row), columns 0..3 and
/// colHalf..colHalf + 3, each half a 16-byte vector of a k-major shared tile, so a k step is four ld.shared.v4 and
/// 64 multiply-adds. ILGPU inlines these methods and keeps the 64 fields in registers (a local of this type is
/// taken apart into scalars, and ptxas fuses each mul.f32 + add.f32 into an FFMA); the kernels' PTX checks in
/// PtxAssemblyTests hold it to that (no local memory, 512 FFMA per tile).
/// </summary>
internal struct MicroTile8x8
{
    public float C00, C01, C02, C03, C04, C05, C06, C07;
    public float C10, C11, C12, C13, C14, C15, C16, C17;
    public float C20, C21, C22, C23, C24, C25, C26, C27;
    public float C30, C31, C32, C33, C34, C35, C36, C37;
    public float C40, C41, C42, C43, C44, C45, C46, C47;
    public float C50, C51, C52, C53, C54, C55, C56, C57;
    public float C60, C61, C62, C63, C64, C65, C66, C67;
    public float C70, C71, C72, C73, C74, C75, C76, C77;

    /// <summary>
    /// The sums += the outer product of rows (a0, a1) and columns (b0, b1) of one k step: one product added to each
    /// sum, in k order (ptxas fuses each mul + add into an FFMA; the CPU accelerator rounds the two separately).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Float4 a0, Float4 a1, Float4 b0, Float4 b1)
    {
        C00 += a0.X * b0.X; C01 += a0.X * b0.Y; C02 += a0.X * b0.Z; C03 += a0.X * b0.W; C04 += a0.X * b1.X; C05 += a0.X * b1.Y; C06 += a0.X * b1.Z; C07 += a0.X * b1.W;
        C10 += a0.Y * b0.X; C11 += a0.Y * b0.Y; C12 += a0.Y * b0.Z; C13 += a0.Y * b0.W; C14 += a0.Y * b1.X; C15 += a0.Y * b1.Y; C16 += a0.Y * b1.Z; C17 += a0.Y * b1.W;
        C20 += a0.Z * b0.X; C21 += a0.Z * b0.Y; C22 += a0.Z * b0.Z; C23 += a0.Z * b0.W; C24 += a0.Z * b1.X; C25 += a0.Z * b1.Y; C26 += a0.Z * b1.Z; C27 += a0.Z * b1.W;
        C30 += a0.W * b0.X; C31 += a0.W * b0.Y; C32 += a0.W * b0.Z; C33 += a0.W * b0.W; C34 += a0.W * b1.X; C35 += a0.W * b1.Y; C36 += a0.W * b1.Z; C37 += a0.W * b1.W;
        C40 += a1.X * b0.X; C41 += a1.X * b0.Y; C42 += a1.X * b0.Z; C43 += a1.X * b0.W; C44 += a1.X * b1.X; C45 += a1.X * b1.Y; C46 += a1.X * b1.Z; C47 += a1.X * b1.W;
        C50 += a1.Y * b0.X; C51 += a1.Y * b0.Y; C52 += a1.Y * b0.Z; C53 += a1.Y * b0.W; C54 += a1.Y * b1.X; C55 += a1.Y * b1.Y; C56 += a1.Y * b1.Z; C57 += a1.Y * b1.W;
        C60 += a1.Z * b0.X; C61 += a1.Z * b0.Y; C62 += a1.Z * b0.Z; C63 += a1.Z * b0.W; C64 += a1.Z * b1.X; C65 += a1.Z * b1.Y; C66 += a1.Z * b1.Z; C67 += a1.Z * b1.W;
        C70 += a1.W * b0.X; C71 += a1.W * b0.Y; C72 += a1.W * b0.Z; C73 += a1.W * b0.W; C74 += a1.W * b1.X; C75 += a1.W * b1.Y; C76 += a1.W * b1.Z; C77 += a1.W * b1.W;
    }

    /// <summary>
    /// The 8 k steps of one shared tile pair, unrolled by hand (ILGPU 1.5.3 does not unroll loops): step kk reads
    /// a[kk * aPitch] and a[kk * aPitch + aHalf] (the thread's two groups of 4 rows), b[kk * bPitch] and
    /// b[kk * bPitch + bHalf] (its two groups of 4 columns); the views start at the thread's first row and column, and
    /// the pitches and halves are constants, so every read is an ld.shared.v4 at a fixed offset.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddTile(ArrayView<Float4> a, int aPitch, int aHalf, ArrayView<Float4> b, int bPitch, int bHalf)
    {
        Add(a[0], a[aHalf], b[0], b[bHalf]);
        Add(a[aPitch], a[aPitch + aHalf], b[bPitch], b[bPitch + bHalf]);
        Add(a[2 * aPitch], a[2 * aPitch + aHalf], b[2 * bPitch], b[2 * bPitch + bHalf]);
        Add(a[3 * aPitch], a[3 * aPitch + aHalf], b[3 * bPitch], b[3 * bPitch + bHalf]);
        Add(a[4 * aPitch], a[4 * aPitch + aHalf], b[4 * bPitch], b[4 * bPitch + bHalf]);
        Add(a[5 * aPitch], a[5 * aPitch + aHalf], b[5 * bPitch], b[5 * bPitch + bHalf]);
        Add(a[6 * aPitch], a[6 * aPitch + aHalf], b[6 * bPitch], b[6 * bPitch + bHalf]);
        Add(a[7 * aPitch], a[7 * aPitch + aHalf], b[7 * bPitch], b[7 * bPitch + bHalf]);
    }

    /// <summary>Hands each row of sums to the kernel's epilogue: row r (0..3, rowHalf..rowHalf + 3), columns 0..3 and colHalf..colHalf + 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Write<TRows>(TRows rows, int rowHalf) where TRows : struct, IMicroTileRows
    {
        rows.Row(0, new Float4(C00, C01, C02, C03), new Float4(C04, C05, C06, C07));
        rows.Row(1, new Float4(C10, C11, C12, C13), new Float4(C14, C15, C16, C17));
        rows.Row(2, new Float4(C20, C21, C22, C23), new Float4(C24, C25, C26, C27));
        rows.Row(3, new Float4(C30, C31, C32, C33), new Float4(C34, C35, C36, C37));
        rows.Row(rowHalf, new Float4(C40, C41, C42, C43), new Float4(C44, C45, C46, C47));
        rows.Row(rowHalf + 1, new Float4(C50, C51, C52, C53), new Float4(C54, C55, C56, C57));
        rows.Row(rowHalf + 2, new Float4(C60, C61, C62, C63), new Float4(C64, C65, C66, C67));
        rows.Row(rowHalf + 3, new Float4(C70, C71, C72, C73), new Float4(C74, C75, C76, C77));
    }
}

/// <summary>What a CUDA-core tiled kernel does with each row of its <see cref="MicroTile8x8"/> (bounds checks, scaling, bias).</summary>
internal interface IMicroTileRows
{
    /// <summary>Row r of the thread's block (relative to its first row): columns 0..3 in near, colHalf..colHalf + 3 in far.</summary>
    void Row(int r, Float4 near, Float4 far);
}

/// <summary>
/// Which of a thread's 8 columns (col0 + 0..3, col0 + colHalf + 0..3) lie below a limit (the matrix's width):
/// computed once, before the rows of <see cref="MicroTile8x8.Write{TRows}"/> test them.
/// </summary>
internal struct MicroTileColumns
{
    public bool In0, In1, In2, In3, In4, In5, In6, In7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MicroTileColumns Below(int col0, int colHalf, int limit) => new()
    {
        In0 = col0 < limit, In1 = col0 + 1 < limit, In2 = col0 + 2 < limit, In3 = col0 + 3 < limit,
        In4 = col0 + colHalf < limit, In5 = col0 + colHalf + 1 < limit, In6 = col0 + colHalf + 2 < limit, In7 = col0 + colHalf + 3 < limit,
    };
}
