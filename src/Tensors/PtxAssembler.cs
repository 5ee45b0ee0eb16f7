using System.Diagnostics;
using System.Text.RegularExpressions;
using ILGPU.Runtime;

namespace ILGpuNet.Tensors;

/// <summary>
/// Assembles our PTX offline with NVIDIA's <c>ptxas</c> and reads the machine code back with <c>cuobjdump -sass</c>, so
/// register spills, local-memory arrays and invalid inline PTX show without a GPU. The tools come from Debian's non-free
/// <c>nvidia-cuda-toolkit</c> (CUDA 11.8, no driver needed), unpacked by <c>.ci/install-ptxas.sh</c>.
/// </summary>
public sealed partial class PtxAssembler
{
    /// <summary>Names a ptxas executable (or the folder holding ptxas and cuobjdump); when set, nothing else is searched.</summary>
    public const string EnvironmentVariable = "ILGPUNET_PTXAS";

    /// <summary>Where <c>.ci/install-ptxas.sh</c> unpacks the toolkit (<c>$ILGPUNET_CUDA_DIR</c>, default /tmp/cuda); searched after PATH.</summary>
    public static string InstalledBinFolder =>
        Path.Combine(Environment.GetEnvironmentVariable("ILGPUNET_CUDA_DIR") is { Length: > 0 } dir ? dir : "/tmp/cuda", "root", "usr", "bin");

    /// <summary>The script that installs ptxas, relative to the repository root (CI and the assembly test run it).</summary>
    public const string InstallScript = ".ci/install-ptxas.sh";

    /// <summary>What to tell a user who has no ptxas: where it was looked for and how to install it.</summary>
    public static string MissingMessage()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        string where = string.IsNullOrWhiteSpace(configured)
            ? $"ptxas (NVIDIA's PTX assembler) with cuobjdump beside it was not found on PATH or in {InstalledBinFolder}"
            : $"{EnvironmentVariable}={configured} is not a working ptxas with cuobjdump beside it";
        return where + ". Install it with\n" +
               $"    {InstallScript}\n" +
               "from the repository root (Debian 12; as root when apt lacks the contrib/non-free components). It downloads\n" +
               "nvidia-cuda-toolkit 11.8 (about 84 MB) with apt-get download and unpacks it into $ILGPUNET_CUDA_DIR/root\n" +
               $"(default /tmp/cuda/root); no GPU or driver needed. Or set {EnvironmentVariable} to the ptxas of a CUDA 11.8+ toolkit.";
    }

    public string Ptxas { get; }
    public string Cuobjdump { get; }

    /// <summary>The CUDA release of ptxas, e.g. 11.8.</summary>
    public Version Release { get; }

    private PtxAssembler(string ptxas, string cuobjdump, Version release) =>
        (Ptxas, Cuobjdump, Release) = (ptxas, cuobjdump, release);

    /// <summary>
    /// ptxas and cuobjdump from <see cref="EnvironmentVariable"/> when set, else from PATH or <see cref="InstalledBinFolder"/>;
    /// null when absent (<see cref="MissingMessage"/> says what to do).
    /// </summary>
    public static PtxAssembler? Find()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return At(configured);
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return folders.Append(InstalledBinFolder).Select(At).FirstOrDefault(found => found != null);
    }

    /// <summary>The tools at a ptxas path or in a folder; null unless ptxas runs and cuobjdump sits beside it.</summary>
    public static PtxAssembler? At(string ptxasOrFolder)
    {
        string ptxas = Directory.Exists(ptxasOrFolder) ? Path.Combine(ptxasOrFolder, "ptxas") : ptxasOrFolder;
        string cuobjdump = Path.Combine(Path.GetDirectoryName(ptxas) ?? ".", "cuobjdump");
        if (!File.Exists(ptxas) || !File.Exists(cuobjdump)) return null;
        try
        {
            var (exit, text) = Run(ptxas, "--version");
            var release = ReleaseLine().Match(text);
            return exit == 0 && release.Success
                ? new PtxAssembler(ptxas, cuobjdump, new Version(int.Parse(release.Groups[1].Value), int.Parse(release.Groups[2].Value)))
                : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;  // not executable
        }
    }

    /// <summary>One kernel's machine code as ptxas reports it (<c>-v</c>) and the count of each SASS opcode (empty when not disassembled).</summary>
    /// <param name="Error">ptxas's complaint when it did not assemble (the other figures are then 0).</param>
    /// <param name="Warnings">ptxas warnings (a .minnctapersm it could not honour, spilled registers...).</param>
    public sealed record Assembly(
        string Kernel, KernelSpecialization Specialization, int Registers, int StackFrameBytes, int SpillStoreBytes, int SpillLoadBytes,
        int SharedBytes, IReadOnlyDictionary<string, int> Opcodes, IReadOnlyList<string> Warnings, string? Error)
    {
        public bool Ok => Error == null;
        public bool Spills => SpillStoreBytes > 0 || SpillLoadBytes > 0;

        /// <summary>Instructions whose opcode (before the first '.') is one of these, e.g. Count("LDS") counts LDS and LDS.128.</summary>
        public int Count(params string[] opcodes) =>
            Opcodes.Where(o => opcodes.Contains(o.Key.Split('.')[0])).Sum(o => o.Value);

        /// <summary>Tensor-core instructions (HMMA.1688.F32.TF32 and kin; HFMA2.MMA is a register move on the FMA pipe, not one).</summary>
        public int Mma => Count("HMMA", "IMMA", "DMMA", "BMMA", "HGMMA", "IGMMA", "QGMMA", "BGMMA");
        public int Ffma => Count("FFMA");
        public int Lds => Count("LDS");
        public int Ldsm => Count("LDSM");

        /// <summary>Local-memory loads and stores (spills, or an array or an inline-PTX operand that landed in .local).</summary>
        public int LocalAccesses => Count("LDL", "STL");
    }

    /// <summary>
    /// Assembles each compiled kernel for <paramref name="arch"/>, one ptxas per core.
    /// A PTX ISA newer than this ptxas accepts is written down to the newest it does (ILGPU's 8.0 to 7.8 for CUDA 11.8):
    /// the instructions ILGPU emits for sm_80 exist there, and one that does not makes ptxas fail, which is reported.
    /// </summary>
    /// <param name="disassemble">false: ptxas's figures only, no opcode counts (cuobjdump takes ~0.4 s a kernel, ptxas ~0.1).</param>
    public IReadOnlyList<Assembly> AssembleAll(IEnumerable<PtxCompiler.Result> kernels, string arch, bool disassemble = true)
    {
        var list = kernels.Where(k => k.Ok).ToList();
        var results = new Assembly[list.Count];
        Parallel.For(0, list.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) },
            i => results[i] = Assemble(list[i].Kernel, list[i].Ptx!, arch, list[i].Specialization, disassemble));
        return results;
    }

    /// <summary>Assembles one PTX module (one entry function) for <paramref name="arch"/>.</summary>
    public Assembly Assemble(string kernel, string ptx, string arch, KernelSpecialization specialization = default, bool disassemble = true)
    {
        var folder = Directory.CreateTempSubdirectory("ilgpunet-ptxas-").FullName;
        try
        {
            string source = Path.Combine(folder, "k.ptx"), cubin = Path.Combine(folder, "k.cubin");
            File.WriteAllText(source, DownToSupportedIsa(ptx));
            var (exit, log) = Run(Ptxas, $"-arch={arch} -v \"{source}\" -o \"{cubin}\"");
            var warnings = log.Split('\n').Where(l => l.Contains("warning", StringComparison.OrdinalIgnoreCase)).Select(l => l.Trim()).ToList();
            if (exit != 0)
            {
                var errors = log.Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Select(l => l.Trim()).ToList();
                return Failed(kernel, specialization, $"ptxas exit {exit}: {string.Join(" | ", errors.Count > 0 ? errors : [log.Trim()])}");
            }
            var opcodes = new Dictionary<string, int>(StringComparer.Ordinal);
            if (disassemble)
            {
                var (dumpExit, sass) = Run(Cuobjdump, $"-sass \"{cubin}\"");
                if (dumpExit != 0) return Failed(kernel, specialization, $"cuobjdump exit {dumpExit}: {sass.Trim()}");
                foreach (Match m in SassInstruction().Matches(sass))
                    opcodes[m.Groups[1].Value] = opcodes.GetValueOrDefault(m.Groups[1].Value) + 1;
            }
            var frame = FrameLine().Match(log);
            return new Assembly(kernel, specialization,
                Registers: Number(RegistersLine().Match(log)),
                StackFrameBytes: frame.Success ? int.Parse(frame.Groups[1].Value) : 0,
                SpillStoreBytes: frame.Success ? int.Parse(frame.Groups[2].Value) : 0,
                SpillLoadBytes: frame.Success ? int.Parse(frame.Groups[3].Value) : 0,
                SharedBytes: Number(SharedLine().Match(log)),
                opcodes, warnings, null);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Assembly Failed(string kernel, KernelSpecialization specialization, string error) =>
        new(kernel, specialization, 0, 0, 0, 0, 0, new Dictionary<string, int>(), [], error);

    private static int Number(Match m) => m.Success ? int.Parse(m.Groups[1].Value) : 0;

    /// <summary>CUDA 11.x's ptxas reads PTX ISA up to 7.x (11.8: 7.8); CUDA 12 reads ILGPU's 8.0.</summary>
    private string DownToSupportedIsa(string ptx) =>
        Release.Major >= 12 ? ptx : VersionLine().Replace(ptx, $".version 7.{Math.Min(Release.Minor, 8)}", 1);

    private static (int Exit, string Output) Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    [GeneratedRegex(@"release (\d+)\.(\d+)")]
    private static partial Regex ReleaseLine();

    [GeneratedRegex(@"^\.version \d+\.\d+", RegexOptions.Multiline)]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"Used (\d+) registers")]
    private static partial Regex RegistersLine();

    [GeneratedRegex(@"(\d+) bytes smem")]
    private static partial Regex SharedLine();

    [GeneratedRegex(@"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")]
    private static partial Regex FrameLine();

    // "/*0120*/  @!P0 LDS.128 R8, [R3] ;": the opcode with its modifiers, after an optional predicate.
    [GeneratedRegex(@"^\s*/\*[0-9a-f]{4,}\*/\s+(?:@!?U?P[T0-9]\s+)?([A-Z][A-Z0-9_]*(?:\.[A-Z0-9_]+)*)", RegexOptions.Multiline)]
    private static partial Regex SassInstruction();
}
