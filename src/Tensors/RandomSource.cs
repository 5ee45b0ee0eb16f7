using ILGpuNet.Kernels;

namespace ILGpuNet.Tensors;

/// <summary>
/// The random state of a run: a Philox seed and an offset counter (in 128-bit blocks, Kernels/Philox.cs).
/// Every request reserves the next disjoint block range, so consecutive calls (dropout in successive
/// steps, successive weight initialisations) draw different numbers, while a run restarted from the
/// same (seed, offset) repeats exactly, on any device. Save <see cref="Seed"/> and <see cref="Offset"/>
/// in checkpoints and set them back to resume. Thread-safe.
/// </summary>
public sealed class RandomSource(ulong seed, ulong offset = 0)
{
    private readonly object gate = new();
    private ulong seed = seed;
    private ulong offset = offset;

    public ulong Seed
    {
        get { lock (gate) return seed; }
        set { lock (gate) seed = value; }
    }

    /// <summary>The next free block: everything below it has been handed out.</summary>
    public ulong Offset
    {
        get { lock (gate) return offset; }
        set { lock (gate) offset = value; }
    }

    /// <summary>Seed and offset together, read or restored atomically (checkpoints).</summary>
    public (ulong Seed, ulong Offset) State
    {
        get { lock (gate) return (seed, offset); }
        set { lock (gate) (seed, offset) = value; }
    }

    /// <summary>Starts the stream of another seed from its beginning.</summary>
    public void Reseed(ulong newSeed) => State = (newSeed, 0);

    /// <summary>
    /// Reserves the blocks for <paramref name="count"/> values and returns their stream: value i of the
    /// request is value i of the Philox stream (Seed, Offset) that comes back.
    /// </summary>
    public RandomStream Reserve(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (gate)
        {
            var stream = new RandomStream(seed, offset);
            offset += Philox.BlocksFor(count);
            return stream;
        }
    }

    /// <summary>Fills t with uniform values in [low, high) (for [0, 1) exactly (bits >> 8) * 2^-24).</summary>
    public void Uniform(Tensor t, float low = 0f, float high = 1f)
    {
        var s = Reserve(t.Length);
        t.Device.Run(RandomKernels.Uniform, t.Length / 4, t.View, t.Elements, low, high - low,
            s.SeedLo, s.SeedHi, s.OffsetLo, s.OffsetHi);
    }

    /// <summary>Fills t with normal values of the given mean and standard deviation (Box-Muller).</summary>
    public void Normal(Tensor t, float mean = 0f, float std = 1f)
    {
        var s = Reserve(t.Length);
        t.Device.Run(RandomKernels.Normal, t.Length / 4, t.View, t.Elements, mean, std,
            s.SeedLo, s.SeedHi, s.OffsetLo, s.OffsetHi);
    }

    /// <summary>A new tensor of uniform values in [low, high).</summary>
    public Tensor Uniform(Device device, int[] shape, float low = 0f, float high = 1f)
    {
        var t = Tensor.Empty(device, shape);
        Uniform(t, low, high);
        return t;
    }

    /// <summary>A new tensor of normal values.</summary>
    public Tensor Normal(Device device, int[] shape, float mean = 0f, float std = 1f)
    {
        var t = Tensor.Empty(device, shape);
        Normal(t, mean, std);
        return t;
    }

    public override string ToString() { var (s, o) = State; return $"RandomSource(seed {s}, offset {o})"; }
}

/// <summary>
/// One reserved Philox stream: value i is word i % 4 of block Offset + i / 4 under Seed (Kernels/Philox.cs).
/// The int halves are what the kernels take.
/// </summary>
public readonly record struct RandomStream(ulong Seed, ulong Offset)
{
    public int SeedLo => Philox.Lo(Seed);
    public int SeedHi => Philox.Hi(Seed);
    public int OffsetLo => Philox.Lo(Offset);
    public int OffsetHi => Philox.Hi(Offset);
}
