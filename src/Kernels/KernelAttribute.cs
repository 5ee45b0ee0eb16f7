namespace ILGpuNet.Kernels;

/// <summary>
/// Marks a static method as an ILGPU kernel (explicitly grouped). The PTX compiler check and the
/// <c>ilgpunet ptx</c> command find kernels by this attribute, so a new kernel cannot be forgotten.
/// Generic kernels are closed over every struct of this assembly that satisfies their constraints.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KernelAttribute : Attribute
{
    /// <summary>
    /// The kernel synchronises its group or warp (barriers, shared memory, warp shuffles): fine on CUDA, ruinous on the CPU
    /// accelerator, so the kernel cache refuses it on the CPU family. A test checks the mark against each kernel's PTX.
    /// </summary>
    public bool UsesBarriers { get; init; }
}
