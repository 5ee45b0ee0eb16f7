using System.Diagnostics;
using System.Linq.Expressions;
using ILGPU.Runtime;

namespace ILGpuNet.Tensors;

/// <summary>
/// Per-kernel device time, for the per-op breakdown of a training step (<c>ilgpunet bench</c>). While a
/// profiler is attached to a <see cref="KernelCache"/>, every launch is bracketed by stream
/// synchronisations and timed on the host, so the figures are exact per kernel but the step itself
/// runs slower (no overlap of launches): time steps without it, break them down with it.
/// </summary>
public sealed class KernelProfiler
{
    private readonly Dictionary<string, (double Ms, long Launches)> totals = new();

    [ThreadStatic] private static string? tag;

    /// <summary>
    /// Labels the launches of a shared kernel with the op that issues them ("linear" for a GEMM of a Linear
    /// layer): totals are then keyed "tag|kernel". Nearly free when no profiler is attached. Dispose to end.
    /// </summary>
    public static TagScope Tag(string op)
    {
        var previous = tag;
        tag = op;
        return new TagScope(previous);
    }

    public readonly struct TagScope(string? previous) : IDisposable
    {
        public void Dispose() => tag = previous;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a profiler attached to <paramref name="device"/> (detached afterwards, also on
    /// error) and returns it; the queued work has finished when it returns.
    /// </summary>
    public static KernelProfiler Run(Device device, Action work, bool countOnly = false)
    {
        var profiler = new KernelProfiler { CountOnly = countOnly };
        device.Kernels.Profiler = profiler;
        try
        {
            work();
            device.Synchronize();
        }
        finally
        {
            device.Kernels.Profiler = null;
        }
        return profiler;
    }

    /// <summary>Kernel launches recorded so far, all kernels together.</summary>
    public long Launches
    {
        get { lock (totals) return totals.Values.Sum(t => t.Launches); }
    }

    /// <summary>Accumulated milliseconds and launch counts per kernel method name.</summary>
    public IReadOnlyDictionary<string, (double Ms, long Launches)> Totals
    {
        get { lock (totals) return new Dictionary<string, (double, long)>(totals); }
    }

    /// <summary>"DeclaringType.Method" with generic arguments, e.g. "ElementwiseKernels.Map&lt;SiluOp&gt;".</summary>
    public static string NameOf(System.Reflection.MethodInfo m)
    {
        string name = $"{m.DeclaringType?.Name}.{m.Name}";
        return m.IsGenericMethod ? $"{name}<{string.Join(",", m.GetGenericArguments().Select(t => t.Name))}>" : name;
    }

    /// <summary>
    /// The thread whose launches are recorded: the device is shared (tests run in parallel on Device.Cpu), and a
    /// launch structure must not count another thread's kernels.
    /// </summary>
    private readonly int thread = Environment.CurrentManagedThreadId;

    private void Add(string kernel, double ms)
    {
        if (tag is not null) kernel = tag + "|" + kernel;
        lock (totals)
        {
            totals.TryGetValue(kernel, out var t);
            totals[kernel] = (t.Ms + ms, t.Launches + 1);
        }
    }

    /// <summary>
    /// Counts launches without running them (times are 0): the launch structure of a step, e.g. of the CUDA kernel
    /// variants on the GPU-shaped CPU device, in no time. Data on the device is then meaningless.
    /// </summary>
    public bool CountOnly { get; init; }

    private bool OnOwnThread() => Environment.CurrentManagedThreadId == thread;

    /// <summary>
    /// Wraps a typed launcher (stream, config, args...) so each call from the attaching thread is synchronised and
    /// timed (or only counted); other threads' launches run as they are.
    /// </summary>
    internal TLauncher Wrap<TLauncher>(string kernel, TLauncher launcher) where TLauncher : Delegate
    {
        var invoke = typeof(TLauncher).GetMethod("Invoke")!;
        var args = invoke.GetParameters().Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
        var self = Expression.Constant(this);
        var flags = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
        var add = typeof(KernelProfiler).GetMethod(nameof(Add), flags)!;
        var plain = Expression.Invoke(Expression.Constant(launcher), args);
        Expression profiled;
        if (CountOnly)
        {
            profiled = Expression.Call(self, add, Expression.Constant(kernel), Expression.Constant(0.0));
        }
        else
        {
            var stream = args[0];
            var sync = Expression.Call(stream, typeof(AcceleratorStream).GetMethod(nameof(AcceleratorStream.Synchronize))!);
            var clock = Expression.Variable(typeof(long), "start");
            var now = Expression.Call(typeof(Stopwatch).GetMethod(nameof(Stopwatch.GetTimestamp))!);
            var elapsed = Expression.Call(typeof(Stopwatch).GetMethod(nameof(Stopwatch.GetElapsedTime), [typeof(long)])!, clock);
            var ms = Expression.Property(elapsed, nameof(TimeSpan.TotalMilliseconds));
            profiled = Expression.Block([clock], sync, Expression.Assign(clock, now), plain, sync,
                Expression.Call(self, add, Expression.Constant(kernel), ms));
        }
        var body = Expression.IfThenElse(Expression.Call(self, typeof(KernelProfiler).GetMethod(nameof(OnOwnThread), flags)!), profiled, plain);
        return Expression.Lambda<TLauncher>(body, args).Compile();
    }
}
