using System.CommandLine;
using ILGpuNet.Tensors;

namespace ILGpuNet.Cli.Commands;

/// <summary><c>ilgpunet ptx</c>: compiles every kernel to PTX without a GPU and, with --ptxas, assembles it for the card.</summary>
internal static class PtxCommand
{
    public static Command Create(TextWriter output)
    {
        var arch = new Option<string>("--arch") { Description = "CUDA architecture", DefaultValueFactory = _ => "sm_90" };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Write one .ptx file per kernel into this folder" };
        var filter = new Option<string?>("--kernel") { Description = "Only kernels whose name contains this text" };
        var ptxas = new Option<bool>("--ptxas")
        {
            Description = "Also assemble each kernel with NVIDIA's ptxas for --arch and print registers, spills, shared memory and " +
                          "MMA/FFMA/LDS counts of its machine code (install: .ci/install-ptxas.sh, or set ILGPUNET_PTXAS; exit 2 when ptxas is missing)",
        };
        var command = new Command("ptx", "Compile every kernel of ILGpuNet.Kernels to PTX (no GPU needed); exit 1 on any failure")
        {
            arch, outDir, filter, ptxas,
        };
        command.SetAction(parse =>
        {
            string requested = parse.GetValue(arch)!;
            try
            {
                PtxCompiler.ParseArchitecture(requested);
            }
            catch (ArgumentException e)
            {
                throw new CliException($"--arch: {e.Message}");
            }
            // Before compiling: a missing assembler is the user's to fix, and says so at once.
            var assembler = parse.GetValue(ptxas) ? PtxAssembler.Find() ?? throw new CliException(PtxAssembler.MissingMessage()) : null;
            var dir = parse.GetValue(outDir);
            if (dir != null) Directory.CreateDirectory(dir.FullName);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var results = PtxCompiler.CompileAll(requested, parse.GetValue(filter)).ToList();
            foreach (var r in results)
            {
                if (!r.Ok) output.WriteLine($"FAIL {r.Kernel}: {r.Error}");
                else if (dir != null) File.WriteAllText(Path.Combine(dir.FullName, r.Kernel + ".ptx"), r.Ptx);
            }
            int failed = results.Count(r => !r.Ok);
            output.WriteLine($"{results.Count - failed} kernels compiled for {requested} in {clock.Elapsed.TotalSeconds:F1} s, {failed} failed{(dir != null ? $", written to {dir.FullName}" : "")}");
            output.WriteLine(DescribeTargets(requested, results));
            if (assembler != null) failed += Assemble(output, assembler, requested, results);
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>ILGPU may write a lower .target than asked for; say what the files hold.</summary>
    private static string DescribeTargets(string requested, List<PtxCompiler.Result> results)
    {
        var written = results.Where(r => r.Ok).GroupBy(r => r.Target ?? "no .target").OrderBy(g => g.Key)
            .Select(g => $"{g.Key} ({g.Count()} kernels)").ToList();
        if (written.Count == 0) return $"requested {requested}: nothing written";
        string isa = PtxIsa();
        if (written.Count == 1 && written[0].StartsWith(requested.ToLowerInvariant() + " "))
            return $"requested {requested}: written .target {requested.ToLowerInvariant()}, PTX ISA {isa}";
        return $"requested {requested}, written .target {string.Join(", ", written)}, PTX ISA {isa}: ILGPU 1.5.3 writes no target " +
               "above sm_80 (sm_86, sm_89 and sm_90 all give sm_80); a CUDA driver JIT-compiles that PTX for the card it loads it on, " +
               "and --ptxas assembles it for the requested architecture";
    }

    private static string PtxIsa()
    {
        var name = PtxCompiler.InstructionSet.ToString();  // e.g. "8.0"
        return name.StartsWith("ISA_") ? $"{name[4]}.{name[5..]}" : name;
    }

    /// <summary>Assembles the compiled kernels and prints one row each; returns the number that did not assemble.</summary>
    private static int Assemble(TextWriter output, PtxAssembler assembler, string arch, List<PtxCompiler.Result> results)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var assembled = assembler.AssembleAll(results, arch.ToLowerInvariant());
        bool rewritten = assembler.Release.Major < 12;
        output.WriteLine();
        output.WriteLine($"Assembled for {arch.ToLowerInvariant()} with ptxas {assembler.Release} ({assembler.Ptxas})" +
                         (rewritten ? $"; its PTX ISA is at most 7.{Math.Min(assembler.Release.Minor, 8)}, so .version {PtxIsa()} is written down to it for the check." : "."));
        output.WriteLine("Kernels marked * are compiled with the launch specialization of their [Kernel] (.maxntid/.minnctapersm in their PTX,");
        output.WriteLine("as the kernel cache loads them), which caps their registers; the others are unbounded (up to 255).");
        output.WriteLine("bounds: threads per group x groups per multiprocessor; spill: bytes stored/loaded; stack: local-memory frame (bytes);");
        output.WriteLine("smem: static shared memory (bytes); MMA (tensor cores), FFMA, LDS, LDSM, LDL+STL (local memory): SASS instructions.");
        int width = Math.Max(6, assembled.Max(a => a.Kernel.Length + 2));
        output.WriteLine($"{"kernel".PadRight(width)} {"bounds",-8} {"regs",4} {"spill",9} {"stack",5} {"smem",6} {"MMA",5} {"FFMA",5} {"LDS",4} {"LDSM",4} {"LDL+STL",7}");
        int failed = 0;
        foreach (var a in assembled)
        {
            string name = a.Kernel + (a.Specialization.Equals(default(ILGPU.Runtime.KernelSpecialization)) ? "" : " *");
            if (!a.Ok)
            {
                failed++;
                output.WriteLine($"{name.PadRight(width)} FAIL {a.Error}");
                continue;
            }
            string bounds = a.Specialization.MaxNumThreadsPerGroup is int threads
                ? $"{threads}x{a.Specialization.MinNumGroupsPerMultiprocessor?.ToString() ?? "-"}" : "-";
            output.WriteLine($"{name.PadRight(width)} {bounds,-8} {a.Registers,4} {$"{a.SpillStoreBytes}/{a.SpillLoadBytes}",9} {a.StackFrameBytes,5} " +
                             $"{a.SharedBytes,6} {a.Mma,5} {a.Ffma,5} {a.Lds,4} {a.Ldsm,4} {a.LocalAccesses,7}");
            foreach (var warning in a.Warnings) output.WriteLine($"    {warning}");
        }
        var spilling = assembled.Where(a => a.Ok && a.Spills).Select(a => a.Kernel).ToList();
        output.WriteLine($"{assembled.Count - failed} kernels assembled in {clock.Elapsed.TotalSeconds:F1} s, {failed} failed; " +
                         (spilling.Count == 0 ? "none spills registers" : $"{spilling.Count} spill registers: {string.Join(", ", spilling)}"));
        return failed;
    }
}
