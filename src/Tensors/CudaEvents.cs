using System.Runtime.InteropServices;

namespace ILGpuNet.Tensors;

/// <summary>
/// The few CUDA driver calls ILGPU 1.5.3 does not expose: events, to order work across streams without
/// blocking the host (an upload stream and the compute stream). "cuda" resolves to libcuda.so.1 through
/// <see cref="CudaDriverResolver"/>, as for ILGPU itself.
/// </summary>
internal static partial class CudaEvents
{
    private const string Driver = "cuda";

    /// <summary>CU_EVENT_DISABLE_TIMING: the cheapest event, for ordering only.</summary>
    private const uint DisableTiming = 0x2;

    [LibraryImport(Driver, EntryPoint = "cuEventCreate")]
    private static partial int EventCreate(out IntPtr handle, uint flags);

    [LibraryImport(Driver, EntryPoint = "cuEventRecord")]
    private static partial int EventRecord(IntPtr handle, IntPtr stream);

    [LibraryImport(Driver, EntryPoint = "cuStreamWaitEvent")]
    private static partial int StreamWaitEvent(IntPtr stream, IntPtr handle, uint flags);

    [LibraryImport(Driver, EntryPoint = "cuEventSynchronize")]
    private static partial int EventSynchronize(IntPtr handle);

    [LibraryImport(Driver, EntryPoint = "cuEventDestroy_v2")]
    private static partial int EventDestroy(IntPtr handle);

    public static IntPtr Create()
    {
        Check(EventCreate(out var handle, DisableTiming), "cuEventCreate");
        return handle;
    }

    public static void Record(IntPtr handle, IntPtr stream) => Check(EventRecord(handle, stream), "cuEventRecord");

    public static void Wait(IntPtr stream, IntPtr handle) => Check(StreamWaitEvent(stream, handle, 0), "cuStreamWaitEvent");

    public static void Synchronize(IntPtr handle) => Check(EventSynchronize(handle), "cuEventSynchronize");

    public static void Destroy(IntPtr handle) => EventDestroy(handle);

    private static void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"{call} failed with CUDA error {status}");
    }
}
