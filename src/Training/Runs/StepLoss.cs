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
public sealed class StepLoss(TrainTask task, ClassLabel brainAgeLabel, AgeScale ageScale, float[]? classWeights, double classWeight) : IDisposable
{
    public double ClassWeight { get; } = classWeight;

    public ClassLabel? ClassHead { get; } = task.Classifies(brainAgeLabel);

    public bool AgeHead { get; } = task.PredictsAge();

    /// <summary>The loss of a run's task, class weights from its training samples.</summary>
    public static StepLoss For(TrainConfig config, IEnumerable<RunSample> training, AgeScale ageScale)
    {
        var head = config.Task.Classifies(config.BrainAgeClass);
        var weights = head is ClassLabel h ? BalancedWeights(training.Select(s => s.ClassOf(h)), 2) : null;
        return new StepLoss(config.Task, config.BrainAgeClass, ageScale, weights, config.ClassLossWeight);
    }

    /// <summary>Inverse-frequency weights N / (K n_c), PyTorch's "balanced" weighting; absent classes get 0.</summary>
    public static float[] BalancedWeights(IEnumerable<int> labels, int classes)
    {
        var counts = new int[classes];
        int total = 0;
        foreach (var l in labels) { counts[l]++; total++; }
        return counts.Select(c => c > 0 ? (float)total / (classes * c) : 0f).ToArray();
    }

    /// <summary>
    /// A batch's targets as the loss reads them, built on the host so that they travel to the device with
    /// the volumes: the class index of each sample (validated here) and/or its standardised age, in the
    /// order <see cref="Compute(ModelOutput, IReadOnlyList{Tensor})"/> takes them.
    /// </summary>
    public (float[] Data, int[] Shape)[] Targets(Batch batch)
    {
        var parts = new List<(float[], int[])>(2);
        if (ClassHead is ClassLabel head)
        {
            var targets = new float[batch.Count];
            int column = head == ClassLabel.Cdr ? RunData.LabelCdr : RunData.LabelSex;
            for (int i = 0; i < batch.Count; i++) targets[i] = batch.Labels[i * batch.LabelsPerSample + column];
            Ops.CheckClassTargets(targets, classWeights?.Length ?? 2);
            parts.Add((targets, [batch.Count]));
        }
        if (AgeHead)
        {
            var target = new float[batch.Count];
            for (int i = 0; i < batch.Count; i++) target[i] = ageScale.ToUnit(batch.Labels[i * batch.LabelsPerSample + RunData.LabelAge]);
            parts.Add((target, [batch.Count, 1]));
        }
        return parts.ToArray();
    }

    /// <summary>The loss from targets already on the device (<see cref="Targets"/>, same order).</summary>
    public Tensor Compute(ModelOutput output, IReadOnlyList<Tensor> targets)
    {
        Tensor? loss = null;
        int next = 0;
        if (ClassHead is not null)
        {
            var logits = output.Logits ?? throw new InvalidOperationException("the model has no classification head");
            loss = Ops.CrossEntropy(logits, targets[next++], ClassWeights(logits.Device));
        }
        if (AgeHead)
        {
            var age = output.Age ?? throw new InvalidOperationException("the model has no age head");
            var ageLoss = Ops.MseLoss(age, targets[next++]);
            loss = loss is null ? ageLoss : Ops.Add(ageLoss, Ops.Scale(loss, (float)ClassWeight));
        }
        return loss!;
    }

    /// <summary>The loss of a batch whose targets are still on the host (evaluation): uploads them, then as above.</summary>
    public Tensor Compute(ModelOutput output, Batch batch, Device device) =>
        Compute(output, Targets(batch).Select(t => Tensor.FromArray(device, t.Data, t.Shape)).ToArray());

    private Tensor? weightsOnDevice;

    /// <summary>The class weights, uploaded once and kept on the device (constant over the run).</summary>
    private Tensor? ClassWeights(Device device)
    {
        if (classWeights is null) return null;
        if (weightsOnDevice is { IsDisposed: false } w && ReferenceEquals(w.Device, device)) return w;
        weightsOnDevice?.Dispose();
        return weightsOnDevice = TensorScope.Keep(Tensor.FromArray(device, classWeights, classWeights.Length));
    }

    public void Dispose()
    {
        weightsOnDevice?.Dispose();
        weightsOnDevice = null;
    }
}
