namespace ILGpuNet.Training.Runs;

/// <summary>
/// What a run learns. <see cref="BrainAge"/> is the double-headed model: an age regression head and a
/// classification head (CDR by default, sex as an option) on one shared trunk.
/// </summary>
public enum TrainTask { Cdr, Sex, Age, BrainAge }

/// <summary>The label a classification head predicts.</summary>
public enum ClassLabel { Cdr, Sex }

public static class TrainTasks
{
    /// <summary>The task's name on the command line and in config.json (<see cref="RunChoices.Task"/>).</summary>
    public static string Name(this TrainTask t) => RunChoices.Task.Name(t);

    public static string Name(this ClassLabel c) => RunChoices.ClassLabel.Name(c);

    /// <summary>True when the task has an age regression head.</summary>
    public static bool PredictsAge(this TrainTask t) => t is TrainTask.Age or TrainTask.BrainAge;

    /// <summary>The label of the classification head, or null for age alone.</summary>
    public static ClassLabel? Classifies(this TrainTask t, ClassLabel brainAgeLabel) => t switch
    {
        TrainTask.Cdr => ClassLabel.Cdr,
        TrainTask.Sex => ClassLabel.Sex,
        TrainTask.BrainAge => brainAgeLabel,
        _ => null,
    };

    /// <summary>Class names in label order (index 1 is the positive class; OasisTask.Sex reads M = 0, F = 1).</summary>
    public static string[] ClassNames(this ClassLabel c) => c == ClassLabel.Cdr ? ["CDR=0", "CDR>0"] : ["M", "F"];
}
