using System.CommandLine;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;

namespace ILGpuNet.Cli.Commands;

/// <summary>
/// <c>ilgpunet gradcheck</c>: every op's kernel variants, then every registered op check on every kernel family
/// the device reaches (on the CPU accelerator: the CPU kernels, and the CUDA ones on GPU-shaped groups), as a
/// table (on a device that prefers tensor cores, the checks that reach such kernels). Exits 1 when a check fails or,
/// without --op, when a declared variant of a checked family ran in no check.
/// </summary>
internal static class GradcheckCommand
{
    public static Command Create(TextWriter output)
    {
        var device = CommonOptions.Device();
        var op = new Option<string?>("--op") { Description = "Check only this op (as named in the table)" };
        var seed = new Option<int>("--seed") { Description = "Base seed of the random inputs (each check derives its own from its name)", DefaultValueFactory = _ => OpChecks.DefaultSeed };
        var command = new Command("gradcheck", "List every op's kernel variants; check each op's forward against its float64 reference and its backward against a float64 gradient, on every kernel family")
        {
            device, op, seed,
        };
        command.SetAction(parse =>
        {
            string? only = parse.GetValue(op);
            IReadOnlyList<OpCheck> checks;
            try
            {
                checks = OpChecks.Select(only);  // before opening the device: an unknown op is the user's error either way
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.Message);
            }
            var dev = CommonOptions.Open(parse.GetValue(device)!);
            var devices = OpChecks.DevicesFor(dev);
            var families = devices.SelectMany(d => d.Families).Distinct().ToList();
            var declared = OpChecks.DeclaredVariants();
            output.WriteLine($"gradcheck on {dev}, kernel families {string.Join(", ", devices.Select(OpChecks.VariantOf))} (@cpu: emulated on the CPU accelerator)");

            output.WriteLine($"{"check",-60} {"variant",-22} {"forward",10} {"backward",10}  result");
            var results = new List<CheckResult>();
            foreach (var r in OpChecks.Run(dev, only, parse.GetValue(seed)))
            {
                results.Add(r);
                output.WriteLine($"{Clip(r.Case, 60),-60} {r.Variant,-22} {Err(r.ForwardError),10} {Err(r.BackwardError),10}  {(r.Passed ? "pass" : "FAIL " + r.Failure)}");
            }
            int skipped = checks.Sum(c => devices.Count(d => !OpChecks.RunsOn(c, d)));

            output.WriteLine();
            output.WriteLine($"{"kernel variant",-34} {"family",-17} {"checks",6}  kernels");
            if (declared.Count == 0) output.WriteLine("(no op declares kernel variants)");
            foreach (var v in declared)
                foreach (var (family, kernels) in v.Variants)
                {
                    int count = results.Count(r => r.Exercised.Contains((v.Op, family)));
                    string ran = families.Contains(family) ? count.ToString() : "-";
                    output.WriteLine($"{v.Op,-34} {family.Name(),-17} {ran,6}  {kernels}");
                }

            int failed = results.Count(r => !r.Passed);
            var unexercised = only == null ? OpChecks.Unexercised(declared, results, families) : [];
            output.WriteLine(failed == 0 ? $"all {results.Count} checks passed" : $"{failed} of {results.Count} checks FAILED");
            if (skipped > 0)
                output.WriteLine($"{skipped} runs left out: checks above the emulated-GPU work limit ({OpChecks.EmulatedWorkLimit:N0}) run on the CPU family only");
            foreach (var v in unexercised) output.WriteLine($"NOT CHECKED: {v}");
            output.WriteLine(Training.Bench.CompileStats.Now());
            return failed == 0 && unexercised.Count == 0 ? 0 : 1;
        });
        return command;
    }

    private static string Err(double e) => double.IsNaN(e) ? "-" : e.ToString("E2");

    private static string Clip(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "~";
}
