namespace ILGpuNet.Tensors;

/// <summary>
/// The kinds of kernels an op can bring, one per kind of machine code they are written for. A device runs the
/// families of <see cref="Device.Families"/> in order of preference; an op declares one implementation per family it
/// supports (<see cref="KernelVariants{TKernels}"/>) and the first of the device's families that the op has is used.
/// </summary>
public enum KernelFamily
{
    /// <summary>ILGPU's CPU accelerator: barrier-free kernels with long per-thread loops (a few emulated threads).</summary>
    Cpu,

    /// <summary>CUDA cores: shared memory, group barriers, warp shuffles; also runs on the GPU-shaped CPU device in checks.</summary>
    CudaSimt,

    /// <summary>
    /// Tensor cores (TF32 MMA through inline PTX) where an op has such kernels, at the device's <see cref="Precision"/>;
    /// a device that runs them falls back to <see cref="CudaSimt"/> for the other ops. On the GPU-shaped CPU device
    /// the MMA step is emulated (TF32 rounding, FP32 accumulation, the same fragment layout).
    /// </summary>
    CudaTensorCore,
}

public static class KernelFamilyNames
{
    /// <summary>The family as tables and tests print it ("cpu", "cuda-simt").</summary>
    public static string Name(this KernelFamily family) => family switch
    {
        KernelFamily.Cpu => "cpu",
        KernelFamily.CudaSimt => "cuda-simt",
        KernelFamily.CudaTensorCore => "cuda-tensorcore",
        _ => family.ToString(),
    };

    /// <summary>Whether kernels of this family may use group barriers and shared memory (<c>[Kernel(UsesBarriers = true)]</c>).</summary>
    public static bool AllowsBarriers(this KernelFamily family) => family != KernelFamily.Cpu;
}

/// <summary>
/// How matrix products and convolutions multiply on CUDA (<c>--precision</c>): strict FP32 on CUDA cores, TF32 tensor
/// cores (10-bit mantissa operands, FP32 accumulation: PyTorch's default for convolutions), or 3xTF32 (each operand
/// split into a TF32 high and low part, three MMAs: FP32-level accuracy on tensor cores). The CPU accelerator computes
/// in FP32 whatever is asked.
/// </summary>
public enum Precision
{
    Fp32,
    Tf32,
    Tf32x3,
}

public static class PrecisionNames
{
    /// <summary>The option's spelling: fp32, tf32, 3xtf32.</summary>
    public static string Name(this Precision precision) => precision switch
    {
        Precision.Fp32 => "fp32",
        Precision.Tf32 => "tf32",
        Precision.Tf32x3 => "3xtf32",
        _ => precision.ToString(),
    };

    public static Precision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" => Precision.Fp32,
        "tf32" => Precision.Tf32,
        "3xtf32" => Precision.Tf32x3,
        _ => throw new ArgumentException($"unknown precision '{text}': expected fp32, tf32 or 3xtf32"),
    };
}
