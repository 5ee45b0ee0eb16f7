namespace ILGpuNet.Training.Runs;

/// <summary>
/// The model's output for one scan: class probabilities (null without a classification head) and the
/// predicted age in years (null without an age head), with the network's raw outputs behind them: the
/// logits the probabilities are the softmax of (probabilities saturate at 0 and 1 in float, logits do not),
/// and the age head's output before <see cref="AgeScale.ToYears"/> (standardised years for a trained run).
/// </summary>
public sealed record ScanPrediction(RunSample Sample, float[]? Probabilities, float? PredictedAge, float[]? Logits = null, float? AgeOutput = null);
