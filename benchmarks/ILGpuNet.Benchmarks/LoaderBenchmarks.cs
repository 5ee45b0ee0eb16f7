using BenchmarkDotNet.Attributes;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Synthetic;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// One epoch of 16 volumes (91x109x91 .nii.gz of the synthetic cohort, 4 subjects x 4 scans) through the
/// loader at batch 4 with 1 and 2 background workers: decoding every volume (no cache), the same with
/// training augmentation, and with a warm in-memory cache (the steady state from the second epoch on:
/// copy or augment only). Volumes per second = 16 / mean time. A GPU training step of the reference
/// model takes of the order of 10-20 ms per sample, so the loader has to deliver 50-100 volumes per second.
/// </summary>
[MemoryDiagnoser(false)]
public class LoaderBenchmarks
{
    private const int Subjects = 4, ScansPerSubject = 4, BatchSize = 4;
    private string dir = null!;
    private List<VolumeItem> items = null!;
    private VolumeLoader cached = null!;
    private readonly NiftiVolumeSource source = new();

    /// <summary>Volumes per epoch.</summary>
    public const int Volumes = Subjects * ScansPerSubject;

    [Params(1, 2)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        dir = Path.Combine(Path.GetTempPath(), "ilgpunet-loaderbench-" + Environment.ProcessId);
        var cohort = SyntheticCohort.EnsureCached(dir, Subjects, seed: 1, SyntheticGrid.Mni2mm);
        var dataset = OasisDataset.Load(cohort);
        items = dataset.Samples.Take(Volumes).Select(s => new VolumeItem(s.Path, [s.Label])).ToList();
        if (items.Count != Volumes) throw new InvalidOperationException($"the cohort has {items.Count} volumes, expected {Volumes}");
        cached = new VolumeLoader(items, source, Options(Augmentation.Default) with { Cache = true });
        Drain(cached);
    }

    [Benchmark(Description = "epoch, 16 volumes, decode + z-score")]
    public int Epoch() => RunEpoch(null);

    [Benchmark(Description = "epoch, 16 volumes, decode + z-score + augmentation")]
    public int EpochAugmented() => RunEpoch(Augmentation.Default);

    [Benchmark(Description = "epoch, 16 volumes, warm cache + augmentation")]
    public int EpochCachedAugmented() => Drain(cached);

    private LoaderOptions Options(Augmentation? augmentation) => new()
    {
        BatchSize = BatchSize, Workers = Workers, Prefetch = 4, Seed = 1, Augmentation = augmentation,
    };

    private int RunEpoch(Augmentation? augmentation)
    {
        using var loader = new VolumeLoader(items, source, Options(augmentation));
        return Drain(loader);
    }

    private static int Drain(VolumeLoader loader)
    {
        int n = 0;
        foreach (var batch in loader.Epoch(0))
            using (batch) n += batch.Count;
        return n;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        cached.Dispose();
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
    }
}
