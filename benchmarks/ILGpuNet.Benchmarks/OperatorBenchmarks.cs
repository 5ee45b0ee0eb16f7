using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ILGpuNet.Layers.Bench;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Bench;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// Every operator of the 3D EfficientNet at the reference model's real shapes (input 91x109x91), the cases of
/// <c>ilgpunet opbench</c> (<see cref="OpBench.Cases"/>: the copy row and the cases registered with each op in
/// <see cref="OpBenches"/>: stem conv, BatchNorm3d+SiLU, MaxPool3d, depthwise
/// 3x3x3 and 5x5x5, 1x1x1 convs, squeeze-excitation, Linear, and a copy of the stem output as the memory
/// roofline) on the CPU accelerator, batch 1 and 8. Forward under NoGrad; backward alone, its forward run
/// untimed before each iteration (gradients start empty, as an activation's do). The Rate column is GFLOP/s
/// for convolutions and Linear (backward: the passes it makes; the stem's input gradient is skipped, as
/// in the model) and GB/s of the minimal passes for the memory-bound ops.
/// Short in-process job (1 warm-up, 5 measured iterations) so that all of it runs in about ten minutes on 2 cores:
/// <c>dotnet run -c Release --project benchmarks/ILGpuNet.Benchmarks -- --filter '*OperatorBenchmarks*'</c>
/// </summary>
[Config(typeof(OperatorConfig))]
public class OperatorBenchmarks
{
    private Device device = null!;
    private OpCase op = null!;
    private Tensor[] inputs = [];
    private Tensor dy = null!;
    private TensorScope? backwardScope;
    private Tensor? pending;

    /// <summary>The op names of <see cref="OpBench.Cases"/>.</summary>
    public static IEnumerable<string> Ops => OpBench.Cases(1).Select(c => c.Op);

    [ParamsSource(nameof(Ops))]
    public string Op { get; set; } = "";

    [Params(1, 8)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        device = Device.Cpu;
        op = OpBench.Cases(Batch).Single(c => c.Op == Op);
        inputs = op.Inputs(new BenchOperands(device));
        int[] shape;
        using (new TensorScope())
        using (Autograd.NoGrad())
            shape = op.Forward(inputs).Shape;
        dy = TensorScope.Keep(new RandomSource(5).Normal(device, shape));
        device.Synchronize();
    }

    [Benchmark(Description = "forward")]
    public void Forward()
    {
        using var scope = new TensorScope();
        using (Autograd.NoGrad()) op.Forward(inputs);
        device.Synchronize();
    }

    [IterationSetup(Target = nameof(Backward))]
    public void RecordForward()
    {
        backwardScope = new TensorScope();
        pending = op.BackwardWork > 0 ? op.Forward(inputs) : null;
        device.Synchronize();
    }

    [Benchmark(Description = "backward")]
    public void Backward()
    {
        if (pending == null) return;  // the copy row has no backward
        Autograd.Backward(pending, dy);
        device.Synchronize();
    }

    [IterationCleanup(Target = nameof(Backward))]
    public void ReleaseBackward()
    {
        foreach (var t in inputs)
        {
            t.Grad?.Dispose();
            t.Grad = null;
        }
        backwardScope?.Dispose();
        backwardScope = null;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in inputs) t.Dispose();
        dy.Dispose();
        device.Pool.Trim();
    }

    private sealed class OperatorConfig : ManualConfig
    {
        public OperatorConfig()
        {
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5)
                .WithToolchain(InProcessEmitToolchain.Instance).WithId("short in-process"));
            AddColumn(new RateColumn());
            WithOption(ConfigOptions.DisableOptimizationsValidator, true);
        }
    }

    /// <summary>GFLOP/s or GB/s of the case (<see cref="OpCase"/>'s work) over the mean time.</summary>
    private sealed class RateColumn : IColumn
    {
        public string Id => nameof(RateColumn);
        public string ColumnName => "Rate";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => false;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "GFLOP/s (convolutions, Linear) or GB/s of the minimal passes (memory-bound ops) at the mean time";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            if (statistics == null) return "-";
            string name = (string)benchmarkCase.Parameters["Op"];
            int batch = (int)benchmarkCase.Parameters["Batch"];
            var c = Work.GetOrAdd((name, batch), key => OpBench.Cases(key.Batch).Single(x => x.Op == key.Op));
            double work = benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(Forward) ? c.ForwardWork : c.BackwardWork;
            if (work == 0) return "-";
            return $"{work / (statistics.Mean * 1e-9):F2} {c.Unit}";
        }

        // The cases' work figures, without their tensors (OpCase makes its operands only when asked).
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Op, int Batch), OpCase> Work = new();

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
