using System.Collections.Concurrent;
using ILGpuNet.Tensors;

namespace ILGpuNet.Training.Data;

/// <summary>A volume file and its labels (the same number of labels for every item of a loader).</summary>
public sealed record VolumeItem(string Path, float[] Labels);

/// <summary>Training shuffles and may augment; evaluation keeps the item order and never augments.</summary>
public enum LoaderMode { Training, Evaluation }

public sealed record LoaderOptions
{
    public LoaderMode Mode { get; init; } = LoaderMode.Training;
    public int BatchSize { get; init; } = 4;

    /// <summary>Background threads that read, preprocess and assemble batches.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Batches built ahead of the consumer (ready or in progress); bounds memory.</summary>
    public int Prefetch { get; init; } = 4;

    /// <summary>Seeds the per-epoch shuffle and the augmentation draws.</summary>
    public ulong Seed { get; init; }

    /// <summary>Training only: shuffle each epoch (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Training only: drop a last, smaller batch (BatchNorm dislikes a batch of one).</summary>
    public bool DropLast { get; init; }

    /// <summary>Training only; null for none. An evaluation loader with augmentation is an error.</summary>
    public Augmentation? Augmentation { get; init; }

    public VolumePreprocessing Preprocessing { get; init; } = VolumePreprocessing.Reference;

    /// <summary>Keep decoded, preprocessed volumes in memory after their first read.</summary>
    public bool Cache { get; init; }

    /// <summary>With <see cref="Cache"/>: stop adding volumes beyond this many bytes.</summary>
    public long CacheLimitBytes { get; init; } = long.MaxValue;
}

/// <summary>
/// A batch: <see cref="Data"/> is N x 1 x D x H x W in row-major order (<see cref="VolumeLayout"/>) and
/// <see cref="Labels"/> N x <see cref="LabelsPerSample"/>. Dispose it after uploading so its buffer is
/// reused by the next batch (optional: undisposed batches are simply collected).
/// </summary>
public sealed class Batch : IDisposable
{
    private VolumeLoader? owner;

    internal Batch(VolumeLoader owner, int epoch, int index, float[] data, GridShape shape, float[] labels,
        int labelsPerSample, int[] samples, string[] paths)
    {
        this.owner = owner;
        (Epoch, Index, Data, VolumeShape, Labels, LabelsPerSample, Samples, Paths) =
            (epoch, index, data, shape, labels, labelsPerSample, samples, paths);
    }

    public int Epoch { get; }
    public int Index { get; }
    public int Count => Samples.Length;
    public float[] Data { get; }
    public GridShape VolumeShape { get; }
    public float[] Labels { get; }
    public int LabelsPerSample { get; }

    /// <summary>Indices of the batch's items in the loader's item list.</summary>
    public int[] Samples { get; }
    public string[] Paths { get; }

    /// <summary>N, 1, D, H, W.</summary>
    public int[] Shape => [Count, 1, VolumeShape.D, VolumeShape.H, VolumeShape.W];

    public void Dispose() => Interlocked.Exchange(ref owner, null)?.Return(Data);
}

/// <summary>
/// A volume that could not be loaded because of the file (unreadable, malformed, another shape); the message
/// starts with its file. A fault of the program while loading is not wrapped: it surfaces as itself.
/// </summary>
public sealed class DataLoadException(string path, Exception inner)
    : UserErrorException(inner.Message.Contains(path, StringComparison.Ordinal) ? inner.Message : $"{path}: {inner.Message}", inner)
{
    public string FilePath { get; } = path;
}

/// <summary>
/// Assembles batches on background threads while the caller (the device) computes.
/// <para>
/// Each epoch's order is a seeded permutation of (seed, epoch); workers claim batch indices in order,
/// at most <see cref="LoaderOptions.Prefetch"/> ahead of the consumer, and the consumer takes them in
/// order. Since augmentation draws depend only on (seed, epoch, item), the batches of an epoch are
/// identical for any worker count and any thread timing. A worker's exception surfaces in the consumer,
/// when it reaches the failed batch: a problem with the file (<see cref="UserErrors.Is"/>) as a
/// <see cref="DataLoadException"/> naming it, any other exception as itself. Leaving the
/// enumeration (break, exception, cancellation) or disposing the loader stops the workers.
/// </para>
/// <para>
/// A run builds its loaders with <see cref="Runs.RunData.TrainingLoader"/> and <see cref="Runs.RunData.EvaluationLoader"/>
/// (only the training split augments). Throughput on two EPYC cores: one worker decodes and
/// normalises about 75-90 91x109x91 .nii.gz volumes/s; with <see cref="LoaderOptions.Cache"/> later
/// epochs reach over 600 volumes/s per worker (benchmarks/RESULTS.md, "Data pipeline (CPU)").
/// </para>
/// </summary>
public sealed class VolumeLoader : IDisposable
{
    private readonly IReadOnlyList<VolumeItem> items;
    private readonly IVolumeSource source;
    private readonly ConcurrentDictionary<int, PreparedVolume> cache = new();
    private readonly ConcurrentBag<float[]> buffers = new();
    private readonly CancellationTokenSource disposing = new();
    private readonly object shapeGate = new();
    private long cachedBytes;
    private GridShape? volumeShape;

    public LoaderOptions Options { get; }
    public int LabelsPerSample { get; }

    public VolumeLoader(IReadOnlyList<VolumeItem> items, IVolumeSource source, LoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(source);
        if (items.Count == 0) throw new ArgumentException("the loader has no items", nameof(items));
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1");
        if (options.Workers < 1) throw new ArgumentOutOfRangeException(nameof(options), "Workers must be at least 1");
        if (options.Prefetch < 1) throw new ArgumentOutOfRangeException(nameof(options), "Prefetch must be at least 1");
        if (options.Mode == LoaderMode.Evaluation && options.Augmentation is not null)
            throw new ArgumentException("augmentation is for training only; an evaluation loader must not have one", nameof(options));
        LabelsPerSample = items[0].Labels.Length;
        if (items.Any(i => i.Labels.Length != LabelsPerSample))
            throw new ArgumentException("every item must have the same number of labels", nameof(items));
        this.items = items;
        this.source = source;
        Options = options;
    }

    public int Count => items.Count;

    public int BatchesPerEpoch => Training && Options.DropLast
        ? Math.Max(1, items.Count / Options.BatchSize)
        : (items.Count + Options.BatchSize - 1) / Options.BatchSize;

    public int CachedVolumes => cache.Count;

    private bool Training => Options.Mode == LoaderMode.Training;

    /// <summary>The item order of an epoch: a seeded permutation in training, the given order in evaluation.</summary>
    public int[] Order(int epoch) => Training && Options.Shuffle
        ? DataRandom.Permutation(items.Count, Options.Seed, DataRandom.ShufflePurpose, (uint)epoch)
        : Enumerable.Range(0, items.Count).ToArray();

    /// <summary>The batches of one epoch, prepared in the background as the enumeration proceeds.</summary>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(disposing.IsCancellationRequested, this);
        var order = Order(epoch);
        int batches = BatchesPerEpoch;
        using var run = new EpochRun(this, epoch, order, batches, cancellation);
        for (int b = 0; b < batches; b++) yield return run.Take(b);
    }

    /// <summary>One item, preprocessed but not augmented (what the cache holds).</summary>
    public PreparedVolume Prepare(int item)
    {
        if (cache.TryGetValue(item, out var hit)) return hit;
        string path = items[item].Path;
        PreparedVolume v;
        try
        {
            var raw = source.Read(path);
            v = Options.Preprocessing.Prepare(raw);
        }
        catch (Exception e) when (UserErrors.Is(e) && e is not DataLoadException)
        {
            throw new DataLoadException(path, e);
        }
        if (Options.Cache)
        {
            long bytes = v.Data.LongLength * sizeof(float);
            if (Interlocked.Add(ref cachedBytes, bytes) <= Options.CacheLimitBytes) cache.TryAdd(item, v);
            else Interlocked.Add(ref cachedBytes, -bytes);
        }
        return v;
    }

    private Batch Build(int epoch, int index, int[] order, CancellationToken token)
    {
        int bs = Options.BatchSize, start = index * bs, count = Math.Min(bs, order.Length - start);
        var samples = order.AsSpan(start, count).ToArray();
        var paths = new string[count];
        var labels = new float[count * LabelsPerSample];
        float[]? data = null;
        GridShape shape = default;
        for (int i = 0; i < count; i++)
        {
            token.ThrowIfCancellationRequested();
            int item = samples[i];
            var v = Prepare(item);
            shape = CheckShape(item, v.Shape);
            long n = shape.Length;
            data ??= Rent(count * n, count == bs);
            var dst = data.AsSpan((int)(i * n), (int)n);
            if (Training && Options.Augmentation is Augmentation aug)
                Augmentation.Apply(aug.Draw(Options.Seed, epoch, item), v.Data, dst, shape, v.Background);
            else
                v.Data.CopyTo(dst);
            paths[i] = items[item].Path;
            items[item].Labels.CopyTo(labels, i * LabelsPerSample);
        }
        return new Batch(this, epoch, index, data!, shape, labels, LabelsPerSample, samples, paths);
    }

    private GridShape CheckShape(int item, GridShape shape)
    {
        lock (shapeGate)
        {
            volumeShape ??= shape;
            if (volumeShape != shape)
                throw new DataLoadException(items[item].Path, new InvalidDataException(
                    $"volume is {shape} after preprocessing but the batches are {volumeShape}; set a grid (crop/pad) or conform the volumes"));
            return shape;
        }
    }

    private float[] Rent(long length, bool fullBatch)
    {
        if (length > Array.MaxLength) throw new InvalidOperationException($"a batch of {length} floats is too large");
        if (fullBatch)
            while (buffers.TryTake(out var b))
                if (b.LongLength == length) return b;
        return new float[length];
    }

    internal void Return(float[] buffer)
    {
        if (buffers.Count < Options.Prefetch + Options.Workers + 2) buffers.Add(buffer);
    }

    public void Dispose()
    {
        if (disposing.IsCancellationRequested) return;
        disposing.Cancel();
        cache.Clear();
        buffers.Clear();
    }

    /// <summary>The workers and hand-over slots of one epoch's enumeration.</summary>
    private sealed class EpochRun : IDisposable
    {
        private readonly VolumeLoader loader;
        private readonly int epoch;
        private readonly int[] order;
        private readonly TaskCompletionSource<Batch>[] slots;
        private readonly SemaphoreSlim ahead;
        private readonly CancellationTokenSource stop;
        private readonly Task[] workers;
        private int next = -1;
        private int taken;
        private volatile bool failed;

        public EpochRun(VolumeLoader loader, int epoch, int[] order, int batches, CancellationToken cancellation)
        {
            (this.loader, this.epoch, this.order) = (loader, epoch, order);
            slots = new TaskCompletionSource<Batch>[batches];
            for (int i = 0; i < batches; i++) slots[i] = new(TaskCreationOptions.RunContinuationsAsynchronously);
            ahead = new SemaphoreSlim(loader.Options.Prefetch);
            stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, loader.disposing.Token);
            workers = new Task[Math.Min(loader.Options.Workers, batches)];
            for (int w = 0; w < workers.Length; w++)
                workers[w] = Task.Factory.StartNew(Work, CancellationToken.None,
                    TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        private void Work()
        {
            var token = stop.Token;
            while (!failed)
            {
                try { ahead.Wait(token); }
                catch (OperationCanceledException) { return; }
                int b = Interlocked.Increment(ref next);
                if (b >= slots.Length || failed) return;
                try
                {
                    slots[b].SetResult(loader.Build(epoch, b, order, token));
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    slots[b].TrySetCanceled(token);
                    return;
                }
                catch (Exception e)
                {
                    // Batches before b still complete, so the consumer meets this error in order.
                    failed = true;
                    slots[b].TrySetException(e);
                    return;
                }
            }
        }

        public Batch Take(int b)
        {
            try
            {
                slots[b].Task.Wait(stop.Token);
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
            }
            taken = b + 1;
            ahead.Release();
            return slots[b].Task.Result;
        }

        public void Dispose()
        {
            stop.Cancel();
            try { Task.WaitAll(workers); }
            catch (AggregateException) { }
            for (int b = taken; b < slots.Length; b++)
                if (slots[b].Task.IsCompletedSuccessfully) slots[b].Task.Result.Dispose();
            stop.Dispose();
            ahead.Dispose();
        }
    }
}
