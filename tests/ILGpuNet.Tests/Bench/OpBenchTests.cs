using ILGpuNet.Layers.Bench;
using ILGpuNet.Tensors;
using ILGpuNet.Training.Bench;

namespace ILGpuNet.Tests.Bench;

/// <summary>
/// The operator bench cases registered with the ops ([BenchFamily] in src/Layers/Bench): the rows of <c>ilgpunet opbench</c>
/// keep the names, shapes, work figures and order they had as OpBench's hand list (benchmarks/gpu/torch_ops.py and
/// compare.py match rows by name); a new op's rows may come in between.
/// </summary>
public class OpBenchTests
{
    private static readonly (int Batch, string Op, string Shape, double Forward, double Backward, string Unit)[] Rows =
    [
        (1, "copy (roofline)", "1x64x46x55x46", 0.05958656, 0.0, "GB/s"),
        (1, "conv3d stem 7x7x7 s2", "1x1x91x109x91 -> 64x46x55x46", 5.10954752, 5.10954752, "GFLOP/s"),
        (1, "batchnorm3d+silu (train)", "1x64x46x55x46", 0.05958656, 0.08937984, "GB/s"),
        (1, "maxpool3d k1 s2", "1x64x46x55x46", 0.007583744, 0.033585152, "GB/s"),
        (1, "depthwise 3x3x3 s1", "1x64x23x28x23", 0.051190272, 0.102380544, "GFLOP/s"),
        (1, "depthwise 5x5x5 s2", "1x64x23x28x23", 0.032256, 0.064512, "GFLOP/s"),
        (1, "depthwise 5x5x5 s1", "1x128x6x7x6", 0.008064, 0.016128, "GFLOP/s"),
        (1, "conv3d 1x1x1 64->96", "1x64x12x14x12", 0.024772608, 0.049545216, "GFLOP/s"),
        (1, "conv3d 1x1x1 256->1536", "1x256x3x4x3", 0.028311552, 0.056623104, "GFLOP/s"),
        (1, "squeeze-excitation 64/16", "1x64x23x28x23", 0.011375616, 0.015167488, "GB/s"),
        (1, "linear 4608->400", "1x4608", 0.0036864, 0.0073728, "GFLOP/s"),
        (8, "copy (roofline)", "8x64x46x55x46", 0.47669248, 0.0, "GB/s"),
        (8, "conv3d stem 7x7x7 s2", "8x1x91x109x91 -> 64x46x55x46", 40.87638016, 40.87638016, "GFLOP/s"),
        (8, "batchnorm3d+silu (train)", "8x64x46x55x46", 0.47669248, 0.71503872, "GB/s"),
        (8, "maxpool3d k1 s2", "8x64x46x55x46", 0.060669952, 0.268681216, "GB/s"),
        (8, "depthwise 3x3x3 s1", "8x64x23x28x23", 0.409522176, 0.819044352, "GFLOP/s"),
        (8, "depthwise 5x5x5 s2", "8x64x23x28x23", 0.258048, 0.516096, "GFLOP/s"),
        (8, "depthwise 5x5x5 s1", "8x128x6x7x6", 0.064512, 0.129024, "GFLOP/s"),
        (8, "conv3d 1x1x1 64->96", "8x64x12x14x12", 0.198180864, 0.396361728, "GFLOP/s"),
        (8, "conv3d 1x1x1 256->1536", "8x256x3x4x3", 0.226492416, 0.452984832, "GFLOP/s"),
        (8, "squeeze-excitation 64/16", "8x64x23x28x23", 0.091004928, 0.121339904, "GB/s"),
        (8, "linear 4608->400", "8x4608", 0.0294912, 0.0589824, "GFLOP/s"),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void RowsKeepTheirNamesShapesWorkAndOrder(int batch)
    {
        var cases = OpBench.Cases(batch).ToList();
        Assert.Equal("copy (roofline)", cases[0].Op);
        Assert.Equal(cases.Count, cases.Select(c => c.Op).Distinct().Count());
        int at = 0;
        foreach (var row in Rows.Where(r => r.Batch == batch))
        {
            int found = cases.FindIndex(at, c => c.Op == row.Op);
            Assert.True(found >= 0, $"'{row.Op}' is missing or out of order");
            var c = cases[found];
            Assert.Equal((row.Shape, row.Forward, row.Backward, row.Unit), (c.Shape, c.ForwardWork, c.BackwardWork, c.Unit));
            at = found + 1;
        }
    }

    [Fact]
    public void OperandsKeepTheirShapesAndGradients()
    {
        var expected = new Dictionary<string, string>
        {
            ["copy (roofline)"] = "1x64x46x55x46",
            ["conv3d stem 7x7x7 s2"] = "1x1x91x109x91 64x1x7x7x7+g",
            ["batchnorm3d+silu (train)"] = "1x64x46x55x46+g 64+g 64+g 64 64",
            ["maxpool3d k1 s2"] = "1x64x46x55x46+g",
            ["depthwise 3x3x3 s1"] = "1x64x23x28x23+g 64x1x3x3x3+g",
            ["depthwise 5x5x5 s2"] = "1x64x23x28x23+g 64x1x5x5x5+g",
            ["depthwise 5x5x5 s1"] = "1x128x6x7x6+g 128x1x5x5x5+g",
            ["conv3d 1x1x1 64->96"] = "1x64x12x14x12+g 96x64x1x1x1+g",
            ["conv3d 1x1x1 256->1536"] = "1x256x3x4x3+g 1536x256x1x1x1+g",
            ["squeeze-excitation 64/16"] = "1x64x23x28x23+g 16x64x1x1x1+g 16+g 64x16x1x1x1+g 64+g",
            ["linear 4608->400"] = "1x4608+g 400x4608+g 400+g",
        };
        var operands = new BenchOperands(Device.Cpu);
        foreach (var c in OpBench.Cases(1).Where(c => expected.ContainsKey(c.Op)))
        {
            var inputs = c.Inputs(operands);
            try
            {
                string actual = string.Join(" ", inputs.Select(t => string.Join("x", t.Shape) + (t.RequiresGrad ? "+g" : "")));
                Assert.True(expected[c.Op] == actual, $"{c.Op}: {actual}, expected {expected[c.Op]}");
            }
            finally
            {
                foreach (var t in inputs) t.Dispose();
            }
        }
    }

    [Fact]
    public void OpBenchTimesARegisteredCase()
    {
        var row = Assert.Single(new OpBench(Device.Cpu, repeats: 1).Run(1, "linear"));
        Assert.Equal(("linear 4608->400", "1x4608", 1, "GFLOP/s"), (row.Op, row.Shape, row.Batch, row.Unit));
        Assert.True(row.ForwardRate > 0 && double.IsFinite(row.ForwardRate), $"forward {row.ForwardRate}");
        Assert.True(row.BackwardRate > 0 && double.IsFinite(row.BackwardRate), $"backward {row.BackwardRate}");
    }
}
