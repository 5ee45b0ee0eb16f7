using BenchmarkDotNet.Attributes;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Synthetic;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// Reading and normalising 91x109x91 .nii.gz volumes of the synthetic OASIS-like cohort (float32, gzip
/// fastest, as `ilgpunet synth` writes them): one volume on the calling thread, then a whole epoch through
/// the loader with 1 and 2 background workers (no cache, so every volume is decoded). Volumes per second =
/// Volumes / mean time of the epoch benchmarks. The loader must outpace a GPU training step (the reference
/// model's step on an H100 is of the order of 10-30 ms per sample).
/// </summary>
[MemoryDiagnoser(false)]
[SimpleJob(warmupCount: 2, iterationCount: 10)]
public class LoaderBenchmarks
{
    private const int Subjects = 4, ScansPerSubject = 2;
    private string dir = null!;
    private List<VolumeItem> items = null!;
    private readonly NiftiVolumeSource source = new();

    /// <summary>Volumes per epoch.</summary>
    public const int Volumes = Subjects * ScansPerSubject;

    [Params(1, 2)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        dir = Path.Combine(Path.GetTempPath(), "ilgpunet-loaderbench-" + Environment.ProcessId);
        if (!Directory.Exists(dir))
            SyntheticCohort.Generate(new SyntheticCohortOptions { OutputDirectory = dir, Subjects = Subjects, Seed = 1, MaxScans = ScansPerSubject });
        var dataset = OasisDataset.Load(dir);
        items = dataset.Samples.Take(Volumes).Select(s => new VolumeItem(s.Path, [s.Label])).ToList();
    }

    [Benchmark(Description = "read one .nii.gz (decode, tensor order)")]
    public float ReadOne() => source.Read(items[0].Path).Data[0];

    [Benchmark(Description = "read + z-score one volume")]
    public float ReadAndNormalise() => VolumePreprocessing.Reference.Prepare(source.Read(items[0].Path)).Data[0];

    [Benchmark(Description = "loader epoch (8 volumes, batch 2, z-score)")]
    public int Epoch() => RunEpoch(null);

    [Benchmark(Description = "loader epoch (8 volumes, batch 2, z-score, augmentation)")]
    public int EpochAugmented() => RunEpoch(Augmentation.Default);

    private int RunEpoch(Augmentation? augmentation)
    {
        using var loader = new VolumeLoader(items, source, new LoaderOptions
        {
            BatchSize = 2, Workers = Workers, Prefetch = 4, Seed = 1, Augmentation = augmentation,
        });
        int n = 0;
        foreach (var batch in loader.Epoch(0))
            using (batch) n += batch.Count;
        return n;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
    }
}
