namespace ILGpuNet.Kernels;

/// <summary>
/// Marks a static method as an ILGPU kernel (explicitly grouped). The PTX compiler check and the
/// <c>ilgpunet ptx</c> command find kernels by this attribute, so a new kernel cannot be forgotten.
/// Generic kernels are closed over every struct of this assembly that satisfies their constraints.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KernelAttribute : Attribute
{
    /// <summary>The kernel uses shared memory and group barriers: fine on CUDA, ruinous on the CPU accelerator.</summary>
    public bool UsesBarriers { get; init; }
}
