using ILGpuNet.Tensors;
using ILGpuNet.Tests.Data;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Data.Synthetic;
using ILGpuNet.Training.Explain;
using ILGpuNet.Training.Runs;
using Xunit.Abstractions;

namespace ILGpuNet.Tests.Explain;

/// <summary>
/// That the maps mean something: the main job's CDR model on the CPU (<c>train --task cdr</c>: the synthetic cohort of
/// 160 subjects, seed 42, at MNI152 2 mm; 48x56x48, width 0.25, 12 epochs, lr 1e-3), whose dementia effect is planted in the
/// hippocampi and ventricles, puts a clearly larger share of its gradient maps' mass there than the regions' share of
/// the brain, and more than the same network untrained does on the same test scans. This is the run behind README,
/// "Saliency maps" (x1.9 there; training on the CPU accelerator is bit-reproducible). Slow tier: it trains for minutes
/// (about 4 on a quiet 2-core machine); the cohort is the main job's cached one (~/.cache/ilgpunet). A smaller
/// model (120 subjects rendered at 4 mm, 10 epochs: test AUC 0.78) gave only x1.08, so the test does not shrink it.
/// </summary>
[Trait("Tier", "Slow")]
[Collection("PoolCounters")]
public class SaliencyProofTests(ITestOutputHelper output)
{
    [Fact]
    public void ACdrModelsMapsConcentrateOnThePlantedRegions()
    {
        using var dir = new TempDir();
        var config = TrainSizing.Apply(new TrainConfig { Task = TrainTask.Cdr, Device = DeviceKind.Cpu }, cpu: true, new HashSet<string>());
        string cohort = SyntheticCohort.EnsureCached(SyntheticCohort.DefaultCacheDirectory(config.SyntheticSubjects, (int)config.Seed, SyntheticGrid.Mni2mm),
            config.SyntheticSubjects, (int)config.Seed, SyntheticGrid.Mni2mm);
        config = config with { SyntheticData = cohort };
        var run = new RunFolder(dir.File("run"));
        RunSummary summary;
        using (var trainer = new Trainer(config, run, Device.Cpu, cohort, null, TextWriter.Null, resume: false))
            summary = trainer.Run();
        output.WriteLine($"test AUC {summary.Subject.GetValueOrDefault("auc"):F3}");

        // The untrained network of the same configuration, as a checkpoint with the trained one's card.
        string untrained = dir.File("untrained.safetensors");
        var card = RunCheckpoint.ReadCard(run.BestCheckpoint);
        using (var model = RunModels.Create(config, Device.Cpu, new RandomSource(config.Seed)))
            RunCheckpoint.Save(untrained, model, null, new RunState(), card);

        var test = RunData.Load(config, cohort, null, run.Splits).Part(Split.Test).Select(s => s.Path).ToList();
        double Factor(string checkpoint)
        {
            var result = Explainer.Run(new ExplainRequest
            {
                Checkpoint = checkpoint, Files = test, OutputDirectory = dir.File(Path.GetFileNameWithoutExtension(checkpoint)),
                Regions = Path.Combine(cohort, PlantedRegions.Folder), NoFigures = true,
            }, Device.Cpu);
            var shares = result.Volumes.Select(v => v.Shares!.Single(s => s.Region == "hippocampi+ventricles")).ToList();
            return shares.Average(s => s.MassShare) / shares[0].VolumeShare;
        }
        double trained = Factor(run.BestCheckpoint), baseline = Factor(untrained);
        output.WriteLine($"hippocampi+ventricles over {test.Count} test scans: x{trained:F2} trained, x{baseline:F2} untrained");
        // x2.5 for the model trained at lr 2e-3 (README's table until 2026-12-05), x1.9 at the main job's lr 1e-3 since
        // (untrained x1.2): clearly above the regions' share, and the criterion that separates training from chance below.
        Assert.True(trained > 1.75, $"trained factor {trained:F2}");
        Assert.True(trained > 1.5 * baseline, $"trained x{trained:F2} vs untrained x{baseline:F2}");
    }
}
