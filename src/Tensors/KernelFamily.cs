namespace ILGpuNet.Tensors;

/// <summary>
/// The kinds of kernels an op can bring, one per kind of machine code they are written for. A device runs one
/// family (<see cref="Device.Family"/>); an op declares one implementation per family it supports
/// (<see cref="KernelVariants{TKernels}"/>) and the device's family picks it.
/// </summary>
public enum KernelFamily
{
    /// <summary>ILGPU's CPU accelerator: barrier-free kernels with long per-thread loops (a few emulated threads).</summary>
    Cpu,

    /// <summary>CUDA cores: shared memory, group barriers, warp shuffles; also runs on the GPU-shaped CPU device in checks.</summary>
    CudaSimt,
}

public static class KernelFamilyNames
{
    /// <summary>The family as tables and tests print it ("cpu", "cuda-simt").</summary>
    public static string Name(this KernelFamily family) => family switch
    {
        KernelFamily.Cpu => "cpu",
        KernelFamily.CudaSimt => "cuda-simt",
        _ => family.ToString(),
    };

    /// <summary>Whether kernels of this family may use group barriers and shared memory (<c>[Kernel(UsesBarriers = true)]</c>).</summary>
    public static bool AllowsBarriers(this KernelFamily family) => family != KernelFamily.Cpu;
}
