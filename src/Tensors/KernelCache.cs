// Typed kernel loading and launching, one overload per kernel arity (ILGPU's loaders are typed the same way).
using ILGPU;
using ILGPU.Runtime;

namespace ILGpuNet.Tensors;

/// <summary>
/// Loads each kernel once per accelerator (loading compiles it) and caches the launcher by method.
/// <c>Load</c> returns the raw launcher for kernels with their own launch shape (tiles, barriers);
/// <c>Device.Run</c> launches a one-dimensional kernel whose last parameter is the chunk (Kernels/Work.cs).
/// </summary>
public sealed partial class KernelCache(Accelerator accelerator, KernelFamily family, CpuLauncher? direct = null)
{
    private readonly Dictionary<System.Reflection.MethodInfo, Delegate> loaded = new();
    private readonly Dictionary<System.Reflection.MethodInfo, Delegate> profiled = new();
    private KernelProfiler? profiler;

    private double compileSeconds;
    private static long totalCount, totalTicks;

    /// <summary>Kernels compiled so far on this accelerator.</summary>
    public int Count { get { lock (loaded) return loaded.Count; } }

    /// <summary>Wall seconds spent loading (compiling) this cache's kernels so far.</summary>
    public double CompileSeconds { get { lock (loaded) return compileSeconds; } }

    /// <summary>Kernels compiled and the wall seconds it took, over every cache of this process.</summary>
    public static (long Count, double Seconds) ProcessTotal =>
        (Interlocked.Read(ref totalCount), TimeSpan.FromTicks(Interlocked.Read(ref totalTicks)).TotalSeconds);

    /// <summary>While set, every launch is synchronised and timed per kernel (see <see cref="KernelProfiler"/>).</summary>
    public KernelProfiler? Profiler
    {
        get { lock (loaded) return profiler; }
        set { lock (loaded) { profiler = value; profiled.Clear(); } }
    }

    private TLauncher Get<TLauncher>(Delegate kernel, Func<TLauncher> load) where TLauncher : Delegate =>
        Get(kernel, KernelSpecialization.Empty, load);

    private TLauncher Get<TLauncher>(Delegate kernel, KernelSpecialization specialization, Func<TLauncher> load) where TLauncher : Delegate
    {
        lock (loaded)
        {
            if (profiler != null && profiled.TryGetValue(kernel.Method, out var timed)) return (TLauncher)timed;
            if (!loaded.TryGetValue(kernel.Method, out var cached))
            {
                RefuseBarriersOnCpu(kernel.Method);
                RefuseUndeclaredSpecialization(kernel.Method, specialization);
                loaded[kernel.Method] = cached = TimedLoad(load);
            }
            if (profiler == null) return (TLauncher)cached;
            var wrapped = profiler.Wrap(KernelProfiler.NameOf(kernel.Method), (TLauncher)cached);
            profiled[kernel.Method] = wrapped;
            return wrapped;
        }
    }

    /// <summary>
    /// A kernel with group barriers is unusable on the CPU accelerator (a tiled GEMM took 218 s where its barrier-free
    /// sibling took 0.15 s): its [Kernel(UsesBarriers = true)] keeps it off the CPU family, whoever asks.
    /// </summary>
    private void RefuseBarriersOnCpu(System.Reflection.MethodInfo kernel)
    {
        var attribute = (ILGpuNet.Kernels.KernelAttribute?)Attribute.GetCustomAttribute(kernel, typeof(ILGpuNet.Kernels.KernelAttribute));
        if (attribute is { UsesBarriers: true } && !family.AllowsBarriers())
            throw new InvalidOperationException(
                $"{KernelProfiler.NameOf(kernel)} uses group barriers and cannot run on the {family.Name()} kernel family; the op must pick its {family.Name()} variant");
    }

    /// <summary>
    /// The offline assembly check (<c>ilgpunet ptx --ptxas</c>) compiles each kernel with the specialization its [Kernel]
    /// declares; loading it with another would launch machine code other than the code checked (registers, spills).
    /// </summary>
    private static void RefuseUndeclaredSpecialization(System.Reflection.MethodInfo kernel, KernelSpecialization specialization)
    {
        var attribute = (ILGpuNet.Kernels.KernelAttribute?)Attribute.GetCustomAttribute(kernel, typeof(ILGpuNet.Kernels.KernelAttribute));
        var declared = attribute?.Specialization ?? KernelSpecialization.Empty;
        if (!declared.Equals(specialization))
            throw new InvalidOperationException(
                $"{KernelProfiler.NameOf(kernel)} is loaded with specialization {specialization} but its [Kernel] declares {declared}: " +
                "declare the launch's MaxGroupSize and MinGroupsPerMultiprocessor there, so that the offline assembly check compiles what runs");
    }

    // ILGPU compiles on load (IL -> IR -> PTX, then the driver's JIT on CUDA): every process pays it afresh.
    private TLauncher TimedLoad<TLauncher>(Func<TLauncher> load)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var launcher = load();
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        compileSeconds += elapsed.TotalSeconds;
        Interlocked.Increment(ref totalCount);
        Interlocked.Add(ref totalTicks, elapsed.Ticks);
        return launcher;
    }

    public Action<AcceleratorStream, KernelConfig, T1> Load<T1>(Action<T1> kernel) where T1 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2> Load<T1, T2>(Action<T1, T2> kernel) where T1 : struct where T2 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3> Load<T1, T2, T3>(Action<T1, T2, T3> kernel) where T1 : struct where T2 : struct where T3 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4> Load<T1, T2, T3, T4>(Action<T1, T2, T3, T4> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5> Load<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6> Load<T1, T2, T3, T4, T5, T6>(Action<T1, T2, T3, T4, T5, T6> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7> Load<T1, T2, T3, T4, T5, T6, T7>(Action<T1, T2, T3, T4, T5, T6, T7> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8> Load<T1, T2, T3, T4, T5, T6, T7, T8>(Action<T1, T2, T3, T4, T5, T6, T7, T8> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct where T14 : struct =>
        Get(kernel, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel));


    // With a launch specialization (e.g. a register cap for two groups per multiprocessor).
    public Action<AcceleratorStream, KernelConfig, T1> Load<T1>(Action<T1> kernel, KernelSpecialization specialization) where T1 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2> Load<T1, T2>(Action<T1, T2> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3> Load<T1, T2, T3>(Action<T1, T2, T3> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4> Load<T1, T2, T3, T4>(Action<T1, T2, T3, T4> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5> Load<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6> Load<T1, T2, T3, T4, T5, T6>(Action<T1, T2, T3, T4, T5, T6> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7> Load<T1, T2, T3, T4, T5, T6, T7>(Action<T1, T2, T3, T4, T5, T6, T7> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8> Load<T1, T2, T3, T4, T5, T6, T7, T8>(Action<T1, T2, T3, T4, T5, T6, T7, T8> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> kernel, KernelSpecialization specialization) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct where T14 : struct =>
        Get(kernel, specialization, () => direct != null ? Direct(kernel) : accelerator.LoadKernel(kernel, specialization));
}


public sealed partial class Device
{
    public void Run<T1>(Action<T1, int> kernel, long items, T1 a1) where T1 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, plan.Chunk);
    }

    public void Run<T1, T2>(Action<T1, T2, int> kernel, long items, T1 a1, T2 a2) where T1 : struct where T2 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, plan.Chunk);
    }

    public void Run<T1, T2, T3>(Action<T1, T2, T3, int> kernel, long items, T1 a1, T2 a2, T3 a3) where T1 : struct where T2 : struct where T3 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, plan.Chunk);
    }

    public void Run<T1, T2, T3, T4>(Action<T1, T2, T3, T4, int> kernel, long items, T1 a1, T2 a2, T3 a3, T4 a4) where T1 : struct where T2 : struct where T3 : struct where T4 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, a4, plan.Chunk);
    }

    public void Run<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5, int> kernel, long items, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, a4, a5, plan.Chunk);
    }

    public void Run<T1, T2, T3, T4, T5, T6>(Action<T1, T2, T3, T4, T5, T6, int> kernel, long items, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, a4, a5, a6, plan.Chunk);
    }

    public void Run<T1, T2, T3, T4, T5, T6, T7>(Action<T1, T2, T3, T4, T5, T6, T7, int> kernel, long items, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, a4, a5, a6, a7, plan.Chunk);
    }

    public void Run<T1, T2, T3, T4, T5, T6, T7, T8>(Action<T1, T2, T3, T4, T5, T6, T7, T8, int> kernel, long items, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, a4, a5, a6, a7, a8, plan.Chunk);
    }

    public void Run<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, int> kernel, long items, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, a4, a5, a6, a7, a8, a9, plan.Chunk);
    }

    public void Run<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, int> kernel, long items, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, plan.Chunk);
    }

    public void Run<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, int> kernel, long items, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, plan.Chunk);
    }

    public void Run<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, int> kernel, long items, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, plan.Chunk);
    }

    public void Run<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, int> kernel, long items, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct
    {
        var plan = Plan(items);
        Kernels.Load(kernel)(Stream, plan.Config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, plan.Chunk);
    }


    // Kernels with a launch shape of their own (tiles, groups with barriers): the argument types come from the
    // arguments, so no call spells out Kernels.Load<ArrayView<float>, ...>.
    public void Launch<T1>(Action<T1> kernel, KernelConfig config, T1 a1) where T1 : struct =>
        Kernels.Load(kernel)(Stream, config, a1);

    public void Launch<T1, T2>(Action<T1, T2> kernel, KernelConfig config, T1 a1, T2 a2) where T1 : struct where T2 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2);

    public void Launch<T1, T2, T3>(Action<T1, T2, T3> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3) where T1 : struct where T2 : struct where T3 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3);

    public void Launch<T1, T2, T3, T4>(Action<T1, T2, T3, T4> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4) where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4);

    public void Launch<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4, a5);

    public void Launch<T1, T2, T3, T4, T5, T6>(Action<T1, T2, T3, T4, T5, T6> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4, a5, a6);

    public void Launch<T1, T2, T3, T4, T5, T6, T7>(Action<T1, T2, T3, T4, T5, T6, T7> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4, a5, a6, a7);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8>(Action<T1, T2, T3, T4, T5, T6, T7, T8> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> kernel, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct where T14 : struct =>
        Kernels.Load(kernel)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14);

    // With a launch specialization (e.g. a register cap for two groups per multiprocessor).
    public void Launch<T1>(Action<T1> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1) where T1 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1);

    public void Launch<T1, T2>(Action<T1, T2> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2) where T1 : struct where T2 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2);

    public void Launch<T1, T2, T3>(Action<T1, T2, T3> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3) where T1 : struct where T2 : struct where T3 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3);

    public void Launch<T1, T2, T3, T4>(Action<T1, T2, T3, T4> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4) where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4);

    public void Launch<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4, a5);

    public void Launch<T1, T2, T3, T4, T5, T6>(Action<T1, T2, T3, T4, T5, T6> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4, a5, a6);

    public void Launch<T1, T2, T3, T4, T5, T6, T7>(Action<T1, T2, T3, T4, T5, T6, T7> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4, a5, a6, a7);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8>(Action<T1, T2, T3, T4, T5, T6, T7, T8> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13);

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> kernel, KernelSpecialization specialization, KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct where T14 : struct =>
        Kernels.Load(kernel, specialization)(Stream, config, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14);
}
