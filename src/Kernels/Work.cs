using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Work distribution inside explicitly grouped kernels. Every kernel takes its launch size as a
/// parameter and walks its items in chunks: thread t owns items [t*chunk, t*chunk+chunk), then jumps
/// by (threads*chunk). CUDA launches many threads with chunk 1 (a coalesced grid-stride loop); the CPU
/// accelerator launches one thread per core with one long contiguous chunk each, because every emulated
/// thread costs an OS-thread rendezvous there (ENGINEERING.md).
/// <para>
/// Index policy: a tensor holds at most 2^31 - 1 elements (Tensor.MaxElements), so item counts, element indices
/// and offsets inside one tensor are int, and per-element address arithmetic stays 32-bit in the hot loops. What
/// can pass int.MaxValue on the way is kept out of int: the loop position of <see cref="WorkRanges"/> (64-bit),
/// block ends (<see cref="BlockEnd"/>), grid-stride positions of the block reductions (64-bit or unsigned), and
/// offsets across samples or partial sums (long). Tile kernels (GEMM, tiled conv) run up to a tile past a size;
/// their callers keep those sizes a tile below int.MaxValue (GemmLaunch.MaxDimension, Ops.Conv3d).
/// </para>
/// </summary>
public static class Work
{
    /// <summary>Total threads of the launch (along X).</summary>
    public static int ThreadCount => ThreadCountHere();

    /// <summary>This thread's index in the launch (along X).</summary>
    public static int ThreadIndex => ThreadIndexHere();

    /// <summary>The launch's Y index (Grid.IdxY): the product of a batched GEMM.</summary>
    public static int BatchIndex => BatchIndexHere();

    // The CPU family's kernels run on ILGpuNet's own threads (Tensors/CpuLauncher.cs), which set DirectCpuThread;
    // ILGPU compiles the Grid twins (ScalarTwin.cs), and kernels on ILGPU's CPU accelerator take them too.
    [ScalarTwin(nameof(GridThreadCount))]
    public static int ThreadCountHere() => DirectCpuThread.Active ? DirectCpuThread.Count : GridThreadCount();

    public static int GridThreadCount() => Grid.DimX * Group.DimX;

    [ScalarTwin(nameof(GridThreadIndex))]
    public static int ThreadIndexHere() => DirectCpuThread.Active ? DirectCpuThread.Index : GridThreadIndex();

    public static int GridThreadIndex() => Grid.GlobalIndex.X;

    [ScalarTwin(nameof(GridBatchIndex))]
    public static int BatchIndexHere() => DirectCpuThread.Active ? DirectCpuThread.Batch : GridBatchIndex();

    public static int GridBatchIndex() => Grid.IdxY;

    /// <summary>
    /// This thread's ranges over <paramref name="count"/> items walked in chunks of <paramref name="chunk"/>:
    /// <c>for (var r = Work.Ranges(n, chunk); r.Next();) for (int i = r.Start; i &lt; r.End; i++) ...</c>
    /// </summary>
    public static WorkRanges Ranges(int count, int chunk) => new(ThreadIndex, ThreadCount, chunk, count);

    /// <summary>
    /// min(start + size, end) for start &lt; end, without forming start + size (which passes int.MaxValue when end
    /// is near it): the end of one block of a loop <c>for (int b = begin, e; b &lt; end; b = e) { e = Work.BlockEnd(b, size, end); ... }</c>.
    /// </summary>
    public static int BlockEnd(int start, int size, int end) => end - start > size ? start + size : end;

    /// <summary>
    /// For a kernel whose final step (merging the partial results of all threads or groups) would otherwise be a
    /// launch of its own: every participant calls this once, after writing its part, and exactly one gets true,
    /// the last to arrive, when every other participant's writes are visible to it. That one resets the counter
    /// for the next launch (kernels run in stream order). Participants: the launch's threads (CPU variants, every
    /// thread calls) or its groups (CUDA variants, one thread per group calls).
    /// </summary>
    public static bool ArrivesLast(ArrayView<int> counter, int participants)
    {
        MemoryFence.DeviceLevel();
        if (Atomic.Add(ref counter[0], 1) != participants - 1) return false;
        MemoryFence.DeviceLevel();
        counter[0] = 0;
        return true;
    }

    /// <summary>
    /// <see cref="ArrivesLast"/> for the groups of a barrier kernel: every thread of the group has written its part,
    /// thread 0 arrives for the group once those writes are visible device-wide, and the answer reaches every thread
    /// of the group. Call it from all threads of the group (it has barriers).
    /// </summary>
    public static bool GroupArrivesLast(ArrayView<int> counter, int participants)
    {
        var last = SharedMemory.Allocate<int>(1);
        MemoryFence.DeviceLevel();
        Group.Barrier();
        if (Group.IdxX == 0) last[0] = ArrivesLast(counter, participants) ? 1 : 0;
        Group.Barrier();
        return last[0] != 0;
    }
}

/// <summary>
/// The chunked loop of one thread, safe for any item count up to int.MaxValue (the tensor bound,
/// Tensor.MaxElements): the running start and the jump are 64-bit, because on the CPU accelerator
/// threads*chunk is about the item count itself and start + jump passes 2^31 for counts above ~1.1e9.
/// Start and End, the bounds of the current range, are at most count and so stay 32-bit for the
/// per-item index arithmetic.
/// </summary>
public struct WorkRanges
{
    private long next;
    private readonly long jump;
    private readonly int chunk, count;

    /// <summary>First item of the current range.</summary>
    public int Start;

    /// <summary>One past the last item of the current range (at most the item count).</summary>
    public int End;

    public WorkRanges(int thread, int threads, int chunk, int count)
    {
        next = (long)thread * chunk;
        jump = (long)threads * chunk;
        this.chunk = chunk;
        this.count = count;
        Start = 0;
        End = 0;
    }

    /// <summary>Moves to this thread's next range; false when none is left.</summary>
    public bool Next()
    {
        if (next >= count) return false;
        Start = (int)next;
        long end = next + chunk;
        End = end < count ? (int)end : count;
        next += jump;
        return true;
    }
}

/// <summary>
/// Four floats loaded or stored as one 16-byte access: PTX gets ld/st.global.v4.f32, and the CPU
/// accelerator pays its per-access view checks once per four elements instead of once per element.
/// Views cast to Float4 must start at a 16-byte aligned offset (tensor buffers always do).
/// </summary>
public struct Float4
{
    public float X, Y, Z, W;

    public Float4(float x, float y, float z, float w) { X = x; Y = y; Z = z; W = w; }
}

/// <summary>
/// The logical kernel thread that ILGpuNet's CPU launcher (Tensors/CpuLauncher.cs) runs on this OS thread: the CPU
/// family's kernels are barrier-free .NET methods, so the launcher calls them directly on its own worker threads
/// instead of going through ILGPU's CPU accelerator (whose launch wakes and joins its threads through a monitor and
/// three barriers: 60 to 180 us a launch on our 2-core machines). <see cref="Work"/> reads this where it is set.
/// </summary>
public static class DirectCpuThread
{
    [ThreadStatic] private static bool active;
    [ThreadStatic] private static int index, count, batch;

    public static bool Active => active;

    public static int Index => index;

    public static int Count => count;

    public static int Batch => batch;

    /// <summary>Enters logical thread <paramref name="threadIndex"/> of <paramref name="threadCount"/> at grid Y <paramref name="batchIndex"/>.</summary>
    public static void Enter(int threadIndex, int threadCount, int batchIndex)
    {
        index = threadIndex;
        count = threadCount;
        batch = batchIndex;
        active = true;
    }

    public static void Leave() => active = false;
}
