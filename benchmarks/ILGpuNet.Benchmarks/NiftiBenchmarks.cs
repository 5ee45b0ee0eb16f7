using BenchmarkDotNet.Attributes;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Nifti;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// Host-side MRI input path for one 91x109x91 float32 volume (MNI152 2 mm, the reference's input):
/// reading .nii.gz and .nii, reading plus per-volume z-score, plus the transpose into tensor order, and
/// conforming a 1 mm volume (182x218x182) to the 2 mm grid. Volumes per second = 1000 / mean ms (one thread).
/// The test volume is a brain-like phantom (smooth ellipsoids plus noise) so gzip sees realistic entropy.
/// </summary>
[MemoryDiagnoser(false)]
public class NiftiBenchmarks
{
    private string dir = null!, gz = null!, nii = null!;
    private NiftiVolume oneMillimetre = null!;
    private float[] tensor = null!;

    [GlobalSetup]
    public void Setup()
    {
        dir = Path.Combine(Path.GetTempPath(), "ilgpunet-niftibench-" + Environment.ProcessId);
        gz = Path.Combine(dir, "brain.nii.gz");
        nii = Path.Combine(dir, "brain.nii");
        var brain = Phantom(Conform.Mni152_2mm, seed: 1);
        NiftiWriter.Write(gz, brain, new NiftiWriteOptions { XformCode = NiftiXform.Mni152 });
        NiftiWriter.Write(nii, brain, new NiftiWriteOptions { XformCode = NiftiXform.Mni152 });
        oneMillimetre = Phantom(Conform.Mni152_1mm, seed: 2);
        tensor = new float[brain.Data.Length];
    }

    [Benchmark(Description = "read 91x109x91 float32 .nii.gz")]
    public float ReadGz() => NiftiReader.Read(gz).Data[0];

    [Benchmark(Baseline = true, Description = "read .nii.gz + z-score")]
    public float ReadGzZScore()
    {
        var v = NiftiReader.Read(gz);
        ZScore(v.Data);
        return v.Data[0];
    }

    [Benchmark(Description = "read .nii.gz + z-score + tensor order")]
    public float ReadGzZScoreTensor()
    {
        var v = NiftiReader.Read(gz);
        ZScore(v.Data);
        v.CopyToTensorOrder(tensor);
        return tensor[0];
    }

    [Benchmark(Description = "read 91x109x91 float32 .nii (uncompressed)")]
    public float ReadNii() => NiftiReader.Read(nii).Data[0];

    [Benchmark(Description = "conform 182x218x182 1 mm -> 91x109x91 2 mm")]
    public float Conform1To2mm() => Conform.Resample(oneMillimetre, Conform.Mni152_2mm).Data[0];

    [GlobalCleanup]
    public void Cleanup()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>Per-volume z-score over every voxel (the reference's normalisation), sums in double.</summary>
    private static void ZScore(float[] data)
    {
        double sum = 0;
        foreach (float v in data) sum += v;
        double mean = sum / data.Length, m2 = 0;
        foreach (float v in data) m2 += (v - mean) * (v - mean);
        float m = (float)mean, inv = (float)(1 / Math.Max(Math.Sqrt(m2 / data.Length), 1e-12));
        for (int i = 0; i < data.Length; i++) data[i] = (data[i] - m) * inv;
    }

    private static NiftiVolume Phantom(VoxelGrid grid, int seed)
    {
        var rng = new Random(seed);
        var data = new float[grid.Nx * grid.Ny * grid.Nz];
        var a = grid.Affine;
        for (int k = 0; k < grid.Nz; k++)
            for (int j = 0; j < grid.Ny; j++)
                for (int i = 0; i < grid.Nx; i++)
                {
                    var (x, y, z) = NiftiAffine.Apply(a, i, j, k);
                    double r = (x * x) / (70 * 70) + ((y + 18) * (y + 18)) / (95 * 95) + ((z - 10) * (z - 10)) / (75 * 75);
                    double ventricles = (x * x) / (15 * 15) + (y * y) / (30 * 30) + ((z - 15) * (z - 15)) / (12 * 12);
                    double v = r > 1 ? 0 : ventricles < 1 ? 0.2 : 0.6 + 0.3 * Math.Sin(x / 6) * Math.Cos(y / 7);
                    data[i + grid.Nx * (j + grid.Ny * k)] = r > 1 ? 0 : (float)(v * 1000 + rng.NextDouble() * 40);
                }
        return new NiftiVolume(grid.Shape, data, a);
    }
}
