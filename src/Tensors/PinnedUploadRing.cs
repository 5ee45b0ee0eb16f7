using ILGPU.Runtime;

namespace ILGpuNet.Tensors;

/// <summary>
/// Double-buffered host-to-device uploads through page-locked memory. <see cref="Stage"/> copies host
/// arrays into a slot's pinned memory and queues their asynchronous upload on the device's copy stream,
/// so the upload of the next batch overlaps the compute of the current one; the compute stream waits for
/// the upload (not the host) when the slot is <see cref="Staged.Acquire">acquired</see>, and the copy
/// stream waits until the compute that used a slot is done before it overwrites that slot. The host
/// blocks only when it runs a whole ring ahead of the device, which bounds how far it queues work.
/// </summary>
public sealed class PinnedUploadRing : IDisposable
{
    private readonly Device device;
    private readonly Slot[] slots;
    private int next;
    private bool disposed;

    public PinnedUploadRing(Device device, int depth = 2)
    {
        if (depth < 2) throw new ArgumentOutOfRangeException(nameof(depth), depth, "a ring needs at least two slots to overlap");
        this.device = device;
        slots = Enumerable.Range(0, depth).Select(_ => new Slot(device)).ToArray();
    }

    /// <summary>
    /// Uploads the given parts (each a host array and the tensor shape it fills) into the next slot. The
    /// returned tensors belong to the ring: valid until the slot comes round again, never to be disposed.
    /// </summary>
    public Staged Stage(params (float[] Data, int[] Shape)[] parts)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var slot = slots[next];
        next = (next + 1) % slots.Length;
        slot.Uploaded.Synchronize();  // the previous upload from this slot's pinned memory has finished
        slot.Fit(parts);
        for (int i = 0; i < parts.Length; i++)
            parts[i].Data.AsSpan(0, (int)slot.Tensors[i].Length).CopyTo(slot.Pinned[i].Span);
        var copy = device.CopyStream;
        slot.Released.MakeWait(copy);  // the compute that read this slot last time is done
        for (int i = 0; i < parts.Length; i++)
            slot.Tensors[i].View.CopyFromPageLockedAsync(copy, slot.Pinned[i]);
        slot.Uploaded.Record(copy);
        return new Staged(device, slot);
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        device.Synchronize();
        foreach (var slot in slots)
        {
            slot.Uploaded.Synchronize();
            slot.Dispose();
        }
    }

    /// <summary>One slot's uploaded tensors; <see cref="Acquire"/> before use, <see cref="Release"/> after queuing the work that reads them.</summary>
    public readonly struct Staged
    {
        private readonly Device device;
        private readonly Slot slot;

        internal Staged(Device device, Slot slot) => (this.device, this.slot) = (device, slot);

        /// <summary>Orders the compute stream after the upload and returns the tensors, in the order given to Stage.</summary>
        public IReadOnlyList<Tensor> Acquire()
        {
            slot.Uploaded.MakeWait(device.Stream);
            return slot.Tensors;
        }

        /// <summary>Marks the end of the compute that reads the tensors: the slot may be overwritten after it.</summary>
        public void Release() => slot.Released.Record(device.Stream);
    }

    internal sealed class Slot(Device device) : IDisposable
    {
        public DeviceEvent Uploaded { get; } = new(device);
        public DeviceEvent Released { get; } = new(device);
        public Tensor[] Tensors { get; private set; } = [];
        public PageLockedArray1D<float>[] Pinned { get; private set; } = [];

        /// <summary>Keeps the buffers when the shapes repeat (every full batch); reallocates otherwise.</summary>
        public void Fit((float[] Data, int[] Shape)[] parts)
        {
            bool same = Tensors.Length == parts.Length &&
                        Tensors.Zip(parts).All(p => p.First.Shape.AsSpan().SequenceEqual(p.Second.Shape));
            if (same) return;
            Released.Synchronize();
            Free();
            Tensors = parts.Select(p => TensorScope.Keep(Tensor.Empty(device, p.Shape))).ToArray();
            Pinned = Tensors.Select(t => device.Accelerator.AllocatePageLocked1D<float>(t.Length)).ToArray();
            Released.Record(device.Stream);  // new tensors may be poisoned on the compute stream first (checks)
            for (int i = 0; i < parts.Length; i++)
                if (parts[i].Data.Length < Tensors[i].Length)
                    throw new ArgumentException($"upload part {i}: {parts[i].Data.Length} values for shape {Tensors[i].ShapeText}");
        }

        private void Free()
        {
            foreach (var t in Tensors) t.Dispose();
            foreach (var p in Pinned) p.Dispose();
            Tensors = [];
            Pinned = [];
        }

        public void Dispose()
        {
            Free();
            Uploaded.Dispose();
            Released.Dispose();
        }
    }
}
