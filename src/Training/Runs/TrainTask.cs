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
    public static string Name(this TrainTask t) => t switch
    {
        TrainTask.Cdr => "cdr",
        TrainTask.Sex => "sex",
        TrainTask.Age => "age",
        TrainTask.BrainAge => "brainage",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static TrainTask Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cdr" => TrainTask.Cdr,
        "sex" => TrainTask.Sex,
        "age" => TrainTask.Age,
        "brainage" or "brain-age" => TrainTask.BrainAge,
        _ => throw new FormatException($"unknown task '{text}' (expected cdr, sex, age or brainage)"),
    };

    public static string Name(this ClassLabel c) => c == ClassLabel.Cdr ? "cdr" : "sex";

    public static ClassLabel ParseClassLabel(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cdr" => ClassLabel.Cdr,
        "sex" => ClassLabel.Sex,
        _ => throw new FormatException($"unknown class label '{text}' (expected cdr or sex)"),
    };

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
