using System.CommandLine;
using ILGpuNet.Layers.Verification;

namespace ILGpuNet.Cli.Commands;

/// <summary><c>ilgpunet gradcheck</c>: every registered op check on the chosen device, as a table.</summary>
internal static class GradcheckCommand
{
    public static Command Create(TextWriter output)
    {
        var device = CommonOptions.Device();
        var op = new Option<string?>("--op") { Description = "Check only this op (as named in the table)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the random inputs", DefaultValueFactory = _ => 1234 };
        var command = new Command("gradcheck", "Check every op's forward against its float64 reference and its backward against finite differences")
        {
            device, op, seed,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(op) is { } name && !OpChecks.All().Any(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase)
                    || c.Covers.Any(n => n.Equals(name, StringComparison.OrdinalIgnoreCase))))
                throw new CliException($"no check for op '{name}'. Known ops: {string.Join(", ", OpChecks.All().Select(c => c.Name).Distinct())}");
            var dev = CommonOptions.Open(parse.GetValue(device)!);
            output.WriteLine($"gradcheck on {dev}");
            output.WriteLine($"{"op",-22} {"shape",-34} {"variant",-17} {"forward",10} {"backward",10}  result");
            int failed = 0, total = 0;
            foreach (var r in OpChecks.Run(dev, parse.GetValue(op), parse.GetValue(seed)))
            {
                total++;
                if (!r.Passed) failed++;
                output.WriteLine($"{r.Op,-22} {Clip(r.Shape, 34),-34} {r.Variant,-17} {Err(r.ForwardError),10} {Err(r.BackwardError),10}  {(r.Passed ? "pass" : "FAIL " + r.Failure)}");
            }
            output.WriteLine(failed == 0 ? $"all {total} checks passed" : $"{failed} of {total} checks FAILED");
            output.WriteLine(Training.Bench.CompileStats.Now());
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    private static string Err(double e) => double.IsNaN(e) ? "-" : e.ToString("E2");

    private static string Clip(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "~";
}
