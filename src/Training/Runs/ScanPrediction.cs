namespace ILGpuNet.Training.Runs;

/// <summary>
/// The model's output for one scan: class probabilities (null without a classification head) and the
/// predicted age in years (null without an age head).
/// </summary>
public sealed record ScanPrediction(RunSample Sample, float[]? Probabilities, float? PredictedAge);
