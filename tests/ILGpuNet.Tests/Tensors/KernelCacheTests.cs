using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Tensors;

/// <summary>The cache times every kernel it compiles (the GPU script reports compilation apart from measurement).</summary>
public class KernelCacheTests
{
    [Fact]
    public void LoadingAKernelCountsAndTimesItsCompilationOnce()
    {
        var cache = new KernelCache(Device.Cpu.Accelerator, KernelFamily.Cpu);
        var (processCount, processSeconds) = KernelCache.ProcessTotal;
        Assert.Equal(0, cache.Count);
        Assert.Equal(0.0, cache.CompileSeconds);

        var first = cache.Load<ILGPU.ArrayView<float>, float, int, int>(ElementwiseKernels.Fill);
        double seconds = cache.CompileSeconds;
        Assert.Equal(1, cache.Count);
        Assert.True(seconds > 0);
        var (count, total) = KernelCache.ProcessTotal;
        Assert.True(count >= processCount + 1 && total >= processSeconds + seconds * 0.999);

        Assert.Same(first, cache.Load<ILGPU.ArrayView<float>, float, int, int>(ElementwiseKernels.Fill)); // cached: no second compile
        Assert.Equal(1, cache.Count);
        Assert.Equal(seconds, cache.CompileSeconds);
    }

    [Fact]
    public void ABarrierKernelIsRefusedOnTheCpuFamilyAndLoadsOnTheCudaFamily()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Device.Cpu.Kernels.Load<ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, int>(ReductionKernels.SumCuda<IdentityOp>));
        Assert.Contains("ReductionKernels.SumCuda<IdentityOp> uses group barriers", error.Message);
        Assert.Contains("cpu kernel family", error.Message);
        Assert.NotNull(Device.GpuShapedCpu.Kernels.Load<ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, int>(ReductionKernels.SumCuda<IdentityOp>));
    }
}
