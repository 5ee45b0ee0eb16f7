using System.Text.Json;
using System.Text.Json.Serialization;
using ILGpuNet.Training.Metrics;

namespace ILGpuNet.Training.Runs;

/// <summary>
/// What a checkpoint must carry for prediction to see what training saw: the run's configuration
/// (task, heads, grid, widths), the preprocessing string, the age standardisation, the class names and
/// the brain-age bias correction fitted on the training split (after training has finished).
/// </summary>
public sealed record ModelCard(TrainConfig Config, string Preprocessing, AgeScale AgeScale, BrainAgeFit? Correction)
{
    public string[]? ClassNames => Config.Task.Classifies(Config.BrainAgeClass)?.ClassNames();

    public static readonly JsonSerializerOptions Json = new(TrainConfig.Json)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

}
