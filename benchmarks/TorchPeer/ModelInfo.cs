namespace TorchPeer;

/// <summary><c>model</c>: the peer's parameter count and state_dict (checked against ENGINEERING.md's names on construction).</summary>
internal static class ModelInfo
{
    public static int Run(Options o)
    {
        int[] grid = o.Grid("--grid", "91x109x91");
        var model = EfficientNet3d.Build(2, grid);
        var feature = EfficientNet3d.FeatureGrid(grid);
        Console.WriteLine($"EfficientNet3d (reference) in libtorch: grid {string.Join("x", grid)}, feature map 512x{string.Join("x", feature)}");
        Console.WriteLine($"parameters {model.ParameterCount:N0}");
        foreach (var (name, t) in model.state_dict()) Console.WriteLine($"  {name,-48} [{string.Join(", ", t.shape)}]");
        return 0;
    }
}
