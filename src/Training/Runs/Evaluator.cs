using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;

namespace ILGpuNet.Training.Runs;

/// <summary>Runs a model in evaluation mode over a loader: per-scan predictions and the mean loss (NaN without a loss: unlabelled scans).</summary>
public static class Evaluator
{
    public static (List<ScanPrediction> Predictions, double MeanLoss) Run(
        EfficientNet3d model, VolumeLoader loader, IReadOnlyList<RunSample> samples, StepLoss? loss, AgeScale ageScale, Device device)
    {
        bool wasTraining = model.Training;
        model.Eval();
        var predictions = new List<ScanPrediction>(samples.Count);
        double lossSum = 0;
        try
        {
            using var noGrad = Autograd.NoGrad();
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                using (new TensorScope())
                {
                    var x = Tensor.FromArray(device, batch.Data, batch.Shape);
                    var output = model.Forward(x);
                    if (loss is not null) lossSum += loss.Compute(output, batch, device).Item() * batch.Count;
                    var logits = output.Logits?.ToArray();
                    var age = output.Age?.ToArray();
                    int classes = logits is null ? 0 : logits.Length / batch.Count;
                    for (int i = 0; i < batch.Count; i++)
                    {
                        var scanLogits = logits?.AsSpan(i * classes, classes).ToArray();
                        var probabilities = scanLogits is null ? null : Softmax(scanLogits);
                        float? years = age is null ? null : ageScale.ToYears(age[i]);
                        predictions.Add(new ScanPrediction(samples[batch.Samples[i]], probabilities, years, scanLogits, age?[i]));
                    }
                }
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return (predictions, loss is null ? double.NaN : lossSum / Math.Max(1, predictions.Count));
    }

    /// <summary>Softmax in float64 with the maximum subtracted (no overflow for large logits).</summary>
    public static float[] Softmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        var e = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < e.Length; i++) sum += e[i] = Math.Exp(logits[i] - max);
        return e.Select(v => (float)(v / sum)).ToArray();
    }
}
