namespace ILGpuNet.Kernels;

/// <summary>
/// Depthwise 3-D convolution (Groups = Cin = Cout = C) over NCDHW float32, PyTorch semantics: input
/// (N, C, D, H, W), weight (C, 1, KD, KH, KW), output (N, C, OD, OH, OW), per-axis stride and zero
/// padding, dilation 1 (geometry: <see cref="Conv3dShape"/>).
/// <para>
/// Two kernel families (the op picks by the device's Device.Family, Ops.DepthwiseConv3d.cs), the CPU one in two forms:
/// CUDA (DepthwiseConv3dKernels.Cuda.cs): one output (or input-gradient) voxel per thread in a
/// grid-stride loop with bounds checks per tap, as PyTorch's own CUDA kernels do; the weight gradient
/// reduces each (channel, kd, kh) row of up to eight taps in a 256-thread group through shared memory.
/// CPU accelerator (DepthwiseConv3dKernels.Cpu.cs): each thread walks whole rows (one W line) through
/// pinned pointers, because an ArrayView element access costs several calls there (measured: 4-5x
/// slower than a pointer in a saxpy loop). Along W a row splits into interior outputs (a check-free
/// strided correlation with the taps in locals) and a few border outputs with clipped tap ranges; the
/// D and H borders cost nothing because the valid tap ranges are computed once per row. The input
/// gradient reads dy padded along W (<see cref="PadRowsCpu"/>), which keeps its stride phases check-free. These row
/// kernels are the scalar form, for machines without AVX2; with vector units (DepthwiseConv3dKernels.CpuVector.cs) a
/// unit is 16 channels of one sample across the lanes of a vector: its thread copies the planes it reads channel-fastest
/// and zero-padded into its own scratch (a ring of planes, in-register transposes), so every tap of every output is one
/// FMA with no checks, and writes its results back through the same transposes; one launch per pass.
/// </para>
/// <para>
/// Every reduction has a fixed owner and order (no atomic additions; the vector weight gradient's last thread to
/// arrive adds its splits in split order), so results are bitwise repeatable.
/// </para>
/// </summary>
[OpKind("depthwise_conv3d")]
public static partial class DepthwiseConv3dKernels
{
    /// <summary>Threads per group of <see cref="BackwardWeightCuda"/>.</summary>
    public const int BlockSize = 256;

    /// <summary>Taps along W that one group (CUDA) reduces at once; wider filters take several groups.</summary>
    public const int TapsPerGroup = 8;
}
