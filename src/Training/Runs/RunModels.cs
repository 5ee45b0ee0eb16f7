using ILGpuNet.Layers;
using ILGpuNet.Layers.Optim;
using ILGpuNet.Layers.Models;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Data;

namespace ILGpuNet.Training.Runs;

/// <summary>What a run configuration means for the model, the optimizer and the input pipeline.</summary>
public static class RunModels
{
    /// <summary>The network of a run: the heads follow the task (brainage: a class and an age head).</summary>
    public static EfficientNet3dConfig ModelConfig(TrainConfig config)
    {
        var grid = InputGrid(config);
        return new EfficientNet3dConfig
        {
            Grid = (grid.D, grid.H, grid.W),
            WidthMultiplier = config.WidthMult,
            DepthMultiplier = config.DepthMult,
            DropoutRate = (float)config.Dropout,
            SurvivalProbability = (float)config.SurvivalProbability,
            ClassifierActivation = !config.ReferenceHead,
            Heads = config.Task switch
            {
                TrainTask.Age => ModelHeads.Regression,
                TrainTask.BrainAge => ModelHeads.Double,
                _ => ModelHeads.Classification,
            },
            Classes = 2,
        };
    }

    public static EfficientNet3d Create(TrainConfig config, Device device, RandomSource rng)
    {
        var modelConfig = ModelConfig(config);
        modelConfig.Validate();
        return new EfficientNet3d(device, modelConfig, rng);
    }

    public static Optimizer CreateOptimizer(TrainConfig config, Module model) => config.Optimizer switch
    {
        OptimizerKind.Adam => new Adam(model.Parameters(), config.LearningRate, weightDecay: config.WeightDecay),
        OptimizerKind.AdamW => new AdamW(model.Parameters(), config.LearningRate, weightDecay: config.WeightDecay),
        OptimizerKind.Sgd => new Sgd(model.Parameters(), config.LearningRate, momentum: 0.9, weightDecay: config.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Optimizer, "not an optimizer"),
    };

    public static GridShape InputGrid(TrainConfig config) => GridShape.Parse(config.Grid);

    /// <summary>Pool by the downsample factor, centre-crop or pad to the grid, then normalise.</summary>
    public static VolumePreprocessing Preprocessing(TrainConfig config) => new()
    {
        Normalization = config.Normalization,
        Downsample = config.Downsample,
        Grid = InputGrid(config),
    };

    /// <summary>Every volume is first brought onto MNI152 2 mm, the space of the registered OASIS data.</summary>
    public static VoxelGrid ConformGrid(TrainConfig config) => Conform.Mni152_2mm;
}
