using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using Device = ILGpuNet.Tensors.Device;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// The training loss kept on the device: each step adds its loss (one tiny kernel, no host round trip)
/// and a device-side flag remembers the first step whose loss was not finite. The host reads the state
/// only every few steps and at the epoch's end, yet a divergence is still reported at the exact step
/// where it happened.
/// </summary>
public sealed class LossMonitor : IDisposable
{
    private readonly Device device;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> state;
    private double lastSum, lastSamples;

    public LossMonitor(Device device)
    {
        this.device = device;
        state = device.Accelerator.Allocate1D<double>(4);
        Reset();
    }

    /// <summary>Starts a new epoch: sum and samples zero, no non-finite step.</summary>
    public void Reset()
    {
        state.View.CopyFromCPU(device.Stream, new double[] { 0, 0, -1, 0 });
        lastSum = lastSamples = 0;
    }

    /// <summary>Queues the addition of a step's loss (a one-element tensor) weighted by its samples.</summary>
    public void Add(Tensor loss, int samples, long stepIndex) =>
        device.Run(TrainingStepKernels.AccumulateLoss, 1, loss.View, state.View.AsContiguous(), samples, stepIndex);

    /// <summary>Reads the state (synchronises): totals so far, the mean loss of the steps since the last read, and the first non-finite step.</summary>
    public LossReading Read()
    {
        var values = new double[4];
        state.View.CopyToCPU(device.Stream, values);
        device.Synchronize();
        double recentSamples = values[1] - lastSamples;
        double recentMean = recentSamples > 0 ? (values[0] - lastSum) / recentSamples : double.NaN;
        (lastSum, lastSamples) = (values[0], values[1]);
        return new LossReading(values[0], (long)values[1], recentMean, values[2] >= 0 ? (long)values[2] : null, (float)values[3]);
    }

    public void Dispose() => state.Dispose();
}

/// <summary>
/// The device's loss state at a read: <see cref="Sum"/> of loss x samples over <see cref="Samples"/>, the mean of the
/// steps since the previous read, and the step index (0-based, counted over the run) where the loss first
/// was <see cref="BadLoss"/> (NaN or infinite), if it was.
/// </summary>
public readonly record struct LossReading(double Sum, long Samples, double RecentMean, long? FirstBadStep, float BadLoss);
