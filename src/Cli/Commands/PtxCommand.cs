using System.CommandLine;
using ILGpuNet.Tensors;

namespace ILGpuNet.Cli.Commands;

/// <summary><c>ilgpunet ptx</c>: compiles every kernel to PTX without a GPU.</summary>
internal static class PtxCommand
{
    public static Command Create(TextWriter output)
    {
        var arch = new Option<string>("--arch") { Description = "CUDA architecture", DefaultValueFactory = _ => "sm_90" };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Write one .ptx file per kernel into this folder" };
        var filter = new Option<string?>("--kernel") { Description = "Only kernels whose name contains this text" };
        var command = new Command("ptx", "Compile every kernel of ILGpuNet.Kernels to PTX (no GPU needed); exit 1 on any failure")
        {
            arch, outDir, filter,
        };
        command.SetAction(parse =>
        {
            try
            {
                PtxCompiler.ParseArchitecture(parse.GetValue(arch)!);
            }
            catch (ArgumentException e)
            {
                throw new CliException($"--arch: {e.Message}");
            }
            var dir = parse.GetValue(outDir);
            if (dir != null) Directory.CreateDirectory(dir.FullName);
            int ok = 0, failed = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            foreach (var r in PtxCompiler.CompileAll(parse.GetValue(arch)!, parse.GetValue(filter)))
            {
                if (!r.Ok)
                {
                    failed++;
                    output.WriteLine($"FAIL {r.Kernel}: {r.Error}");
                    continue;
                }
                ok++;
                if (dir != null) File.WriteAllText(Path.Combine(dir.FullName, r.Kernel + ".ptx"), r.Ptx);
            }
            output.WriteLine($"{ok} kernels compiled for {parse.GetValue(arch)} in {clock.Elapsed.TotalSeconds:F1} s, {failed} failed{(dir != null ? $", written to {dir.FullName}" : "")}");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }
}
