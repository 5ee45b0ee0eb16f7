using System.Text.RegularExpressions;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tensors;

/// <summary>
/// Compiles kernels to PTX without a GPU. The CPU accelerator runs code that CUDA rejects (managed
/// objects, exceptions, unsupported calls), so every kernel goes through this in the tests.
/// </summary>
public static partial class PtxCompiler
{
    /// <summary>The PTX ISA written (<c>.version 8.0</c>).</summary>
    public static readonly CudaInstructionSet InstructionSet = CudaInstructionSet.ISA_80;

    /// <param name="Specialization">The launch specialization the kernel was compiled with (its [Kernel] declares it).</param>
    public sealed record Result(string Kernel, string? Ptx, string? Error, KernelSpecialization Specialization = default)
    {
        public bool Ok => Error == null;

        /// <summary>
        /// The <c>.target</c> ILGPU wrote, which may be lower than the architecture asked for: ILGPU 1.5.3 writes no target
        /// above sm_80 (measured: sm_86, sm_89 and sm_90 give sm_80 at PTX ISA 7.8, 8.0 and 8.8; sm_75 stays sm_75), and
        /// the driver JIT-compiles that for the card it runs on.
        /// </summary>
        public string? Target => Ptx == null ? null : TargetLine().Match(Ptx) is { Success: true } m ? m.Groups[1].Value : null;
    }

    public static CudaArchitecture ParseArchitecture(string arch)
    {
        var text = arch.Trim().ToLowerInvariant();
        if (!text.StartsWith("sm_") || !int.TryParse(text[3..], out int number) || number < 30)
            throw new ArgumentException($"unknown architecture '{arch}': expected sm_XY such as sm_90");
        return new CudaArchitecture(number / 10, number % 10);
    }

    /// <summary>
    /// Compiles every kernel of the catalog (or those whose name contains <paramref name="filter"/>), each with the launch
    /// specialization its [Kernel] declares, as the kernel cache loads it.
    /// </summary>
    public static IEnumerable<Result> CompileAll(string arch = "sm_90", string? filter = null)
    {
        var backend = new PTXBackend(Device.Context, ParseArchitecture(arch), InstructionSet, null!);
        foreach (var entry in KernelCatalog.All())
        {
            if (filter != null && !entry.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            var specialization = entry.Attribute.Specialization;
            Result result;
            try
            {
                var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(entry.Method), specialization);
                result = new Result(entry.Name, compiled.PTXAssembly, null, specialization);
            }
            catch (Exception e)
            {
                result = new Result(entry.Name, null, $"{e.GetType().Name}: {(e.InnerException ?? e).Message}", specialization);
            }
            yield return result;
        }
    }

    [GeneratedRegex(@"^\.target\s+(sm_\d+)", RegexOptions.Multiline)]
    private static partial Regex TargetLine();
}
