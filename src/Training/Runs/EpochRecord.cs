namespace ILGpuNet.Training.Runs;

/// <summary>One row of metrics.csv: an epoch's losses, learning rate, throughput and validation metrics.</summary>
public sealed record EpochRecord(int Epoch, double LearningRate, double TrainLoss, double ValLoss,
    double SamplesPerSecond, double Seconds, Dictionary<string, double> Validation, double DataWaitSeconds = 0);

/// <summary>
/// What a resumed run needs besides the weights and the optimizer: where it stopped, its best so far,
/// the random state and the history (metrics.csv is rewritten from it, so the two never disagree).
/// </summary>
public sealed record RunState
{
    public int Epoch { get; init; }
    public long Step { get; init; }
    public double BestValLoss { get; init; } = double.PositiveInfinity;
    public int BestEpoch { get; init; }
    public int EpochsWithoutImprovement { get; init; }
    public ulong RandomSeed { get; init; }
    public ulong RandomOffset { get; init; }
    public double WallSeconds { get; init; }
    public bool Stopped { get; init; }
    public string? StopReason { get; init; }
    public List<EpochRecord> History { get; init; } = new();
}
