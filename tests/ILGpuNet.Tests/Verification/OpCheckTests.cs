using System.Collections.Concurrent;
using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;
using Xunit.Abstractions;

namespace ILGpuNet.Tests.Verification;

/// <summary>
/// The registry's checks, each run once per test process on each kernel family (the CUDA ones on GPU-shaped CPU
/// devices) where it is small enough, by whichever test asks first: <see cref="OpCheckTests"/> asks in registry
/// order and <see cref="KernelVariantCoverageTests"/> in reverse, so the two, run in parallel, meet in the middle.
/// </summary>
internal static class RegistryRuns
{
    public static readonly IReadOnlyList<OpCheck> Checks = OpChecks.All();

    /// <summary>The families whose device runs every op with them alone (the CPU kernels, CUDA cores): every check runs there.</summary>
    public static readonly IReadOnlyList<KernelFamily> OwnFamilies =
        Enum.GetValues<KernelFamily>().Where(f => OpChecks.RunsOnlyItsOwnFamily(Device.Running(f))).ToList();

    /// <summary>The families a device prefers before falling back to its own (tensor cores): checks run there where they reach them.</summary>
    public static readonly IReadOnlyList<KernelFamily> PreferredFamilies = Enum.GetValues<KernelFamily>().Except(OwnFamilies).ToList();

    private static readonly ConcurrentDictionary<string, Lazy<CheckResult>> Results = new();

    /// <summary>Every (check, family) of <see cref="OwnFamilies"/> the registry runs on this machine, named as the tests show them.</summary>
    public static IEnumerable<(string Name, OpCheck Check, KernelFamily Family)> All() =>
        from check in Checks
        from family in OwnFamilies
        where OpChecks.RunsOn(check, Emulated(family))
        select (Name(check, family), check, family);

    public static string Name(OpCheck check, KernelFamily family) => $"{check.Case} on {OpChecks.VariantName(family, Emulated(family))}";

    private static bool Emulated(KernelFamily family) => family != KernelFamily.Cpu;

    public static CheckResult Result(OpCheck check, KernelFamily family) =>
        Results.GetOrAdd(Name(check, family), _ => new Lazy<CheckResult>(() => OpChecks.Run(check, Device.Running(family)))).Value;

    /// <summary>The results of the checks that reach a kernel of a preferred <paramref name="family"/>, run on its device.</summary>
    public static IEnumerable<CheckResult> Reaching(KernelFamily family)
    {
        var declared = OpChecks.DeclaredVariants();
        return from check in Checks
               where OpChecks.RunsOn(check, Emulated(family))
               let own = OwnFamilies.Where(f => OpChecks.RunsOn(check, Emulated(f))).Select(f => Result(check, f)).ToList()
               where OpChecks.Reaches(own, family, declared)
               select Result(check, family);
    }
}

/// <summary>Every registered op check (ilgpunet gradcheck's registry) passes on every kernel family.</summary>
public class OpCheckTests(ITestOutputHelper output)
{
    public static TheoryData<string> Checks() => new(RegistryRuns.All().Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Checks))]
    public void CheckPasses(string check)
    {
        var (_, found, family) = RegistryRuns.All().Single(c => c.Name == check);
        var result = RegistryRuns.Result(found, family);
        output.WriteLine($"{check}: forward {result.ForwardError:E2}, backward {result.BackwardError:E2}; variants: " +
            string.Join(", ", result.Exercised.Select(v => $"{v.Op}/{v.Family.Name()}").Order()));
        Assert.True(result.Passed, $"{check}: forward {result.ForwardError:E2}, backward {result.BackwardError:E2} {result.Failure}");
    }

    public static TheoryData<string> PreferredFamilies() => new(RegistryRuns.PreferredFamilies.Select(f => f.Name()));

    /// <summary>On a device that prefers a family (tensor cores) and falls back to its own, every check that reaches it passes.</summary>
    [Theory]
    [MemberData(nameof(PreferredFamilies))]
    public void ChecksThatReachAPreferredFamilyPassOnIt(string family)
    {
        var results = RegistryRuns.Reaching(RegistryRuns.PreferredFamilies.Single(f => f.Name() == family)).ToList();
        foreach (var r in results) output.WriteLine($"{r.Case} on {r.Variant}: forward {r.ForwardError:E2}, backward {r.BackwardError:E2}");
        if (results.Count == 0) output.WriteLine($"no op that a check reaches declares {family} kernels");
        var failed = results.Where(r => !r.Passed).Select(r => $"{r.Case} on {r.Variant}: {r.Failure}").ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed));
    }

    [Fact]
    public void NearlyEveryCheckRunsOnEveryFamily()
    {
        var tooBig = RegistryRuns.Checks.Where(c => c.Work > OpChecks.EmulatedWorkLimit).Select(c => c.Case).ToList();
        output.WriteLine("CPU family only: " + string.Join("; ", tooBig));
        Assert.True(tooBig.Count <= RegistryRuns.Checks.Count / 20, $"{tooBig.Count} of {RegistryRuns.Checks.Count} checks are too big for the emulated GPU families");
    }

    [Fact]
    public void SeedsFollowTheCheckNotItsPlace()
    {
        var first = RegistryRuns.Checks[0];
        Assert.Equal(OpChecks.SeedOf(first), OpChecks.SeedOf(OpChecks.All().Single(c => c.Case == first.Case)));
        Assert.NotEqual(OpChecks.SeedOf(first), OpChecks.SeedOf(first, seed: 1));
        Assert.Equal(RegistryRuns.Checks.Count, RegistryRuns.Checks.Select(c => OpChecks.SeedOf(c)).Distinct().Count());
    }
}

/// <summary>Every kernel variant an op declares runs, on its family, in at least one registry check.</summary>
public class KernelVariantCoverageTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryDeclaredVariantIsExercisedByARegistryCheck()
    {
        var declared = OpChecks.DeclaredVariants();
        var results = RegistryRuns.All().Reverse().Select(c => RegistryRuns.Result(c.Check, c.Family))
            .Concat(RegistryRuns.PreferredFamilies.SelectMany(RegistryRuns.Reaching)).ToList();
        foreach (var v in declared)
            foreach (var (family, kernels) in v.Variants)
                output.WriteLine($"{v.Op} on {family.Name()} ({kernels}): {results.Count(r => r.Exercised.Contains((v.Op, family)))} checks");
        var missing = OpChecks.Unexercised(declared, results, Enum.GetValues<KernelFamily>());
        Assert.True(missing.Count == 0, "declared kernel variants that no registry check runs on their family (add a check that reaches them):\n"
            + string.Join("\n", missing));
    }

    /// <summary>The machinery behind the test above, on a variant declared here: a run records the variants its op picked.</summary>
    [Fact]
    public void ARunRecordsThePickedVariantsAndUnexercisedNamesTheOthers()
    {
        var cpu = OpChecks.Run(new PickingCheck(), Device.Cpu);
        Assert.True(cpu.Passed);
        Assert.Equal([(PickingCheck.Variants.Op, KernelFamily.Cpu)], cpu.Exercised);
        var missing = OpChecks.Unexercised([PickingCheck.Variants], [cpu], [KernelFamily.Cpu, KernelFamily.CudaSimt]);
        Assert.Equal(["test.picking on cuda-simt (simt kernels)"], missing);
        Assert.Empty(OpChecks.Unexercised([PickingCheck.Variants], [cpu], [KernelFamily.Cpu]));
    }

    /// <summary>A check whose "op" only picks its kernels by the device's family.</summary>
    private sealed class PickingCheck : OpCheck
    {
        public static readonly KernelVariants<string> Variants = new("test.picking",
            (KernelFamily.Cpu, "cpu kernels", "cpu"), (KernelFamily.CudaSimt, "simt kernels", "simt"));

        public override string Name => "picking";

        public override string Shape => "[1]";

        public override long Work => 1;

        public override CheckResult Run(Device device, int seed) =>
            new(Name, Shape, OpChecks.VariantOf(device), 0, double.NaN, Variants.For(device) == (device.Family == KernelFamily.Cpu ? "cpu" : "simt"));
    }
}
