using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Bench;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// The work one invocation of a benchmark method does at least: bytes moved (each operand read once,
/// each output written once) or flops (2 per multiply-add), optionally per unit of a [Params] property
/// (<see cref="PerParam"/>, e.g. "Batch"). The rate and roofline columns divide it by the mean time.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WorkAttribute : Attribute
{
    public double Bytes { get; init; }
    public double Flops { get; init; }
    public string? PerParam { get; init; }

    public (double Amount, string Unit)? For(BenchmarkCase benchmarkCase)
    {
        double scale = PerParam == null ? 1 : Convert.ToDouble(benchmarkCase.Parameters[PerParam]);
        if (Bytes > 0) return (Bytes * scale, "GB/s");
        if (Flops > 0) return (Flops * scale, "GFLOP/s");
        return null;
    }

    public static (double Amount, string Unit)? Of(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<WorkAttribute>()?.For(benchmarkCase);
}

/// <summary>Adds the rate (GB/s or GFLOP/s) and share-of-roofline columns to a benchmark class: [Config(typeof(RooflineConfig))].</summary>
public sealed class RooflineConfig : ManualConfig
{
    public RooflineConfig() => AddColumn(new RateColumn(), new RooflineShareColumn());

    /// <summary>
    /// The CPU accelerator's ceilings, measured once in the host process when the summary is printed
    /// (the benchmarks themselves run in child processes, before). Every benchmark here runs on Device.Cpu.
    /// </summary>
    internal static readonly Lazy<RooflinePeaks> Peaks = new(() => Roofline.Measure(Device.Cpu, repeats: 10));

    /// <summary>Achieved rate (GB/s or GFLOP/s) from the [Work] attribute and the mean time; null where there is none.</summary>
    internal static (double Rate, string Unit)? Rate(Summary summary, BenchmarkCase benchmarkCase)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        var work = WorkAttribute.Of(benchmarkCase);
        if (statistics == null || work == null) return null;
        return (work.Value.Amount / statistics.Mean, work.Value.Unit);  // per nanosecond = giga per second
    }
}

internal abstract class RooflineColumnBase : IColumn
{
    public abstract string Id { get; }
    public abstract string ColumnName { get; }
    public abstract string Legend { get; }
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => false;
    public UnitType UnitType => UnitType.Dimensionless;
    public abstract string GetValue(Summary summary, BenchmarkCase benchmarkCase);
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
}

internal sealed class RateColumn : RooflineColumnBase
{
    public override string Id => nameof(RateColumn);
    public override string ColumnName => "Rate";
    public override string Legend => "[Work] bytes or flops / mean time (GB/s or GFLOP/s)";

    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        RooflineConfig.Rate(summary, benchmarkCase) is { } r ? $"{r.Rate:F2} {r.Unit}" : "-";
}

internal sealed class RooflineShareColumn : RooflineColumnBase
{
    public override string Id => nameof(RooflineShareColumn);
    public override string ColumnName => "Of roofline";
    public override string Legend => "Rate / the CPU accelerator's measured ceiling (best copy GB/s, FMA-chain GFLOP/s; Roofline.Measure)";

    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        RooflineConfig.Rate(summary, benchmarkCase) is { } r ? RooflineConfig.Peaks.Value.Share(r.Rate, r.Unit).ToString("P0") : "-";
}
