using ILGPU.Runtime;

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

    /// <summary>
    /// With <see cref="MinGroupsPerMultiprocessor"/>: the <see cref="KernelSpecialization"/> the kernel is loaded with
    /// (0: none). ptxas sizes registers by it (<c>.maxntid</c>, <c>.minnctapersm</c>), so the offline assembly check
    /// compiles the kernel with it and the kernel cache refuses a load with any other.
    /// </summary>
    public int MaxGroupSize { get; init; }

    /// <summary>Groups that must fit on one multiprocessor at once (0: none); see <see cref="MaxGroupSize"/>.</summary>
    public int MinGroupsPerMultiprocessor { get; init; }

    /// <summary>The launch specialization declared here (<see cref="KernelSpecialization.Empty"/> when none).</summary>
    public KernelSpecialization Specialization => new(
        MaxGroupSize > 0 ? MaxGroupSize : null, MinGroupsPerMultiprocessor > 0 ? MinGroupsPerMultiprocessor : null);
}
