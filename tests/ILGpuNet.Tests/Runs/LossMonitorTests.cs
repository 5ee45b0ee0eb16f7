using ILGpuNet.Tensors;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Runs;

public sealed class LossMonitorTests
{
    [Fact]
    public void SumsWeightedLossesAndReportsTheMeanSinceTheLastRead()
    {
        var device = Device.Cpu;
        using var monitor = new LossMonitor(device);
        using var scope = new TensorScope();
        monitor.Add(Tensor.FromArray(device, [0.75f], 1), 4, 0);
        monitor.Add(Tensor.FromArray(device, [0.25f], 1), 2, 1);
        var first = monitor.Read();
        Assert.Equal(0.75 * 4 + 0.25 * 2, first.Sum, 12);
        Assert.Equal(6, first.Samples);
        Assert.Equal((0.75 * 4 + 0.25 * 2) / 6, first.RecentMean, 12);
        Assert.Null(first.FirstBadStep);
        monitor.Add(Tensor.FromArray(device, [1.5f], 1), 4, 2);
        Assert.Equal(1.5, monitor.Read().RecentMean, 12);
        monitor.Reset();
        Assert.Equal(0, monitor.Read().Samples);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void RemembersTheFirstNonFiniteStepAndStopsAdding(float bad)
    {
        var device = Device.Cpu;
        using var monitor = new LossMonitor(device);
        using var scope = new TensorScope();
        monitor.Add(Tensor.FromArray(device, [0.5f], 1), 2, 10);
        monitor.Add(Tensor.FromArray(device, [bad], 1), 2, 11);
        monitor.Add(Tensor.FromArray(device, [float.NaN], 1), 2, 12);
        monitor.Add(Tensor.FromArray(device, [0.25f], 1), 2, 13);
        var reading = monitor.Read();
        Assert.Equal(11, reading.FirstBadStep);
        Assert.Equal(bad, reading.BadLoss);
        Assert.Equal(1.0, reading.Sum, 12);
        Assert.Equal(2, reading.Samples);
    }
}
