using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace ILGpuNet.Kernels;

/// <summary>How a tensor-core kernel multiplies (a type argument, so each precision is its own compiled kernel).</summary>
public interface ITensorCorePrecision
{
    /// <summary>
    /// False: one TF32 MMA on operands rounded to TF32 (10-bit mantissa). True: 3xTF32, each operand split into a
    /// TF32 high part and the TF32 rounding of the remainder, three MMAs (a_small*b_big, a_big*b_small, a_big*b_big:
    /// small products first, so they are not lost against the big one); FP32-level accuracy on tensor cores.
    /// </summary>
    bool Split { get; }
}

/// <summary>TF32 tensor-core products (PyTorch's default for convolutions on CUDA).</summary>
public struct Tf32Mma : ITensorCorePrecision
{
    public readonly bool Split => false;
}

/// <summary>3xTF32 tensor-core products (FP32-level accuracy).</summary>
public struct Tf32x3Mma : ITensorCorePrecision
{
    public readonly bool Split => true;
}

/// <summary>One m16n8 accumulator fragment of a lane: c0, c1 at (g, 2t), (g, 2t + 1); c2, c3 at (g + 8, 2t), (g + 8, 2t + 1).</summary>
internal struct Mma4(float c0, float c1, float c2, float c3)
{
    public float C0 = c0, C1 = c1, C2 = c2, C3 = c3;
}

/// <summary>A lane's A fragment of one m16k8 block: a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4) as (row, k).</summary>
internal struct MmaFragmentA
{
    public float A0, A1, A2, A3;
}

/// <summary>A lane's B fragment of one k8n8 block: b0 (t, g), b1 (t + 4, g) as (k, column).</summary>
internal struct MmaFragmentB
{
    public float B0, B1;
}

/// <summary>
/// A lane's accumulators of a 64 x 32 warp tile: four m16 blocks (i) by four n8 blocks (j) of
/// <c>mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32</c>. On CUDA the sums live in named PTX registers (see
/// <see cref="TensorCoreMma.Begin"/>) and this struct stays zero: only the emulation sums here.
/// </summary>
internal struct WarpTile64x32
{
    public Mma4 T00, T01, T02, T03, T10, T11, T12, T13, T20, T21, T22, T23, T30, T31, T32, T33;
}

/// <summary>Where <see cref="TensorCoreMma.Write{TEpilogue}"/> puts each sum of a warp tile: Target[Index] = sum * Scale + Add.</summary>
internal interface IMmaEpilogue
{
    ArrayView<float> Target { get; }

    float Scale { get; }

    /// <summary>The target of the sum at (row, col) of the warp tile (0..63, 0..31); Index &lt; 0: nowhere (outside C).</summary>
    MmaTarget Place(int row, int col);
}

internal struct MmaTarget
{
    public int Index;
    public float Add;
}

/// <summary>
/// The tensor-core step shared by the CudaTensorCore kernels: a warp multiplies a 64 x 8 slice of A by an 8 x 32 slice of
/// B into its 64 x 32 tile of FP32 sums, both slices read from k-major tiles (A (m, k) at a[aOff + k * aPitch + m], B
/// (k, n) at b[bOff + k * bPitch + n]; a pitch of 8 mod 32 makes every fragment load free of bank conflicts).
/// <para>
/// CUDA: the fragments go through <c>cvt.rna.tf32.f32</c> (and, for 3xTF32, the remainder's rounding) into named PTX
/// registers, and 16 (48) <c>mma.sync</c> accumulate into 64 named registers declared once by <see cref="Begin"/>.
/// Nothing passes through <c>CudaAsm.EmitRef</c>, whose operands ILGPU routes through local memory (ENGINEERING.md).
/// </para>
/// <para>
/// Elsewhere (the GPU-shaped CPU device, <c>CudaAsm.IsSupported</c> false) the MMA is emulated in the same layout: each
/// lane computes its own accumulator elements from its warp's fragments, taking each fragment from the lane that holds it
/// by running that lane's fragment load (what the lanes hand each other inside the tensor core), with the operands
/// rounded as cvt.rna does (<see cref="RoundToTf32"/>) and FP32 sums in k order. So a wrong fragment load or a wrong
/// accumulator mapping in a kernel shows up on the CPU.
/// </para>
/// </summary>
[OpKind("other")]
public static partial class TensorCoreMma
{
    /// <summary>Rows of a warp tile (four m16 blocks).</summary>
    public const int WarpRows = 64;

    /// <summary>Columns of a warp tile (four n8 blocks).</summary>
    public const int WarpColumns = 32;

    /// <summary>The depth of one <see cref="Step{TPrecision}"/>.</summary>
    public const int StepK = 8;

    /// <summary>
    /// x rounded to TF32 as <c>cvt.rna.tf32.f32</c> does: to nearest on the 13 dropped mantissa bits, ties away from
    /// zero; the result is a float whose 13 low mantissa bits are zero. Infinities and NaN pass unchanged.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundToTf32(float x)
    {
        uint bits = Interop.FloatAsInt(x);
        if ((bits & 0x7F800000u) == 0x7F800000u) return x;
        return Interop.IntAsFloat((bits + 0x1000u) & 0xFFFFE000u);
    }

    /// <summary>part 0: the TF32 high part of x; part 1: the TF32 rounding of what the high part leaves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tf32Part(float x, int part)
    {
        float big = RoundToTf32(x);
        return part == 0 ? big : RoundToTf32(x - big);
    }

    /// <summary>
    /// Declares and zeroes the named accumulator and fragment registers (CUDA; nothing elsewhere). Call once at the top
    /// of the kernel, before any branch or loop, so that the declarations come first in the PTX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Begin()
    {
        if (CudaAsm.IsSupported) CudaAsm.Emit(DeclareText);
    }

    /// <summary>The A fragment of m16 block i that lane holds (A (m, k) at a[aOff + k * aPitch + m]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static MmaFragmentA LoadA(ArrayView<float> a, int aOff, int aPitch, int lane, int i)
    {
        int p = aOff + (lane & 3) * aPitch + (lane >> 2) + 16 * i;
        int p4 = p + 4 * aPitch;
        return new MmaFragmentA { A0 = a[p], A1 = a[p + 8], A2 = a[p4], A3 = a[p4 + 8] };
    }

    /// <summary>The B fragment of n8 block j that lane holds (B (k, n) at b[bOff + k * bPitch + n]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static MmaFragmentB LoadB(ArrayView<float> b, int bOff, int bPitch, int lane, int j)
    {
        int p = bOff + (lane & 3) * bPitch + (lane >> 2) + 8 * j;
        return new MmaFragmentB { B0 = b[p], B1 = b[p + 4 * bPitch] };
    }

    /// <summary>
    /// acc += A (64 x 8) * B (8 x 32) for this lane's share of the warp tile (see the class). Every lane of the warp
    /// calls it together (mma.sync is warp-wide); the slices must be in place (a barrier after the tile stores).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static WarpTile64x32 Step<TPrecision>(WarpTile64x32 acc, ArrayView<float> a, int aOff, int aPitch,
        ArrayView<float> b, int bOff, int bPitch, int lane)
        where TPrecision : struct, ITensorCorePrecision
    {
        if (CudaAsm.IsSupported)
        {
            StepPtx<TPrecision>(a, aOff, aPitch, b, bOff, bPitch, lane);
            return acc;
        }
        if (default(TPrecision).Split)
        {
            acc = EmulateStep(acc, a, aOff, aPitch, b, bOff, bPitch, lane, 1, 0);
            acc = EmulateStep(acc, a, aOff, aPitch, b, bOff, bPitch, lane, 0, 1);
        }
        return EmulateStep(acc, a, aOff, aPitch, b, bOff, bPitch, lane, 0, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepPtx<TPrecision>(ArrayView<float> a, int aOff, int aPitch, ArrayView<float> b, int bOff, int bPitch, int lane)
        where TPrecision : struct, ITensorCorePrecision
    {
        var a0 = LoadA(a, aOff, aPitch, lane, 0);
        var a1 = LoadA(a, aOff, aPitch, lane, 1);
        var a2 = LoadA(a, aOff, aPitch, lane, 2);
        var a3 = LoadA(a, aOff, aPitch, lane, 3);
        var b0 = LoadB(b, bOff, bPitch, lane, 0);
        var b1 = LoadB(b, bOff, bPitch, lane, 1);
        var b2 = LoadB(b, bOff, bPitch, lane, 2);
        var b3 = LoadB(b, bOff, bPitch, lane, 3);
        if (default(TPrecision).Split)
        {
            CudaAsm.Emit(SplitA0Text, a0.A0, a0.A1, a0.A2, a0.A3);
            CudaAsm.Emit(SplitA1Text, a1.A0, a1.A1, a1.A2, a1.A3);
            CudaAsm.Emit(SplitA2Text, a2.A0, a2.A1, a2.A2, a2.A3);
            CudaAsm.Emit(SplitA3Text, a3.A0, a3.A1, a3.A2, a3.A3);
            CudaAsm.Emit(SplitB0Text, b0.B0, b0.B1, b1.B0, b1.B1);
            CudaAsm.Emit(SplitB1Text, b2.B0, b2.B1, b3.B0, b3.B1);
            CudaAsm.Emit(Mma3Row0Text);
            CudaAsm.Emit(Mma3Row1Text);
            CudaAsm.Emit(Mma3Row2Text);
            CudaAsm.Emit(Mma3Row3Text);
        }
        else
        {
            CudaAsm.Emit(CvtA0Text, a0.A0, a0.A1, a0.A2, a0.A3);
            CudaAsm.Emit(CvtA1Text, a1.A0, a1.A1, a1.A2, a1.A3);
            CudaAsm.Emit(CvtA2Text, a2.A0, a2.A1, a2.A2, a2.A3);
            CudaAsm.Emit(CvtA3Text, a3.A0, a3.A1, a3.A2, a3.A3);
            CudaAsm.Emit(CvtB0Text, b0.B0, b0.B1, b1.B0, b1.B1);
            CudaAsm.Emit(CvtB1Text, b2.B0, b2.B1, b3.B0, b3.B1);
            CudaAsm.Emit(MmaRow0Text);
            CudaAsm.Emit(MmaRow1Text);
            CudaAsm.Emit(MmaRow2Text);
            CudaAsm.Emit(MmaRow3Text);
        }
    }

    /// <summary>One emulated MMA per block of the warp tile with the given operand parts (0 high, 1 low: see <see cref="Tf32Part"/>).</summary>
    private static WarpTile64x32 EmulateStep(WarpTile64x32 acc, ArrayView<float> a, int aOff, int aPitch,
        ArrayView<float> b, int bOff, int bPitch, int lane, int partA, int partB)
    {
        acc.T00 = EmulateMma(acc.T00, a, aOff, aPitch, b, bOff, bPitch, lane, 0, 0, partA, partB);
        acc.T01 = EmulateMma(acc.T01, a, aOff, aPitch, b, bOff, bPitch, lane, 0, 1, partA, partB);
        acc.T02 = EmulateMma(acc.T02, a, aOff, aPitch, b, bOff, bPitch, lane, 0, 2, partA, partB);
        acc.T03 = EmulateMma(acc.T03, a, aOff, aPitch, b, bOff, bPitch, lane, 0, 3, partA, partB);
        acc.T10 = EmulateMma(acc.T10, a, aOff, aPitch, b, bOff, bPitch, lane, 1, 0, partA, partB);
        acc.T11 = EmulateMma(acc.T11, a, aOff, aPitch, b, bOff, bPitch, lane, 1, 1, partA, partB);
        acc.T12 = EmulateMma(acc.T12, a, aOff, aPitch, b, bOff, bPitch, lane, 1, 2, partA, partB);
        acc.T13 = EmulateMma(acc.T13, a, aOff, aPitch, b, bOff, bPitch, lane, 1, 3, partA, partB);
        acc.T20 = EmulateMma(acc.T20, a, aOff, aPitch, b, bOff, bPitch, lane, 2, 0, partA, partB);
        acc.T21 = EmulateMma(acc.T21, a, aOff, aPitch, b, bOff, bPitch, lane, 2, 1, partA, partB);
        acc.T22 = EmulateMma(acc.T22, a, aOff, aPitch, b, bOff, bPitch, lane, 2, 2, partA, partB);
        acc.T23 = EmulateMma(acc.T23, a, aOff, aPitch, b, bOff, bPitch, lane, 2, 3, partA, partB);
        acc.T30 = EmulateMma(acc.T30, a, aOff, aPitch, b, bOff, bPitch, lane, 3, 0, partA, partB);
        acc.T31 = EmulateMma(acc.T31, a, aOff, aPitch, b, bOff, bPitch, lane, 3, 1, partA, partB);
        acc.T32 = EmulateMma(acc.T32, a, aOff, aPitch, b, bOff, bPitch, lane, 3, 2, partA, partB);
        acc.T33 = EmulateMma(acc.T33, a, aOff, aPitch, b, bOff, bPitch, lane, 3, 3, partA, partB);
        return acc;
    }

    /// <summary>
    /// mma.m16n8k8 for lane (g, t) of block (i, j): its c0..c3 plus the sums over k of A (row, k) B (k, column), with
    /// A (g, k) and A (g + 8, k) taken from lane 4g + k % 4 (a0/a1 for k &lt; 4, a2/a3 above) and B (k, n) from lane
    /// 4n + k % 4 (b0 for k &lt; 4, b1 above), n = 2t and 2t + 1.
    /// </summary>
    private static Mma4 EmulateMma(Mma4 c, ArrayView<float> a, int aOff, int aPitch, ArrayView<float> b, int bOff, int bPitch,
        int lane, int i, int j, int partA, int partB)
    {
        int g = lane >> 2, t = lane & 3;
        for (int k = 0; k < StepK; k++)
        {
            int q = k & 3;
            bool high = k >= 4;
            var fa = LoadA(a, aOff, aPitch, 4 * g + q, i);
            var fb0 = LoadB(b, bOff, bPitch, 8 * t + q, j);
            var fb1 = LoadB(b, bOff, bPitch, 8 * t + 4 + q, j);
            float ag = Tf32Part(high ? fa.A2 : fa.A0, partA), ag8 = Tf32Part(high ? fa.A3 : fa.A1, partA);
            float bn0 = Tf32Part(high ? fb0.B1 : fb0.B0, partB), bn1 = Tf32Part(high ? fb1.B1 : fb1.B0, partB);
            c.C0 += ag * bn0;
            c.C1 += ag * bn1;
            c.C2 += ag8 * bn0;
            c.C3 += ag8 * bn1;
        }
        return c;
    }

    /// <summary>
    /// Test kernel of the primitive: one warp (a group of 32) computes C (64 x 32, row-major) = A B over
    /// <paramref name="steps"/> k8 steps, A stored k-major (k x 64) and B k x 32, straight from global memory.
    /// </summary>
    [Kernel]
    public static void WarpTileProduct<TPrecision>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int steps)
        where TPrecision : struct, ITensorCorePrecision
    {
        Begin();
        int lane = Group.IdxX & 31;
        var acc = default(WarpTile64x32);
        for (int s = 0; s < steps; s++)
            acc = Step<TPrecision>(acc, a, s * StepK * WarpRows, WarpRows, b, s * StepK * WarpColumns, WarpColumns, lane);
        Write(acc, lane, new RowMajorTarget { C = c });
    }

    /// <summary>C (64 x 32, row-major) of <see cref="WarpTileProduct{TPrecision}"/>.</summary>
    private struct RowMajorTarget : IMmaEpilogue
    {
        public ArrayView<float> C;

        public readonly ArrayView<float> Target => C;

        public readonly float Scale => 1f;

        public readonly MmaTarget Place(int row, int col) => new() { Index = row * WarpColumns + col };
    }
}
