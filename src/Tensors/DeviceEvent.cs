using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace ILGpuNet.Tensors;

/// <summary>
/// A point in one stream's queue that another stream (or the host) can wait for: CUDA events on a GPU.
/// On the CPU accelerator every launch and copy has finished when its call returns, so recording and
/// waiting are no-ops there.
/// </summary>
public sealed class DeviceEvent : IDisposable
{
    private IntPtr handle;

    public DeviceEvent(Device device)
    {
        if (!device.IsCpu) handle = CudaEvents.Create();
    }

    /// <summary>Marks the current end of <paramref name="stream"/>'s queue.</summary>
    public void Record(AcceleratorStream stream)
    {
        if (handle != IntPtr.Zero) CudaEvents.Record(handle, ((CudaStream)stream).StreamPtr);
    }

    /// <summary>Work queued on <paramref name="stream"/> from now on starts only after the recorded point (the host does not wait).</summary>
    public void MakeWait(AcceleratorStream stream)
    {
        if (handle != IntPtr.Zero) CudaEvents.Wait(((CudaStream)stream).StreamPtr, handle);
    }

    /// <summary>Blocks the host until the recorded point has been reached.</summary>
    public void Synchronize()
    {
        if (handle != IntPtr.Zero) CudaEvents.Synchronize(handle);
    }

    public void Dispose()
    {
        if (handle == IntPtr.Zero) return;
        CudaEvents.Destroy(handle);
        handle = IntPtr.Zero;
    }
}
