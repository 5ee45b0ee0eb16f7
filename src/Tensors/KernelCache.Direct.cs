// Launchers of the CPU family's kernels on ILGpuNet's own threads (CpuLauncher), one per kernel arity like the loaders.
using ILGPU;
using ILGPU.Runtime;

namespace ILGpuNet.Tensors;

public sealed partial class KernelCache
{
    private Action<AcceleratorStream, KernelConfig, T1> Direct<T1>(Action<T1> kernel) where T1 : struct =>
        (_, config, a1) => direct!.Launch(config, () => kernel(a1));

    private Action<AcceleratorStream, KernelConfig, T1, T2> Direct<T1, T2>(Action<T1, T2> kernel) where T1 : struct where T2 : struct =>
        (_, config, a1, a2) => direct!.Launch(config, () => kernel(a1, a2));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3> Direct<T1, T2, T3>(Action<T1, T2, T3> kernel) where T1 : struct where T2 : struct where T3 : struct =>
        (_, config, a1, a2, a3) => direct!.Launch(config, () => kernel(a1, a2, a3));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4> Direct<T1, T2, T3, T4>(Action<T1, T2, T3, T4> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        (_, config, a1, a2, a3, a4) => direct!.Launch(config, () => kernel(a1, a2, a3, a4));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5> Direct<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        (_, config, a1, a2, a3, a4, a5) => direct!.Launch(config, () => kernel(a1, a2, a3, a4, a5));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6> Direct<T1, T2, T3, T4, T5, T6>(Action<T1, T2, T3, T4, T5, T6> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct =>
        (_, config, a1, a2, a3, a4, a5, a6) => direct!.Launch(config, () => kernel(a1, a2, a3, a4, a5, a6));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7> Direct<T1, T2, T3, T4, T5, T6, T7>(Action<T1, T2, T3, T4, T5, T6, T7> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct =>
        (_, config, a1, a2, a3, a4, a5, a6, a7) => direct!.Launch(config, () => kernel(a1, a2, a3, a4, a5, a6, a7));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8> Direct<T1, T2, T3, T4, T5, T6, T7, T8>(Action<T1, T2, T3, T4, T5, T6, T7, T8> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct =>
        (_, config, a1, a2, a3, a4, a5, a6, a7, a8) => direct!.Launch(config, () => kernel(a1, a2, a3, a4, a5, a6, a7, a8));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9> Direct<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct =>
        (_, config, a1, a2, a3, a4, a5, a6, a7, a8, a9) => direct!.Launch(config, () => kernel(a1, a2, a3, a4, a5, a6, a7, a8, a9));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> Direct<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct =>
        (_, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10) => direct!.Launch(config, () => kernel(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> Direct<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct =>
        (_, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11) => direct!.Launch(config, () => kernel(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> Direct<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct =>
        (_, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12) => direct!.Launch(config, () => kernel(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> Direct<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct =>
        (_, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13) => direct!.Launch(config, () => kernel(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13));

    private Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> Direct<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct where T14 : struct =>
        (_, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14) => direct!.Launch(config, () => kernel(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14));
}
