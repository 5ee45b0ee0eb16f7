using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tensors;

/// <summary>
/// One accelerator with its in-order compute stream, kernel cache and buffer pool. All work is queued on
/// <see cref="Stream"/>; the host waits only where it reads data (<see cref="Tensor.ToArray"/>).
/// Uploads that should overlap compute go on <see cref="CopyStream"/>, ordered against the compute
/// stream with <see cref="DeviceEvent"/>s. Devices are process-wide singletons over one ILGPU context (<see cref="Open"/>).
/// </summary>
public sealed partial class Device : IDisposable
{
    private static readonly object Gate = new();
    private static Context? context;
    private static readonly Dictionary<DeviceKind, Device> Opened = new();

    /// <summary>Threads per group on CUDA for one-dimensional work.</summary>
    public const int CudaGroupSize = 256;

    private Device(Accelerator accelerator, KernelFamily? family = null, Precision precision = Precision.Fp32)
    {
        Accelerator = accelerator;
        IsCpu = accelerator.AcceleratorType == AcceleratorType.CPU;
        // ILGPU's default CUDA stream is the legacy NULL stream, which serialises with every other stream:
        // compute gets a non-blocking stream of its own so that uploads on CopyStream overlap it.
        Stream = accelerator is CudaAccelerator cuda ? cuda.CreateStream(StreamFlags.CU_STREAM_NON_BLOCKING) : accelerator.DefaultStream;
        Family = family ?? (IsCpu ? KernelFamily.Cpu : KernelFamily.CudaSimt);
        Precision = precision;
        // The CPU family's kernels run on our own threads (CpuLauncher); ILGPU's launcher stays for the GPU-shaped CPU devices
        // and, for comparison, wherever ILGPUNET_CPU_LAUNCHER=ilgpu.
        bool direct = IsCpu && Family == KernelFamily.Cpu && Environment.GetEnvironmentVariable("ILGPUNET_CPU_LAUNCHER") != "ilgpu";
        Kernels = new KernelCache(accelerator, Family, direct ? CpuLauncher.Shared : null);
        Pool = new BufferPool(accelerator);
        // CUDA: enough resident groups to fill every multiprocessor a few times over; the loops stride beyond.
        MaxGroups = IsCpu ? accelerator.NumMultiprocessors : accelerator.NumMultiprocessors * 8;
    }

    /// <summary>
    /// The kernel family this device runs (ops pick their kernels by it, <see cref="KernelVariants{TKernels}"/>): CUDA
    /// cores on a GPU and on <see cref="GpuShapedCpu"/>, the barrier-free CPU kernels on the CPU accelerator.
    /// </summary>
    public KernelFamily Family { get; }

    /// <summary>
    /// How this device multiplies (<see cref="Tensors.Precision"/>): set once by a command before any work. The CPU
    /// family computes in FP32 whatever is set (<see cref="EffectivePrecision"/>).
    /// </summary>
    public Precision Precision { get; set; }

    /// <summary>The precision the kernels actually compute in: FP32 on the CPU family.</summary>
    public Precision EffectivePrecision => Family == KernelFamily.Cpu ? Precision.Fp32 : Precision;

    /// <summary>
    /// The kernel families this device runs, in order of preference: tensor cores first when the precision asks for
    /// them (ops without tensor-core kernels fall back to CUDA cores), else the device's own family.
    /// </summary>
    public IReadOnlyList<KernelFamily> Families => Family == KernelFamily.Cpu ? CpuFamilies
        : EffectivePrecision == Precision.Fp32 ? SimtFamilies : TensorCoreFamilies;

    private static readonly KernelFamily[] CpuFamilies = [KernelFamily.Cpu];
    private static readonly KernelFamily[] SimtFamilies = [KernelFamily.CudaSimt];
    private static readonly KernelFamily[] TensorCoreFamilies = [KernelFamily.CudaTensorCore, KernelFamily.CudaSimt];

    /// <summary>
    /// The device that runs <paramref name="family"/>'s kernels on any machine: the CPU accelerator, or the GPU-shaped
    /// one for the CUDA families (slow, so only at the checks' tiny sizes).
    /// </summary>
    public static Device Running(KernelFamily family) => family switch
    {
        KernelFamily.Cpu => Cpu,
        KernelFamily.CudaSimt => GpuShapedCpu,
        _ => GpuShapedTensorCoreCpu,
    };

    public Accelerator Accelerator { get; }
    /// <summary>The compute stream: every kernel and tensor copy is queued here, in order.</summary>
    public AcceleratorStream Stream { get; }

    private AcceleratorStream? copyStream;

    /// <summary>
    /// A second stream for host-to-device uploads that overlap compute (CUDA). On the CPU accelerator,
    /// where nothing is asynchronous, it is the compute stream itself.
    /// </summary>
    public AcceleratorStream CopyStream
    {
        get
        {
            if (IsCpu) return Stream;
            lock (Gate)
                return copyStream ??= ((CudaAccelerator)Accelerator).CreateStream(StreamFlags.CU_STREAM_NON_BLOCKING);
        }
    }
    public bool IsCpu { get; }
    public KernelCache Kernels { get; }
    public BufferPool Pool { get; }
    public int MaxGroups { get; }
    public string Name => Accelerator.Name;

    /// <summary>Total threads a one-dimensional launch uses at most.</summary>
    public int MaxThreads => MaxGroups * GroupSize;

    /// <summary>Threads per group of one-dimensional launches: the CPU accelerator's groups are tiny on purpose.</summary>
    public int GroupSize => IsCpu ? Accelerator.MaxNumThreadsPerGroup : CudaGroupSize;

    /// <summary>The shared ILGPU context of this process (CPU accelerator and CUDA enabled).</summary>
    public static Context Context
    {
        get
        {
            lock (Gate)
            {
                if (context != null) return context;
                CudaDriverResolver.Install();
                ScalarTwins.Install();  // before any kernel compiles: vector CPU code behind plain twins (Kernels/ScalarTwin.cs)
                context = Context.Create(builder => builder
                    .CPU(CpuDevice())
                    .CPU(GpuShapedCpuDevice())
                    .Cuda()
                    .EnableAlgorithms()
                    .Optimize(OptimizationLevel.O1));
                return context;
            }
        }
    }

    /// <summary>
    /// The CPU accelerator as ENGINEERING.md measured it best: few emulated threads with long loops. Two
    /// threads per warp and one warp per multiprocessor keep one OS thread per core; the launch overhead
    /// grows with the number of emulated threads (measured here: 2 threads ~120 us, 8 threads ~440 us).
    /// </summary>
    private static CPUDevice CpuDevice() =>
        new(numThreadsPerWarp: 2, numWarpsPerMultiprocessor: 1, numMultiprocessors: Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>
    /// A CPU accelerator with GPU-sized groups (256 threads), only for running the CUDA kernel variants
    /// (shared memory, barriers) at tiny sizes in checks: slow, but the same code CUDA runs.
    /// </summary>
    private static CPUDevice GpuShapedCpuDevice() => new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 8, numMultiprocessors: 1);

    private static Device? gpuShapedCpu;

    /// <summary>The CPU accelerator with GPU-shaped groups; its ops use the CUDA-core kernel variants.</summary>
    public static Device GpuShapedCpu
    {
        get
        {
            lock (Gate)
            {
                if (gpuShapedCpu != null) return gpuShapedCpu;
                var ctx = Context;
                var accelerator = ctx.GetCPUDevice(1).CreateCPUAccelerator(ctx, CPUAcceleratorMode.Parallel);
                gpuShapedCpu = new Device(accelerator, KernelFamily.CudaSimt);
                return gpuShapedCpu;
            }
        }
    }

    private static Device? gpuShapedTensorCoreCpu;

    /// <summary>
    /// A second GPU-shaped CPU device at TF32 precision: its ops run their tensor-core kernels with the MMA step
    /// emulated (and the CUDA-core ones elsewhere). Its own instance, so no check flips the other's precision.
    /// </summary>
    public static Device GpuShapedTensorCoreCpu
    {
        get
        {
            lock (Gate)
            {
                if (gpuShapedTensorCoreCpu != null) return gpuShapedTensorCoreCpu;
                var ctx = Context;
                var accelerator = ctx.GetCPUDevice(1).CreateCPUAccelerator(ctx, CPUAcceleratorMode.Parallel);
                gpuShapedTensorCoreCpu = new Device(accelerator, KernelFamily.CudaSimt, Precision.Tf32);
                return gpuShapedTensorCoreCpu;
            }
        }
    }

    /// <summary>The device of the given kind, created on first use. Cuda without a GPU is an error, not a fallback.</summary>
    public static Device Open(DeviceKind kind)
    {
        lock (Gate)
        {
            var ctx = Context;
            var resolved = kind;
            if (kind == DeviceKind.Auto)
                resolved = ctx.GetCudaDevices().Count > 0 ? DeviceKind.Cuda : DeviceKind.Cpu;
            if (Opened.TryGetValue(resolved, out var existing)) return existing;
            Accelerator accelerator;
            if (resolved == DeviceKind.Cuda)
            {
                var gpus = ctx.GetCudaDevices();
                if (gpus.Count == 0)
                    throw new DeviceUnavailableException(
                        "--device cuda: no CUDA GPU found (is the NVIDIA driver installed and libcuda.so.1 loadable?). Use --device cpu or auto.");
                accelerator = gpus[0].CreateCudaAccelerator(ctx);
            }
            else
            {
                accelerator = ctx.GetCPUDevice(0).CreateCPUAccelerator(ctx, CPUAcceleratorMode.Parallel);
            }
            var device = new Device(accelerator);
            Opened[resolved] = device;
            return device;
        }
    }

    /// <summary>The CPU accelerator (tests and small runs).</summary>
    public static Device Cpu => Open(DeviceKind.Cpu);

    /// <summary>Every accelerator of this machine, for <c>ilgpunet devices</c>.</summary>
    public static IReadOnlyList<DeviceInfo> List()
    {
        var ctx = Context;
        var cpu = ctx.GetCPUDevice(0);  // device 1 is the GPU-shaped CPU accelerator used only by checks
        var list = new List<DeviceInfo>
        {
            new(cpu.Name + $" ({Environment.ProcessorCount} cores)", "cpu", GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
                cpu.NumMultiprocessors, cpu.WarpSize, cpu.MaxNumThreadsPerGroup),
        };
        var gpus = ctx.GetCudaDevices();
        for (int i = 0; i < gpus.Count; i++)
            list.Add(new DeviceInfo(gpus[i].Name, "cuda", gpus[i].MemorySize, gpus[i].NumMultiprocessors, gpus[i].WarpSize, gpus[i].MaxNumThreadsPerGroup));
        return list;
    }

    /// <summary>Launch shape for a one-dimensional kernel over <paramref name="items"/> work items.</summary>
    public LaunchPlan Plan(long items)
    {
        // Kernels count their items with int (Kernels/Work.cs); tensors, and so item counts, stay within int.MaxValue.
        if (items > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(items), $"{items} work items: kernels take at most {int.MaxValue} (Tensor.MaxElements)");
        items = Math.Max(items, 1);
        int group = GroupSize;
        if (IsCpu)
        {
            int threads = MaxGroups * group;
            int chunk = (int)((items + threads - 1) / threads);
            return new LaunchPlan(new KernelConfig(MaxGroups, group), chunk);
        }
        long groups = Math.Min((items + group - 1) / group, MaxGroups);
        return new LaunchPlan(new KernelConfig((int)groups, group), 1);
    }

    /// <summary>
    /// <see cref="Plan(long)"/> with each thread's chunk rounded up to a multiple of <paramref name="multiple"/> items:
    /// whole vectors per thread for the CPU kernels on the vector units (their ranges then start on a vector boundary).
    /// </summary>
    public LaunchPlan Plan(long items, int multiple)
    {
        var plan = Plan(items);
        int chunk = (int)Math.Min(int.MaxValue, (plan.Chunk + (long)multiple - 1) / multiple * multiple);
        return plan with { Chunk = chunk };
    }

    private MemoryBuffer1D<int, Stride1D.Dense>? arrivals;

    /// <summary>Per-tile counters after the first (e.g. a tiled weight gradient's tiles), see <see cref="Arrivals"/>.</summary>
    public const int TileArrivalCounters = 1 << 16;

    /// <summary>
    /// Counters of kernels whose last thread or group to finish does the final step of a reduction: [0] for
    /// Kernels/Work.ArrivesLast, then <see cref="TileArrivalCounters"/> per-tile ones. Zero between launches (the
    /// last arrival resets its counter), shared by all kernels since the stream runs them in order.
    /// </summary>
    public ArrayView<int> Arrivals
    {
        get
        {
            lock (Gate)
            {
                if (arrivals == null)
                {
                    arrivals = Accelerator.Allocate1D<int>(1 + TileArrivalCounters);
                    arrivals.View.MemSetToZero(Stream);
                }
                return arrivals.View.AsContiguous();
            }
        }
    }

    /// <summary>Waits until every queued kernel has finished.</summary>
    public void Synchronize() => Stream.Synchronize();

    public void Dispose()
    {
        lock (Gate)
        {
            Stream.Synchronize();
            Pool.Dispose();
            arrivals?.Dispose();
            copyStream?.Dispose();
            if (!ReferenceEquals(Stream, Accelerator.DefaultStream)) Stream.Dispose();
            Accelerator.Dispose();
            foreach (var pair in Opened.Where(p => ReferenceEquals(p.Value, this)).ToList()) Opened.Remove(pair.Key);
        }
    }

    public override string ToString() => $"{(IsCpu ? "cpu" : "cuda")}: {Name}";
}

/// <summary>A one-dimensional launch: the kernel config and the chunk each thread walks (Kernels/Work.cs).</summary>
public readonly record struct LaunchPlan(KernelConfig Config, int Chunk);

/// <summary>What <c>ilgpunet devices</c> prints.</summary>
public sealed record DeviceInfo(string Name, string Kind, long MemoryBytes, int Multiprocessors, int WarpSize, int MaxThreadsPerGroup);
