using System.Diagnostics;
using ILGpuNet.Layers;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;
using ILGpuNet.Training.Metrics;

namespace ILGpuNet.Training.Runs;

/// <summary>Why training ended early: a non-finite loss (the last good checkpoint is kept); the message says what to change.</summary>
public sealed class TrainingDivergedException(string message) : UserErrorException(message);

/// <summary>
/// The main job: trains a task end to end in a run folder. Each epoch trains on the training split
/// (shuffled, augmented), evaluates the validation split, and writes the last checkpoint (weights,
/// optimizer state, random state, history) and metrics.csv, atomically; the best checkpoint follows the
/// lowest validation loss. At the end the best weights are evaluated on every split: test metrics and
/// predictions, the brain-age correction fitted on the validation split (out of sample), summary.json and plots.
/// A run killed at any moment continues from its last checkpoint with <see cref="Resume"/>.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly TrainConfig config;
    private readonly RunFolder run;
    private readonly Device device;
    private readonly TextWriter log;
    private readonly RunData data;
    private readonly VolumePreprocessing preprocessing;
    private readonly IReadOnlyList<RunSample> trainSamples, valSamples, testSamples;
    private readonly VolumeLoader trainLoader, valLoader;
    private readonly RandomSource rng;
    private readonly EfficientNet3d model;
    private readonly Optimizer optimizer;
    private readonly StepLoss loss;
    private readonly AgeScale ageScale;
    private readonly LearningRateSchedule schedule;
    private readonly IVolumeSource source;
    private readonly DeviceBatches deviceBatches;
    private readonly LossMonitor lossMonitor;
    private readonly DatasetReport datasetReport = new();
    private RunState state;
    private readonly string dataDescription;

    public Trainer(TrainConfig config, RunFolder run, Device device, string dataRoot, string? csv, TextWriter log, bool resume)
    {
        this.config = config;
        this.run = run;
        this.device = device;
        this.log = log;
        run.Create();
        data = RunData.Load(config, dataRoot, csv, run.Splits);
        foreach (var w in data.Warnings) log.WriteLine($"warning: {w}");

        trainSamples = data.Part(Split.Train);
        valSamples = data.Part(Split.Val);
        testSamples = data.Part(Split.Test);
        if (trainSamples.Count == 0 || valSamples.Count == 0)
            throw new DataFormatException(dataRoot, 0, null, $"too few subjects for a training and a validation split ({data.Samples.Count} scans)");

        preprocessing = RunModels.Preprocessing(config);
        source = new NiftiVolumeSource(RunModels.ConformGrid(config), datasetReport);
        trainLoader = RunData.TrainingLoader(config, trainSamples, source, preprocessing);
        valLoader = EvaluationLoader(valSamples);

        ageScale = AgeScale.Fit(trainSamples.Select(s => s.Age));
        loss = StepLoss.For(config, trainSamples, ageScale);
        deviceBatches = new DeviceBatches(device, loss);
        lossMonitor = new LossMonitor(device);

        rng = new RandomSource(config.Seed);
        model = RunModels.Create(config, device, rng);
        optimizer = RunModels.CreateOptimizer(config, model);
        long stepsPerEpoch = trainLoader.BatchesPerEpoch;
        schedule = new LearningRateSchedule(config.Schedule, config.LearningRate, stepsPerEpoch * config.Epochs,
            (long)Math.Round(config.WarmupEpochs * stepsPerEpoch));
        state = new RunState { RandomSeed = config.Seed };
        if (resume && File.Exists(run.LastCheckpoint))
        {
            state = RunCheckpoint.Load(run.LastCheckpoint, model, optimizer);
            rng.State = (state.RandomSeed, state.RandomOffset);
            log.WriteLine($"resuming {run.Root} after epoch {state.Epoch} (best validation loss {state.BestValLoss:F4} at epoch {state.BestEpoch})");
            state = ApplyPatience(state);
        }
        else if (config.Init is { } init)
        {
            foreach (var note in ModelImport.LoadInitialWeights(init, config, model)) log.WriteLine(note);
        }
        dataDescription = ModelCard.DescribeData(config, data.Samples.Count, data.Samples.Select(s => s.SubjectId).Distinct().Count());
        log.WriteLine($"data: {data.Samples.Count} scans of {data.Samples.Select(s => s.SubjectId).Distinct().Count()} subjects; " +
                      $"train {trainSamples.Count}, val {valSamples.Count}, test {testSamples.Count} scans (split by subject)");
        log.WriteLine($"model: {model.ParameterCount:N0} parameters, input {preprocessing}, {config.Optimizer.Name()} lr {config.LearningRate:G3}, batch {config.BatchSize}, {config.Epochs} epochs on {device}");
    }

    private VolumeLoader EvaluationLoader(IReadOnlyList<RunSample> samples) =>
        RunData.EvaluationLoader(samples, source, preprocessing, config.BatchSize, config.Workers, cacheBytes: 2L << 30);

    /// <summary>Trains the remaining epochs, then evaluates the best weights and writes the reports.</summary>
    public RunSummary Run(Func<int, int, IEpochProgress>? progress = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        double previousWall = state.WallSeconds;
        int previousEpochs = state.Epoch;
        for (int epoch = state.Epoch + 1; epoch <= config.Epochs && !state.Stopped; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            var bar = progress?.Invoke(epoch, trainLoader.BatchesPerEpoch * Math.Min(config.BatchSize, trainSamples.Count));
            if (cancel.IsCancellationRequested) bar?.Dispose();
            cancel.ThrowIfCancellationRequested();
            var record = TrainEpoch(epoch, bar);
            bool improved = record.ValLoss < state.BestValLoss;
            int waited = improved ? 0 : state.EpochsWithoutImprovement + 1;
            bool patienceOut = config.Patience > 0 && waited >= config.Patience;
            state = state with
            {
                Epoch = epoch,
                BestValLoss = improved ? record.ValLoss : state.BestValLoss,
                BestEpoch = improved ? epoch : state.BestEpoch,
                EpochsWithoutImprovement = waited,
                RandomSeed = rng.State.Seed,
                RandomOffset = rng.State.Offset,
                WallSeconds = previousWall + clock.Elapsed.TotalSeconds,
                Stopped = patienceOut,
                StopReason = patienceOut ? $"no better validation loss for {waited} epochs (patience {config.Patience})" : null,
                History = [.. state.History, record],
            };
            // Best first: a kill between the two writes leaves a last checkpoint that still points at it.
            if (improved) RunCheckpoint.Save(run.BestCheckpoint, model, optimizer, state, Card());
            RunCheckpoint.Save(run.LastCheckpoint, model, optimizer, state, Card());
            RunReports.WriteMetrics(run.Metrics, state.History);
            log.WriteLine(RunReports.EpochLine(record, config.Epochs, improved));
            // After the first epoch every training and validation volume has been read once: say what they were.
            if (epoch == previousEpochs + 1) WriteDatasetReport();
            if (patienceOut) log.WriteLine($"early stop: {state.StopReason}");
        }
        return Finish(previousWall + clock.Elapsed.TotalSeconds);
    }

    private EpochRecord TrainEpoch(int epoch, IEpochProgress? progress)
    {
        model.Train();
        var clock = Stopwatch.StartNew();
        long step = state.Step;
        double rate = 0;
        int samplesSinceRead = 0;
        lossMonitor.Reset();
        deviceBatches.ResetWait();
        // The host queues steps without waiting for the device; it reads the loss back every SyncEvery steps.
        foreach (var batch in deviceBatches.Stream(trainLoader.Epoch(epoch)))
        {
            using (new TensorScope())
            {
                rate = schedule.At(step);
                optimizer.LearningRate = rate;
                var value = loss.Compute(model.Forward(batch.Input), batch.Targets);
                Autograd.Backward(value);
                if (config.GradClip > 0) optimizer.ClipGradNormAndStep((float)config.GradClip);
                else optimizer.Step();
                optimizer.ZeroGrad();
                lossMonitor.Add(value, batch.Count, step);
                step++;
                samplesSinceRead += batch.Count;
            }
            if ((step - state.Step) % config.SyncEvery == 0) ReadLoss(epoch, progress, ref samplesSinceRead);
        }
        var totals = ReadLoss(epoch, progress, ref samplesSinceRead);
        double trainSeconds = clock.Elapsed.TotalSeconds;
        double dataWait = deviceBatches.DataWaitSeconds;
        progress?.Dispose();
        state = state with { Step = step };
        var (predictions, valLoss) = Evaluator.Run(model, valLoader, valSamples, loss, ageScale, device);
        var metrics = RunReports.ValidationMetrics(predictions, loss);
        return new EpochRecord(epoch, rate, totals.Sum / Math.Max(1, totals.Samples), valLoss, totals.Samples / Math.Max(1e-9, trainSeconds),
            clock.Elapsed.TotalSeconds, metrics, dataWait);
    }

    /// <summary>Reads the device's loss state (synchronises), advances the progress line and stops the run at a non-finite loss.</summary>
    private LossReading ReadLoss(int epoch, IEpochProgress? progress, ref int samplesSinceRead)
    {
        var reading = lossMonitor.Read();
        if (reading.FirstBadStep is long bad)
            throw new TrainingDivergedException(
                $"the training loss became {reading.BadLoss} at epoch {epoch}, step {bad + 1}; stopped. {run.LastCheckpoint} " +
                $"keeps the last good epoch ({state.Epoch}); try a lower --lr (now {config.LearningRate:G3}) or a smaller --grad-clip");
        progress?.ReportDataWait(deviceBatches.DataWaitSeconds);
        if (samplesSinceRead > 0) progress?.Advance(samplesSinceRead, reading.RecentMean);
        samplesSinceRead = 0;
        return reading;
    }

    private RunSummary Finish(double wallSeconds)
    {
        if (File.Exists(run.BestCheckpoint)) RunCheckpoint.Load(run.BestCheckpoint, model, null);
        using var trainEval = EvaluationLoader(trainSamples);
        var (train, _) = Evaluator.Run(model, trainEval, trainSamples, loss, ageScale, device);
        var (val, valLoss) = Evaluator.Run(model, valLoader, valSamples, loss, ageScale, device);
        List<ScanPrediction> test = [];
        double testLoss = double.NaN;
        if (testSamples.Count > 0)
        {
            using var testLoader = EvaluationLoader(testSamples);
            (test, testLoss) = Evaluator.Run(model, testLoader, testSamples, loss, ageScale, device);
        }
        datasetReport.Write(run.DatasetReport);  // now with the test volumes
        var summary = RunReports.Summarise(config, state, device, train, val, test, valLoss, testLoss, wallSeconds, loss);
        // The correction coefficients travel with the best weights, for predict; summary.json comes last, so a
        // run folder that has one is complete (cross-validation skips such folds on resume).
        if (File.Exists(run.BestCheckpoint))
            RunCheckpoint.Save(run.BestCheckpoint, model, null, state, Card(summary.BrainAgeCorrection));
        RunReports.WriteAll(run, summary, state.History, val, test.Count > 0 ? test : val, loss);
        return summary;
    }

    /// <summary>dataset-report.json and its line in the log: what the volumes read so far turned out to be.</summary>
    private void WriteDatasetReport()
    {
        datasetReport.Write(run.DatasetReport);
        log.WriteLine(datasetReport.Line());
    }

    /// <summary>The checkpoint metadata prediction needs: preprocessing, labels, age scale.</summary>
    private ModelCard Card(BrainAgeFit? correction = null) => new(config, preprocessing.ToString(), ageScale, correction, dataDescription);

    /// <summary>
    /// A resumed run stops early by the patience it has now (<c>--resume --patience N</c> may change it): a run that
    /// patience had stopped goes on when the new patience allows more epochs without improvement, and the reverse.
    /// </summary>
    private RunState ApplyPatience(RunState resumed)
    {
        int waited = resumed.EpochsWithoutImprovement;
        bool patienceOut = config.Patience > 0 && waited >= config.Patience;
        return resumed with
        {
            Stopped = patienceOut,
            StopReason = patienceOut ? $"no better validation loss for {waited} epochs (patience {config.Patience})" : null,
        };
    }

    public void Dispose()
    {
        deviceBatches.Dispose();
        lossMonitor.Dispose();
        loss.Dispose();
        trainLoader.Dispose();
        valLoader.Dispose();
        optimizer.Dispose();
        model.Dispose();
    }
}
