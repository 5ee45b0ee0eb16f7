using ILGpuNet.Layers.Verification;
using ILGpuNet.Tensors;
using Xunit.Abstractions;

namespace ILGpuNet.Tests.Verification;

/// <summary>Every registered op check (ilgpunet gradcheck's registry) passes on the CPU accelerator, both variants.</summary>
public class OpCheckTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> CheckIndices() => OpChecks.All().Select((c, i) => new object[] { i, c.Name + " " + c.Shape });

    [Theory]
    [MemberData(nameof(CheckIndices))]
    public void CheckPasses(int index, string description)
    {
        var check = OpChecks.All()[index];
        var devices = check.HasBarrierVariant ? new[] { Device.Cpu, Device.GpuShapedCpu } : new[] { Device.Cpu };
        foreach (var device in devices)
        {
            var result = check.Run(device, seed: 1000 + index);
            output.WriteLine($"{description} [{result.Variant}]: forward {result.ForwardError:E2}, backward {result.BackwardError:E2}");
            Assert.True(result.Passed, $"{description} on {result.Variant}: forward {result.ForwardError:E2}, backward {result.BackwardError:E2} {result.Failure}");
        }
    }
}
