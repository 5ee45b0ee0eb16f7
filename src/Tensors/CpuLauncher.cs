using System.Runtime.ExceptionServices;
using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tensors;

/// <summary>
/// Runs the CPU family's kernels on ILGpuNet's own threads. Those kernels are barrier-free .NET methods that find their
/// place through <see cref="Work"/> (thread index, thread count, grid Y), so a launch can call the kernel's delegate once
/// per logical thread with <see cref="DirectCpuThread"/> set, instead of going through ILGPU's CPU accelerator, whose
/// every launch wakes its threads through a monitor and joins them through three barriers (60 to 180 us per launch on
/// our 2-core machines, a quarter of a small training step). Here the calling thread is participant 0 and up to
/// ProcessorCount - 1 helper threads (started on first need) are the others: a launch costs one wake-up and one
/// completion signal, and nothing when it runs on one thread. Launches are synchronous and one at a time, as on ILGPU's
/// CPU accelerator; logical threads beyond the participants run one after another on them (CPU kernels never wait on
/// each other: Work.ArrivesLast only counts). Kernels with group barriers, shared memory or warp intrinsics (the CUDA
/// families on the GPU-shaped CPU devices) keep ILGPU's launcher.
/// </summary>
public sealed class CpuLauncher
{
    /// <summary>The process's launcher (threads are a process resource; the CPU device is one per process too).</summary>
    public static CpuLauncher Shared { get; } = new(Environment.ProcessorCount);

    private readonly object gate = new();
    private readonly int maxParticipants;
    private readonly List<Helper> helpers = [];
    private readonly ManualResetEventSlim done = new(false, 2047);

    // The launch in progress (written under the gate before the helpers are released).
    private Action? body;
    private int threads, batches, participants, pending;
    private Exception? failure;

    public CpuLauncher(int maxParticipants) => this.maxParticipants = Math.Max(1, maxParticipants);

    /// <summary>Runs <paramref name="body"/> (the kernel with its arguments) for every logical thread of <paramref name="config"/>.</summary>
    public void Launch(KernelConfig config, Action body)
    {
        if (config.GroupDim.Y != 1 || config.GroupDim.Z != 1 || config.GridDim.Z != 1)
            throw new ArgumentException($"CPU kernels are launched along X (and grid Y for batches), not {config.GridDim} x {config.GroupDim}", nameof(config));
        int count = config.GridDim.X * config.GroupDim.X, ys = config.GridDim.Y;
        if (count <= 0 || ys <= 0) return;
        lock (gate)
        {
            this.body = body;
            threads = count;
            batches = ys;
            participants = Math.Min(count, maxParticipants);
            failure = null;
            if (participants > 1)
            {
                while (helpers.Count < participants - 1) helpers.Add(new Helper(this, helpers.Count + 1));
                pending = participants - 1;
                done.Reset();
                for (int p = 1; p < participants; p++) helpers[p - 1].Release();
            }
            Run(0);
            if (participants > 1) done.Wait();
            this.body = null;
            if (failure != null) ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Participant <paramref name="p"/>'s logical threads: p, p + participants, ... at every grid Y.</summary>
    private void Run(int p)
    {
        try
        {
            for (int y = 0; y < batches; y++)
                for (int t = p; t < threads; t += participants)
                {
                    DirectCpuThread.Enter(t, threads, y);
                    body!();
                }
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref failure, e, null);
        }
        finally
        {
            DirectCpuThread.Leave();
        }
    }

    /// <summary>A helper thread: waits to be released (spinning briefly, then blocked), runs its share, reports.</summary>
    private sealed class Helper
    {
        private readonly CpuLauncher owner;
        private readonly int index;
        private readonly ManualResetEventSlim go = new(false, 2047);

        public Helper(CpuLauncher owner, int index)
        {
            this.owner = owner;
            this.index = index;
            new Thread(Loop) { IsBackground = true, Name = $"ilgpunet-cpu-{index}" }.Start();
        }

        public void Release() => go.Set();

        private void Loop()
        {
            while (true)
            {
                go.Wait();
                go.Reset();  // before reporting: the next release comes only after this launch completes
                owner.Run(index);
                if (Interlocked.Decrement(ref owner.pending) == 0) owner.done.Set();
            }
        }
    }
}
