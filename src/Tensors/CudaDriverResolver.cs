using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace ILGpuNet.Tensors;

/// <summary>
/// ILGPU 1.5.3 imports the CUDA driver as "cuda", so on Linux .NET probes libcuda.so, which many GPU
/// machines lack (they ship only the versioned libcuda.so.1). Without this hook ILGPU silently finds no GPU.
/// </summary>
internal static class CudaDriverResolver
{
    private static int installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 1) return;
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
    }

    private static IntPtr Resolve(Assembly assembly, string name)
    {
        if (name != "cuda" && name != "nvcuda" && name != "libcuda") return IntPtr.Zero;
        foreach (var candidate in new[] { "libcuda.so.1", "libcuda.so", "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/local/nvidia/lib64/libcuda.so.1" })
            if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        return IntPtr.Zero;
    }
}
