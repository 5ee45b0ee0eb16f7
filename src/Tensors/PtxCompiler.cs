using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tensors;

/// <summary>
/// Compiles kernels to PTX without a GPU. The CPU accelerator runs code that CUDA rejects (managed
/// objects, exceptions, unsupported calls), so every kernel goes through this in the tests.
/// </summary>
public static class PtxCompiler
{
    public sealed record Result(string Kernel, string? Ptx, string? Error)
    {
        public bool Ok => Error == null;
    }

    public static CudaArchitecture ParseArchitecture(string arch)
    {
        var text = arch.Trim().ToLowerInvariant();
        if (!text.StartsWith("sm_") || !int.TryParse(text[3..], out int number) || number < 30)
            throw new ArgumentException($"unknown architecture '{arch}': expected sm_XY such as sm_90");
        return new CudaArchitecture(number / 10, number % 10);
    }

    /// <summary>Compiles every kernel of the catalog (or those whose name contains <paramref name="filter"/>).</summary>
    public static IEnumerable<Result> CompileAll(string arch = "sm_90", string? filter = null)
    {
        var backend = new PTXBackend(Device.Context, ParseArchitecture(arch), CudaInstructionSet.ISA_80, null!);
        foreach (var entry in KernelCatalog.All())
        {
            if (filter != null && !entry.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            Result result;
            try
            {
                var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(entry.Method), default);
                result = new Result(entry.Name, compiled.PTXAssembly, null);
            }
            catch (Exception e)
            {
                result = new Result(entry.Name, null, $"{e.GetType().Name}: {(e.InnerException ?? e).Message}");
            }
            yield return result;
        }
    }
}
