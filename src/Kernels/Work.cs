using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Work distribution inside explicitly grouped kernels. Every kernel takes its launch size as a
/// parameter and walks its items in chunks: thread t owns items [t*chunk, t*chunk+chunk), then jumps
/// by (threads*chunk). CUDA launches many threads with chunk 1 (a coalesced grid-stride loop); the CPU
/// accelerator launches one thread per core with one long contiguous chunk each, because every emulated
/// thread costs an OS-thread rendezvous there (ENGINEERING.md).
/// </summary>
public static class Work
{
    /// <summary>Total threads of the launch.</summary>
    public static int ThreadCount => Grid.DimX * Group.DimX;

    /// <summary>This thread's index in the launch.</summary>
    public static int ThreadIndex => Grid.GlobalIndex.X;
}

/// <summary>
/// Four floats loaded or stored as one 16-byte access: PTX gets ld/st.global.v4.f32, and the CPU
/// accelerator pays its per-access view checks once per four elements instead of once per element.
/// Views cast to Float4 must start at a 16-byte aligned offset (tensor buffers always do).
/// </summary>
public struct Float4
{
    public float X, Y, Z, W;

    public Float4(float x, float y, float z, float w) { X = x; Y = y; Z = z; W = w; }
}
