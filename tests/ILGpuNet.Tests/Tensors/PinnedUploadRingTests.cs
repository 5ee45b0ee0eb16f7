using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Tensors;

public sealed class PinnedUploadRingTests
{
    private static Device Cpu => Device.Cpu;

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void StagedPartsArriveWithTheirShapesInOrder()
    {
        using var ring = new PinnedUploadRing(Cpu);
        for (int step = 0; step < 5; step++)
        {
            var volumes = Random(2 * 3 * 4 * 5, step);
            var targets = Random(2, 100 + step);
            var staged = ring.Stage((volumes, [2, 1, 3, 4, 5]), (targets, [2]));
            var tensors = staged.Acquire();
            Assert.Equal([2, 1, 3, 4, 5], tensors[0].Shape);
            Assert.Equal([2], tensors[1].Shape);
            Assert.Equal(volumes, tensors[0].ToArray());
            Assert.Equal(targets, tensors[1].ToArray());
            staged.Release();
        }
    }

    [Fact]
    public void ASmallerLastBatchGetsBuffersOfItsOwnSize()
    {
        using var ring = new PinnedUploadRing(Cpu);
        var full = Random(4 * 8, 1);
        var last = Random(3 * 8, 2);
        var a = ring.Stage((full, [4, 8]));
        Assert.Equal(full, a.Acquire()[0].ToArray());
        a.Release();
        var b = ring.Stage((last, [3, 8]));
        Assert.Equal(last, b.Acquire()[0].ToArray());
        b.Release();
        // The slot of the full batch keeps its buffers and is served again.
        var c = ring.Stage((Random(4 * 8, 3), [4, 8]));
        Assert.Equal([4, 8], c.Acquire()[0].Shape);
        c.Release();
    }

    [Fact]
    public void PartsTooShortForTheirShapeAreRefused()
    {
        using var ring = new PinnedUploadRing(Cpu);
        var e = Assert.Throws<ArgumentException>(() => ring.Stage((new float[5], [2, 3])));
        Assert.Contains("5 values", e.Message);
    }
}
