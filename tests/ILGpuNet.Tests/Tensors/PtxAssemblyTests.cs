using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using ILGpuNet.Tests.Cli;

namespace ILGpuNet.Tests.Tensors;

/// <summary>
/// ptxas for the assembly tests: found where <c>ilgpunet ptx --ptxas</c> looks, else installed by the script CI runs
/// (<c>.ci/install-ptxas.sh</c>). When neither works the tests fail with the reason and the install command: a skipped
/// check would pass a kernel that spills or an inline PTX that does not assemble, unseen until a GPU session.
/// </summary>
public sealed class PtxasFixture
{
    public PtxAssembler? Assembler { get; }
    public string Problem { get; } = "";

    public PtxasFixture()
    {
        Assembler = PtxAssembler.Find();
        if (Assembler != null || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PtxAssembler.EnvironmentVariable)))
        {
            if (Assembler == null) Problem = PtxAssembler.MissingMessage();
            return;
        }
        string? root = RepositoryRoot();
        if (root == null)
        {
            Problem = $"{PtxAssembler.MissingMessage()}\n(no {PtxAssembler.InstallScript} above {AppContext.BaseDirectory} to install it with)";
            return;
        }
        var start = new ProcessStartInfo("bash", PtxAssembler.InstallScript)
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var install = Process.Start(start)!;
        var stderr = install.StandardError.ReadToEndAsync();
        string stdout = install.StandardOutput.ReadToEnd();
        install.WaitForExit();
        Assembler = PtxAssembler.Find();
        if (Assembler == null)
            Problem = $"{PtxAssembler.MissingMessage()}\n{PtxAssembler.InstallScript} exited {install.ExitCode}:\n{stdout}{stderr.Result}";
    }

    public PtxAssembler Require() => Assembler ?? throw new Xunit.Sdk.XunitException(Problem);

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, PtxAssembler.InstallScript))) return dir.FullName;
        return null;
    }
}

/// <summary>Every kernel assembles for sm_90, and the kernels that run on CUDA keep their registers out of local memory.</summary>
public class PtxAssemblyTests(PtxasFixture fx) : IClassFixture<PtxasFixture>
{
    /// <summary>
    /// Kernels that spill today, with the bytes (stores and loads each) they may spill at most: the figure may only fall,
    /// and an entry goes when it reaches 0. None today: GemmCuda's 4 bytes under its 128-register launch cap went on
    /// 2026-12-05 (ptxas 11.8), when its next tile pair stopped being carried from one loop iteration to the next.
    /// </summary>
    private static readonly Dictionary<string, int> KnownSpills = new();

    /// <summary>
    /// The CPU family (methods named …Cpu) never runs on CUDA, so its PTX is only checked to assemble; GemmSumCpu, for one,
    /// spills 176 bytes on sm_90, harmless where it runs. Every other kernel can run on a GPU.
    /// </summary>
    private static bool RunsOnCuda(KernelCatalog.Entry entry) => !entry.Method.Name.EndsWith("Cpu", StringComparison.Ordinal);

    [Fact]
    public void EveryKernelAssemblesForSm90AndNoneThatRunsOnCudaSpills()
    {
        var assembler = fx.Require();
        var compiled = PtxCompiler.CompileAll("sm_90").ToList();
        Assert.All(compiled, r => Assert.True(r.Ok, $"{r.Kernel}: {r.Error}"));
        var assembled = assembler.AssembleAll(compiled, "sm_90", disassemble: false);
        Assert.Equal(KernelCatalog.All().Count, assembled.Count);
        var failures = assembled.Where(a => !a.Ok).Select(a => $"{a.Kernel}: {a.Error}").ToList();
        Assert.True(failures.Count == 0, "kernels that ptxas rejects:\n" + string.Join("\n", failures));

        var entries = KernelCatalog.All().ToDictionary(e => e.Name);
        var problems = new List<string>();
        foreach (var a in assembled.Where(a => RunsOnCuda(entries[a.Kernel])))
        {
            int allowed = KnownSpills.GetValueOrDefault(a.Kernel);
            int spilled = Math.Max(a.SpillStoreBytes, a.SpillLoadBytes);
            if (spilled > allowed)
                problems.Add($"{a.Kernel}: spills {a.SpillStoreBytes} bytes stored / {a.SpillLoadBytes} loaded at {a.Registers} registers (allowed {allowed})");
            else if (spilled < allowed)
                problems.Add($"{a.Kernel}: spills {spilled} bytes, fewer than the {allowed} of KnownSpills: lower (or remove) its entry");
            // A stack frame without spills is an array (or an inline-PTX operand) in local memory.
            if (a.StackFrameBytes > 0 && !a.Spills)
                problems.Add($"{a.Kernel}: {a.StackFrameBytes}-byte stack frame (local memory) without spills");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// The tiled kernels are assembled as they are launched (two 256-thread groups per multiprocessor: at most 128
    /// registers) and their 8 x 8 register blocks stay in registers: 512 FFMA per 8-deep tile fed by LDS.128.
    /// </summary>
    [Theory]
    [InlineData("Conv3dKernels.ForwardCuda")]
    [InlineData("Conv3dKernels.WeightGradCuda")]
    [InlineData("GemmKernels.GemmCuda")]
    public void TiledKernelsFitTwoGroupsPerMultiprocessorWithTheirSumsInRegisters(string kernel)
    {
        var assembler = fx.Require();
        var compiled = PtxCompiler.CompileAll("sm_90", kernel).Single(r => r.Kernel == kernel);
        Assert.Equal(new KernelSpecialization(256, 2), compiled.Specialization);
        Assert.Contains(".minnctapersm 2", compiled.Ptx!);
        var a = assembler.Assemble(kernel, compiled.Ptx!, "sm_90", compiled.Specialization);
        Assert.True(a.Ok, a.Error);
        Assert.InRange(a.Registers, 1, 65536 / (256 * 2));
        Assert.True(a.Ffma >= 512, $"{a.Ffma} FFMA");
        Assert.True(a.Count("LDS") >= 32, $"{a.Lds} LDS");
        Assert.Equal(0, a.Mma);
        if (!KnownSpills.ContainsKey(kernel)) Assert.Equal(0, a.LocalAccesses);
    }

    /// <summary>An inline-PTX tensor-core step is counted as MMA; HFMA2.MMA (a register move ptxas emits everywhere) is not.</summary>
    [Fact]
    public void MmaInstructionsAreCounted()
    {
        var a = fx.Require().Assemble("mma", Module("""
            .visible .entry k(.param .u64 out)
            {
                .reg .b32 %a<4>; .reg .b32 %b<2>; .reg .f32 %c<4>; .reg .b64 %p<2>;
                mov.b32 %a0, 1; mov.b32 %a1, 2; mov.b32 %a2, 3; mov.b32 %a3, 4; mov.b32 %b0, 5; mov.b32 %b1, 6;
                mov.f32 %c0, 0f00000000; mov.f32 %c1, 0f00000000; mov.f32 %c2, 0f00000000; mov.f32 %c3, 0f00000000;
                mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%c0,%c1,%c2,%c3}, {%a0,%a1,%a2,%a3}, {%b0,%b1}, {%c0,%c1,%c2,%c3};
                ld.param.u64 %p0, [out];
                cvta.to.global.u64 %p1, %p0;
                st.global.v4.f32 [%p1], {%c0,%c1,%c2,%c3};
                ret;
            }
            """), "sm_90");
        Assert.True(a.Ok, a.Error);
        Assert.Equal(1, a.Mma);
        Assert.Equal(0, a.LocalAccesses);
    }

    /// <summary>What the spill check exists to catch: an array (an accumulator, an EmitRef operand) placed in local memory.</summary>
    [Fact]
    public void LocalMemoryShowsAsAStackFrameAndLocalAccesses()
    {
        var a = fx.Require().Assemble("local", Module("""
            .visible .entry k(.param .u64 out, .param .u32 i)
            {
                .local .align 4 .b8 acc[64];
                .reg .b32 %r<2>; .reg .b64 %p<5>; .reg .f32 %f<2>;
                ld.param.u32 %r0, [i];
                mov.u64 %p0, acc;
                mul.wide.u32 %p1, %r0, 4;
                add.s64 %p2, %p0, %p1;
                st.local.f32 [%p2], 0f3F800000;
                ld.local.f32 %f0, [acc+8];
                ld.param.u64 %p3, [out];
                cvta.to.global.u64 %p4, %p3;
                st.global.f32 [%p4], %f0;
                ret;
            }
            """), "sm_90");
        Assert.True(a.Ok, a.Error);
        Assert.Equal(64, a.StackFrameBytes);
        Assert.False(a.Spills);
        Assert.True(a.LocalAccesses >= 2, $"{a.LocalAccesses} LDL/STL");
    }

    [Fact]
    public void InvalidPtxIsReportedWithPtxasComplaint()
    {
        var a = fx.Require().Assemble("bad", Module("""
            .visible .entry k()
            {
                mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%nope};
                ret;
            }
            """), "sm_90");
        Assert.False(a.Ok);
        Assert.Contains("ptxas", a.Error);
    }

    /// <summary>The launch specialization is declared once, on the kernel; a load with another is refused.</summary>
    [Fact]
    public void LaunchSpecializationsAreTheOnesTheKernelsDeclare()
    {
        var entries = KernelCatalog.All().ToDictionary(e => e.Name);
        Assert.Equal(GemmLaunch.TiledSpecialization, entries["GemmKernels.GemmCuda"].Attribute.Specialization);
        using var context = Context.Create(b => b.CPU(new CPUDevice(32, 8, 1)));
        using var accelerator = context.GetCPUDevice(0).CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel);
        var cache = new KernelCache(accelerator, KernelFamily.CudaSimt);
        var error = Assert.Throws<InvalidOperationException>(() =>
            cache.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, float, float, LongIndex3D>(
                GemmKernels.GemmCuda, new KernelSpecialization(256, 1)));
        Assert.Contains("[Kernel]", error.Message);
        Assert.Throws<InvalidOperationException>(() =>
            cache.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, float, float, LongIndex3D>(
                GemmKernels.GemmCuda));
    }

    [Fact]
    public void PtxCommandPrintsTheAssemblyTableAndTheTargetWritten()
    {
        fx.Require();
        var (code, output, error) = CliRunner.Run("ptx", "--arch", "sm_90", "--kernel", "Conv3dKernels.ForwardCuda", "--ptxas");
        Assert.True(code == 0, output + error);
        Assert.Contains("requested sm_90", output);
        Assert.Contains(".target sm_", output);
        Assert.Matches(@"Conv3dKernels\.ForwardCuda \*\s+256x2\s+\d+\s+0/0\s+0\s+20992\s+0\s+5\d\d\s", output);
        Assert.Contains("none spills", output);
    }

    [Fact]
    public void PtxCommandWithoutPtxasSaysHowToInstallItAndExits2()
    {
        var saved = Environment.GetEnvironmentVariable(PtxAssembler.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(PtxAssembler.EnvironmentVariable, "/nonexistent/ptxas");
            var (code, _, error) = CliRunner.Run("ptx", "--kernel", "ElementwiseKernels.Fill", "--ptxas");
            Assert.Equal(2, code);
            Assert.Contains(PtxAssembler.InstallScript, error);
            Assert.Contains("ILGPUNET_PTXAS=/nonexistent/ptxas", error);
        }
        finally
        {
            Environment.SetEnvironmentVariable(PtxAssembler.EnvironmentVariable, saved);
        }
    }

    private static string Module(string body) => ".version 7.8\n.target sm_80\n.address_size 64\n\n" + body + "\n";
}
