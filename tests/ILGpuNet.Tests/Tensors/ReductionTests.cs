using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Tensors;

/// <summary>Both reduction variants at sizes where every loop path runs (the op checks use tiny shapes).</summary>
public class ReductionTests
{
    public static IEnumerable<object[]> Devices() => [["cpu"], ["gpu-shaped"]];

    private static Device Pick(string name) => name == "cpu" ? Device.Cpu : Device.GpuShapedCpu;

    [Theory]
    [MemberData(nameof(Devices))]
    public void SumsMatchFloat64AndRepeatBitForBit(string which)
    {
        var device = Pick(which);
        var rng = new Random(3);
        foreach (int n in new[] { 1, 7, 10_007, 300_001 })
        {
            var data = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 0.5)).ToArray();
            double expected = data.Sum(v => (double)v * v);
            using var x = Tensor.FromArray(device, data, n);
            using var y = Tensor.Full(device, float.NaN, 1);
            Reductions.Sum<SquareOp>(x.View, y.View, device, 0.5f);
            float first = y.Item();
            Assert.Equal(0.5 * expected, first, 0.5 * expected * 1e-5);
            Reductions.Sum<SquareOp>(x.View, y.View, device, 0.5f);
            Assert.Equal(first, y.Item());  // deterministic
        }
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void ChannelSumsMatchFloat64(string which)
    {
        var device = Pick(which);
        var rng = new Random(4);
        foreach (var (outer, channels, inner) in new[] { (1, 1, 5), (3, 5, 1031), (2, 64, 2000), (4, 3, 7) })
        {
            int n = outer * channels * inner;
            var data = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.3)).ToArray();
            using var x = Tensor.FromArray(device, data, n);
            using var y = Tensor.Full(device, float.NaN, channels);
            Reductions.ChannelSum<IdentityOp>(x.View, y.View, outer, channels, inner, device);
            var actual = y.ToArray();
            for (int c = 0; c < channels; c++)
            {
                double expected = 0;
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++) expected += data[(o * channels + c) * inner + i];
                Assert.Equal(expected, actual[c], Math.Max(1e-5, Math.Abs(expected) * 1e-5));
            }
        }
    }
}
