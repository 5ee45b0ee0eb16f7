using System.Diagnostics;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;

namespace ILGpuNet.Training.Runs;

/// <summary>A training batch on the device: the volumes and the loss targets, uploaded together.</summary>
public readonly record struct DeviceBatch(Tensor Input, IReadOnlyList<Tensor> Targets)
{
    /// <summary>Samples in the batch.</summary>
    public int Count => Input.Dim(0);
}

/// <summary>
/// Feeds a loader's batches to the device through a <see cref="PinnedUploadRing"/>: each batch is copied
/// into pinned memory with its targets and uploaded asynchronously while the device still computes the
/// previous step; the host batch goes back to the loader at once. Measures how long the consumer waited
/// for the loader (<see cref="DataWaitSeconds"/>): a GPU that starves shows it there.
/// </summary>
public sealed class DeviceBatches(Device device, StepLoss loss) : IDisposable
{
    private readonly PinnedUploadRing ring = new(device);

    /// <summary>Seconds spent waiting for the loader since the last <see cref="ResetWait"/>.</summary>
    public double DataWaitSeconds { get; private set; }

    public void ResetWait() => DataWaitSeconds = 0;

    /// <summary>
    /// The batches of <paramref name="batches"/> on the device, in order. Queue the whole step that reads a
    /// batch before asking for the next one: the next MoveNext marks the batch's slot as released after that
    /// step, then waits for the loader (while the device computes) and stages the next batch. With the ring
    /// two deep, the host runs at most about two steps ahead of the device. The loader's wait is hidden
    /// while the device is busy and shows in <see cref="DataWaitSeconds"/> only when the loader is the bottleneck.
    /// </summary>
    public IEnumerable<DeviceBatch> Stream(IEnumerable<Batch> batches)
    {
        using var source = batches.GetEnumerator();
        while (true)
        {
            long waitStart = Stopwatch.GetTimestamp();
            bool more = source.MoveNext();
            DataWaitSeconds += Stopwatch.GetElapsedTime(waitStart).TotalSeconds;
            if (!more) yield break;
            PinnedUploadRing.Staged staged;
            using (var batch = source.Current)
                staged = ring.Stage([(batch.Data, batch.Shape), .. loss.Targets(batch)]);
            var tensors = staged.Acquire();
            yield return new DeviceBatch(tensors[0], tensors.Skip(1).ToArray());
            staged.Release();
        }
    }

    public void Dispose() => ring.Dispose();
}
