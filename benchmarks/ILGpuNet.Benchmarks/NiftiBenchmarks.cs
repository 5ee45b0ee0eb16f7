using BenchmarkDotNet.Attributes;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Nifti;
using ILGpuNet.Training.Data.Synthetic;

namespace ILGpuNet.Benchmarks;

/// <summary>
/// Host-side MRI input path for one 91x109x91 float32 volume (MNI152 2 mm, the reference's input), on
/// one thread: reading .nii.gz (as `ilgpunet synth` writes it: gzip fastest) and .nii, the loader's whole
/// per-volume path (read, tensor order, z-score: <see cref="NiftiVolumeSource"/> +
/// <see cref="VolumePreprocessing.Reference"/>), and conforming a 1 mm volume (182x218x182) to the 2 mm
/// grid. The volume is a synthetic cohort phantom (tissue, folding, bias field, noise), so gzip sees
/// realistic entropy. Volumes per second per thread = 1000 / mean ms.
/// </summary>
[MemoryDiagnoser(false)]
public class NiftiBenchmarks
{
    private string dir = null!, gz = null!, nii = null!;
    private NiftiVolume oneMillimetre = null!;
    private readonly NiftiVolumeSource source = new();

    [GlobalSetup]
    public void Setup()
    {
        dir = Path.Combine(Path.GetTempPath(), "ilgpunet-niftibench-" + Environment.ProcessId);
        gz = Path.Combine(dir, "brain.nii.gz");
        nii = Path.Combine(dir, "brain.nii");
        var subject = CohortPlanner.Subject(seed: 1, index: 0, SyntheticSex.Female, age: 70, cdr: 0);
        var grid = SyntheticGrid.Mni2mm;
        var data = new float[grid.Voxels];
        PhantomRenderer.Render(subject, subject.Sessions[0].Scans[0], grid, data);
        var brain = new NiftiVolume([grid.Nx, grid.Ny, grid.Nz], data, grid.Affine());
        SyntheticCohort.NiftiGz(gz, data, grid.Nx, grid.Ny, grid.Nz, grid.Affine());
        NiftiWriter.Write(nii, brain, new NiftiWriteOptions { XformCode = NiftiXform.Mni152 });
        oneMillimetre = Conform.Resample(brain, Conform.Mni152_1mm);
    }

    [Benchmark(Description = "read 91x109x91 float32 .nii.gz")]
    public float ReadGz() => NiftiReader.Read(gz).Data[0];

    [Benchmark(Baseline = true, Description = "read .nii.gz + tensor order + z-score (loader path)")]
    public float ReadGzNormalised() => VolumePreprocessing.Reference.Prepare(source.Read(gz)).Data[0];

    [Benchmark(Description = "read .nii (uncompressed) + tensor order + z-score")]
    public float ReadNiiNormalised() => VolumePreprocessing.Reference.Prepare(source.Read(nii)).Data[0];

    [Benchmark(Description = "conform 182x218x182 1 mm -> 91x109x91 2 mm")]
    public float Conform1To2mm() => Conform.Resample(oneMillimetre, Conform.Mni152_2mm).Data[0];

    [GlobalCleanup]
    public void Cleanup()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
