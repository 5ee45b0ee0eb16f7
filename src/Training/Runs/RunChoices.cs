using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;

namespace ILGpuNet.Training.Runs;

/// <summary>The optimizer of a run (<c>--optimizer</c>); SGD uses momentum 0.9.</summary>
public enum OptimizerKind { Adam, AdamW, Sgd }

/// <summary>The learning-rate schedule after warm-up (<c>--schedule</c>), see <see cref="LearningRateSchedule"/>.</summary>
public enum ScheduleKind { Cosine, Step, Constant }

/// <summary>
/// The names of a run's choices, as options and config.json spell them: parsed into enums once at the
/// command line and when a config.json or checkpoint is read, written back unchanged.
/// </summary>
public static class RunChoices
{
    public static readonly Choices<TrainTask> Task = new("task",
        [(TrainTask.Cdr, "cdr"), (TrainTask.Sex, "sex"), (TrainTask.Age, "age"), (TrainTask.BrainAge, "brainage")],
        ("brain-age", TrainTask.BrainAge));

    public static readonly Choices<ClassLabel> ClassLabel = new("class label",
        [(Runs.ClassLabel.Cdr, "cdr"), (Runs.ClassLabel.Sex, "sex")]);

    public static readonly Choices<OptimizerKind> Optimizer = new("optimizer",
        [(OptimizerKind.Adam, "adam"), (OptimizerKind.AdamW, "adamw"), (OptimizerKind.Sgd, "sgd")]);

    public static readonly Choices<ScheduleKind> Schedule = new("schedule",
        [(ScheduleKind.Cosine, "cosine"), (ScheduleKind.Step, "step"), (ScheduleKind.Constant, "constant")]);

    public static Choices<VolumeNormalization> Normalization => VolumeNormalizations.Choices;

    public static readonly Choices<DeviceKind> Device = new("device",
        [(DeviceKind.Auto, "auto"), (DeviceKind.Cuda, "cuda"), (DeviceKind.Cpu, "cpu")]);

    public static readonly Choices<Precision> Precision = new("precision",
        [(Tensors.Precision.Fp32, "fp32"), (Tensors.Precision.Tf32, "tf32"), (Tensors.Precision.Tf32x3, "3xtf32")]);

    public static string Name(this OptimizerKind o) => Optimizer.Name(o);
}
