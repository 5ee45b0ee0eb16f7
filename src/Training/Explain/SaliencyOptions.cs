namespace ILGpuNet.Training.Explain;

/// <summary>How a saliency map is computed (<c>explain --method</c>).</summary>
public enum SaliencyMethod
{
    /// <summary>|d output / d input| of one forward and backward pass.</summary>
    Gradient,

    /// <summary>The gradient map averaged over noisy copies of the input (Smilkov et al. 2017).</summary>
    SmoothGrad,

    /// <summary>Grad-CAM (Selvaraju et al. 2017) on the last feature map, upsampled trilinearly to the input grid.</summary>
    GradCam,
}

/// <summary>Which output a map explains (<c>explain --target</c>).</summary>
public enum SaliencyTarget
{
    /// <summary>The logit of one class (<see cref="SaliencyOptions.Class"/>) of the classification head.</summary>
    Class,

    /// <summary>The age head (standardised years): regression and double-headed models.</summary>
    Age,
}

public static class SaliencyChoices
{
    public static readonly Choices<SaliencyMethod> Method = new("saliency method",
        [(SaliencyMethod.Gradient, "gradient"), (SaliencyMethod.SmoothGrad, "smoothgrad"), (SaliencyMethod.GradCam, "gradcam")],
        ("grad-cam", SaliencyMethod.GradCam));

    public static readonly Choices<SaliencyTarget> Target = new("saliency target",
        [(SaliencyTarget.Class, "class"), (SaliencyTarget.Age, "age")]);

    public static string Name(this SaliencyMethod m) => Method.Name(m);

    public static string Name(this SaliencyTarget t) => Target.Name(t);
}

/// <summary>What <see cref="Saliency"/> computes. The class is a logit index; 1 is the positive class of a binary task (CDR &gt; 0, F).</summary>
public sealed record SaliencyOptions
{
    public SaliencyMethod Method { get; init; } = SaliencyMethod.Gradient;

    public SaliencyTarget Target { get; init; } = SaliencyTarget.Class;

    public int Class { get; init; } = 1;

    /// <summary>SmoothGrad: noisy copies averaged.</summary>
    public int Samples { get; init; } = 16;

    /// <summary>SmoothGrad: noise standard deviation as a fraction of the input's value range (max - min), 0.1-0.2 in the paper.</summary>
    public double Noise { get; init; } = 0.15;

    /// <summary>Volumes (or noisy copies) per forward and backward pass.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>Seed of the SmoothGrad noise: the same seed gives the same map.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Null when the options are usable, else what is wrong (one line, naming the option).</summary>
    public string? Problem()
    {
        if (Class < 0) return $"--class must be at least 0, got {Class}";
        if (Samples < 1) return $"--samples must be at least 1, got {Samples}";
        if (!(Noise >= 0) || double.IsInfinity(Noise)) return $"--noise must be a finite fraction >= 0, got {Noise}";
        if (BatchSize < 1) return $"--batch-size must be at least 1, got {BatchSize}";
        return null;
    }
}
