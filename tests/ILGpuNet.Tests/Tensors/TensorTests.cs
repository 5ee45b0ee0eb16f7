using ILGpuNet.Layers;
using ILGpuNet.Tensors;

namespace ILGpuNet.Tests.Tensors;

/// <summary>Pool counters are process-wide: tests that read them do not run beside other tests.</summary>
[CollectionDefinition("PoolCounters", DisableParallelization = true)]
public class PoolCountersCollection;

[Collection("PoolCounters")]
public class TensorTests
{
    private static readonly Device Cpu = Device.Cpu;

    [Fact]
    public void UploadDownloadRoundTrips()
    {
        var data = Enumerable.Range(0, 131).Select(i => (float)Math.Sin(i)).ToArray();
        using var t = Tensor.FromArray(Cpu, data, 131);
        Assert.Equal(data, t.ToArray());
    }

    [Fact]
    public void ReshapeSharesDataAndKeepsItAliveUntilTheLastView()
    {
        var data = Enumerable.Range(0, 24).Select(i => i + 0.5f).ToArray();
        var t = Tensor.FromArray(Cpu, data, 2, 3, 4);
        var view = t.Reshape(6, -1);
        Assert.Equal([6, 4], view.Shape);
        Assert.Equal([12L, 4, 1], t.Strides);
        t.Dispose();
        Assert.Equal(data, view.ToArray());  // the storage outlives the first handle
        view.Dispose();
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(Cpu, 2, 3).Reshape(4, 2));
    }

    [Fact]
    public void ShapesAreValidated()
    {
        Assert.Throws<ArgumentException>(() => Tensor.Empty(Cpu, 2, 0));
        Assert.Throws<ArgumentException>(() => Tensor.Empty(Cpu, 1, 1, 1, 1, 1, 1));
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(Cpu, new float[5], 2, 3));
    }

    [Fact]
    public void PoolBucketsWasteAtMostAnEighth()
    {
        foreach (long n in new long[] { 1, 255, 256, 257, 1000, 4097, 123_456_789 })
        {
            long b = BufferPool.BucketOf(n);
            Assert.True(b >= n);
            Assert.True(b <= Math.Max(256, n + n / 8 + 1), $"{n} -> {b}");
        }
    }

    [Fact]
    public void ATrainingStepAllocatesNothingNewAfterTheFirst()
    {
        var device = Device.Cpu;
        using var w = Tensor.FromArray(device, Enumerable.Range(0, 300).Select(i => 0.01f * i).ToArray(), 3, 100);
        w.RequiresGrad = true;
        var input = Enumerable.Range(0, 300).Select(i => (float)Math.Cos(i)).ToArray();
        // Step 0 also creates w.Grad, which stays; from then on every step reuses pooled buffers only.
        PoolStats after1 = default;
        for (int step = 0; step < 4; step++)
        {
            using (var scope = new TensorScope())
            {
                var x = Tensor.FromArray(device, input, 3, 100);
                var loss = Ops.Mean(Ops.Silu(Ops.Mul(Ops.Add(x, w), w)));
                Autograd.Backward(loss);
            }
            if (step == 1) after1 = device.Pool.Stats();
        }
        var after3 = device.Pool.Stats();
        Assert.Equal(after1.Misses, after3.Misses);
        Assert.True(after3.Hits > after1.Hits);
        w.Grad?.Dispose();
    }

    [Fact]
    public void TheScopeReturnsEveryTemporaryToThePool()
    {
        var device = Device.Cpu;
        long before = device.Pool.Stats().BytesInUse;
        using (new TensorScope())
        {
            var a = Tensor.Full(device, 2f, 1000);
            var b = Ops.Silu(Ops.Mul(a, a));
            Assert.True(device.Pool.Stats().BytesInUse > before);
        }
        Assert.Equal(before, device.Pool.Stats().BytesInUse);
    }
}
