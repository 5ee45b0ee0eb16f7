using ILGpuNet.Layers;
using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// The loss of a batch for a task: weighted cross-entropy for a class head (weights against class
/// imbalance, from the training split), MSE of standardised age for an age head, and for brainage the age
/// loss plus <see cref="ClassWeight"/> times the class loss.
/// </summary>
public sealed class StepLoss(TrainTask task, ClassLabel brainAgeLabel, AgeScale ageScale, float[]? classWeights, double classWeight)
{
    public double ClassWeight { get; } = classWeight;

    public ClassLabel? ClassHead { get; } = task.Classifies(brainAgeLabel);

    public bool AgeHead { get; } = task.PredictsAge();

    /// <summary>The loss of a run's task, class weights from its training samples.</summary>
    public static StepLoss For(TrainConfig config, IEnumerable<RunSample> training, AgeScale ageScale)
    {
        var head = config.TaskKind.Classifies(config.BrainAgeLabel);
        var weights = head is ClassLabel h ? BalancedWeights(training.Select(s => s.ClassOf(h)), 2) : null;
        return new StepLoss(config.TaskKind, config.BrainAgeLabel, ageScale, weights, config.ClassLossWeight);
    }

    /// <summary>Inverse-frequency weights N / (K n_c), PyTorch's "balanced" weighting; absent classes get 0.</summary>
    public static float[] BalancedWeights(IEnumerable<int> labels, int classes)
    {
        var counts = new int[classes];
        int total = 0;
        foreach (var l in labels) { counts[l]++; total++; }
        return counts.Select(c => c > 0 ? (float)total / (classes * c) : 0f).ToArray();
    }

    public Tensor Compute(ModelOutput output, Batch batch, Device device)
    {
        Tensor? loss = null;
        if (ClassHead is ClassLabel head)
        {
            var targets = new int[batch.Count];
            int column = head == ClassLabel.Cdr ? RunData.LabelCdr : RunData.LabelSex;
            for (int i = 0; i < batch.Count; i++) targets[i] = (int)batch.Labels[i * batch.LabelsPerSample + column];
            var weights = classWeights is null ? null : Tensor.FromArray(device, classWeights, classWeights.Length);
            loss = Ops.CrossEntropy(output.Logits ?? throw new InvalidOperationException("the model has no classification head"), targets, weights);
        }
        if (AgeHead)
        {
            var age = output.Age ?? throw new InvalidOperationException("the model has no age head");
            var target = new float[batch.Count];
            for (int i = 0; i < batch.Count; i++) target[i] = ageScale.ToUnit(batch.Labels[i * batch.LabelsPerSample + RunData.LabelAge]);
            var ageLoss = Ops.MseLoss(age, Tensor.FromArray(device, target, age.Shape));
            loss = loss is null ? ageLoss : Ops.Add(ageLoss, Ops.Scale(loss, (float)ClassWeight));
        }
        return loss!;
    }
}
