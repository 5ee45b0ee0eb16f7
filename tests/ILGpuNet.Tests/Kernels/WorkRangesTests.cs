using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;
using Device = ILGpuNet.Tensors.Device;

namespace ILGpuNet.Tests.Kernels;

/// <summary>
/// The chunked loop every kernel walks (<see cref="WorkRanges"/>) at item counts up to int.MaxValue, the tensor
/// bound. The old int loop (start += threads * chunk) overflowed there: on the CPU accelerator threads * chunk is
/// about the count itself. Checked arithmetically: block b = items [b*chunk, min(b*chunk + chunk, n)) belongs to
/// thread b mod threads as its (b div threads)-th range, a bijection onto the blocks, so a thread whose ranges are
/// exactly its blocks, in order, proves "every item exactly once" without visiting 2^31 items.
/// </summary>
public class WorkRangesTests
{
    private const int CudaThreads = 132 * 8 * 256;  // an H100's one-dimensional launch (Device: 8 groups of 256 per SM)

    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        int[] counts = [int.MaxValue, int.MaxValue - 1, int.MaxValue - 3, (1 << 30) + 1, 1_100_000_000, 1000, 1];
        foreach (int n in counts)
        {
            foreach (int threads in new[] { 1, 2, 3, 16 })
                data.Add(n, threads, (int)((n + (long)threads - 1) / threads));  // CPU accelerator: one long chunk per thread
            data.Add(n, CudaThreads, 1);  // CUDA: grid-stride, one item per range
            data.Add(n, 4096, 1 << 19);   // many threads with long chunks
        }
        data.Add(int.MaxValue, 2, int.MaxValue);  // a chunk as long as the count
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryThreadWalksExactlyItsBlocks(int n, int threads, int chunk)
    {
        long blocks = (n + (long)chunk - 1) / chunk;
        foreach (int t in SampleThreads(threads))
        {
            var ranges = new WorkRanges(t, threads, chunk, n);
            long expected = blocks > t ? (blocks - 1 - t) / threads + 1 : 0;
            long k = 0;
            while (ranges.Next())
            {
                Assert.True(k < expected, $"thread {t} of {threads} (chunk {chunk}, n {n}) has more than its {expected} ranges");
                long b = t + k * threads;
                long start = b * chunk, end = Math.Min(start + chunk, n);
                Assert.Equal(start, ranges.Start);
                Assert.Equal(end, ranges.End);
                Assert.True(ranges.Start < ranges.End);
                k++;
            }
            Assert.Equal(expected, k);
            Assert.False(ranges.Next());  // stays finished
        }
        // The last block ends exactly at n and is somebody's: nothing past the end, nothing missing.
        Assert.Equal(n, Math.Min(blocks * chunk, n));
        Assert.True((blocks - 1) * chunk < n);
    }

    [Theory]
    [InlineData(int.MaxValue, 2)]
    [InlineData(int.MaxValue, 3)]
    [InlineData(int.MaxValue - 5, 16)]
    public void CpuShapedLaunchesTileTheCountWithoutGapsOrOverlaps(int n, int threads)
    {
        int chunk = (int)((n + (long)threads - 1) / threads);
        var all = new List<(int Start, int End)>();
        for (int t = 0; t < threads; t++)
            for (var r = new WorkRanges(t, threads, chunk, n); r.Next();) all.Add((r.Start, r.End));
        all.Sort();
        long next = 0;
        foreach (var (start, end) in all)
        {
            Assert.Equal(next, start);
            next = end;
        }
        Assert.Equal(n, next);
    }

    [Fact]
    public void BlockEndNeverPassesTheEnd()
    {
        Assert.Equal(int.MaxValue, Work.BlockEnd(int.MaxValue - 10, 512, int.MaxValue));
        Assert.Equal(int.MaxValue - 1, Work.BlockEnd(int.MaxValue - 513, 512, int.MaxValue));
        Assert.Equal(300, Work.BlockEnd(0, 512, 300));
        Assert.Equal(512, Work.BlockEnd(0, 512, 1000));
    }

    /// <summary>
    /// The helper inside a real kernel on the CPU accelerator at n = int.MaxValue with the launch Device.Plan gives
    /// and with a many-thread grid-stride launch: every thread reports its item count, range count and last end;
    /// no per-item work, so 2^31 items cost nothing, and no buffer of that size is needed.
    /// </summary>
    [Fact]
    public void KernelsWalkIntMaxValueItemsOnTheCpuAccelerator()
    {
        var device = Device.Cpu;
        var plan = device.Plan(int.MaxValue);
        CheckKernelWalk(device, plan.Config, plan.Chunk, int.MaxValue);
        CheckKernelWalk(device, new KernelConfig(4, device.GroupSize), 1 << 20, int.MaxValue);
        CheckKernelWalk(device, new KernelConfig(3, device.GroupSize), 1 << 26, int.MaxValue - 7);
    }

    private static void CheckKernelWalk(Device device, KernelConfig config, int chunk, int n)
    {
        int threads = config.GridDim.X * config.GroupDim.X;
        using var stats = device.Accelerator.Allocate1D<long>(3L * threads);
        stats.MemSetToZero();
        device.Accelerator.LoadKernel<ArrayView<long>, int, int>(CountRanges)(device.Accelerator.DefaultStream, config, stats.View, n, chunk);
        device.Accelerator.Synchronize();
        var s = stats.GetAsArray1D();
        long blocks = (n + (long)chunk - 1) / chunk, total = 0;
        for (int t = 0; t < threads; t++)
        {
            long ranges = blocks > t ? (blocks - 1 - t) / threads + 1 : 0;
            Assert.Equal(ranges, s[threads + t]);
            if (ranges > 0) Assert.Equal(Math.Min((t + (ranges - 1) * threads) * chunk + (long)chunk, n), s[2 * threads + t]);
            total += s[t];
        }
        Assert.Equal(n, total);
    }

    /// <summary>stats = [items per thread | ranges per thread | last range end per thread].</summary>
    private static void CountRanges(ArrayView<long> stats, int n, int chunk)
    {
        int t = Work.ThreadIndex, threads = Work.ThreadCount;
        long items = 0, ranges = 0, lastEnd = 0;
        for (var work = Work.Ranges(n, chunk); work.Next();)
        {
            items += work.End - work.Start;
            ranges++;
            lastEnd = work.End;
        }
        stats[t] = items;
        stats[threads + t] = ranges;
        stats[2 * threads + t] = lastEnd;
    }

    /// <summary>All threads of small launches; the first, last and a spread of the middle ones of large launches.</summary>
    private static IEnumerable<int> SampleThreads(int threads)
    {
        if (threads <= 64) return Enumerable.Range(0, threads);
        return new[] { 0, 1, 2, threads / 3, threads / 2, threads - 3, threads - 2, threads - 1 }.Distinct();
    }
}
