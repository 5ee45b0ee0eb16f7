using ILGpuNet.Training.Data;
using ILGpuNet.Training.Runs;

namespace ILGpuNet.Tests.Data;

public class LoaderTests
{
    private static readonly GridShape Grid = new(8, 10, 6);

    /// <summary>Volume "v{i}": a brain-like block of values depending on i, zero background around it.</summary>
    private static float[] Volume(int i, GridShape g)
    {
        var data = new float[g.Length];
        for (int d = 1; d < g.D - 1; d++)
            for (int h = 2; h < g.H - 1; h++)
                for (int w = 1; w < g.W; w++)
                    data[(d * g.H + h) * g.W + w] = 100 + i + 10 * MathF.Sin(0.7f * d + 0.3f * h * (i % 3 + 1) + 1.1f * w);
        return data;
    }

    private sealed class CountingSource(GridShape grid, int jitterMs = 0, string? failOn = null) : IVolumeSource
    {
        private int reads;
        public int Reads => Volatile.Read(ref reads);

        public TensorVolume Read(string path)
        {
            Interlocked.Increment(ref reads);
            if (jitterMs > 0) Thread.Sleep(Random.Shared.Next(jitterMs + 1));
            if (path == failOn) throw new InvalidDataException("truncated gzip stream");
            return new TensorVolume(Volume(int.Parse(path[1..]), grid), grid);
        }
    }

    private static List<VolumeItem> Items(int n, int labels = 1) =>
        Enumerable.Range(0, n).Select(i => new VolumeItem($"v{i}", Enumerable.Range(0, labels).Select(l => i + 0.5f * l).ToArray())).ToList();

    private static List<(float[] Data, float[] Labels, int[] Samples)> Run(VolumeLoader loader, int epoch) =>
        loader.Epoch(epoch).Select(b => { using (b) return ((float[])b.Data.Clone(), b.Labels, b.Samples); }).ToList();

    [Fact]
    public void BatchesAreIdenticalForAnyWorkerCountAndTiming()
    {
        var options = new LoaderOptions { BatchSize = 4, Seed = 5, Augmentation = Augmentation.Default };
        using var one = new VolumeLoader(Items(23), new CountingSource(Grid), options with { Workers = 1, Prefetch = 1 });
        using var many = new VolumeLoader(Items(23), new CountingSource(Grid, jitterMs: 3), options with { Workers = 3, Prefetch = 5 });
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var a = Run(one, epoch);
            var b = Run(many, epoch);
            Assert.Equal(6, a.Count);
            Assert.Equal(a.Count, b.Count);
            for (int i = 0; i < a.Count; i++)
            {
                Assert.Equal(a[i].Samples, b[i].Samples);
                Assert.Equal(a[i].Labels, b[i].Labels);
                Assert.Equal(a[i].Data, b[i].Data);
            }
        }
    }

    [Fact]
    public void TrainingShufflesPerEpochAndEvaluationKeepsTheOrder()
    {
        var options = new LoaderOptions { BatchSize = 5, Seed = 1 };
        using var train = new VolumeLoader(Items(23), new CountingSource(Grid), options);
        var e0 = train.Epoch(0).SelectMany(b => b.Samples).ToArray();
        var e1 = train.Epoch(1).SelectMany(b => b.Samples).ToArray();
        Assert.Equal(Enumerable.Range(0, 23), e0.Order());
        Assert.Equal(Enumerable.Range(0, 23), e1.Order());
        Assert.NotEqual(e0, e1);
        Assert.Equal(e0, train.Epoch(0).SelectMany(b => b.Samples));
        Assert.Equal(e0, new VolumeLoader(Items(23), new CountingSource(Grid), options).Order(0));

        using var dropLast = new VolumeLoader(Items(23), new CountingSource(Grid), options with { DropLast = true });
        Assert.Equal(4, dropLast.Epoch(0).Count());

        using var eval = new VolumeLoader(Items(23), new CountingSource(Grid),
            options with { Mode = LoaderMode.Evaluation, DropLast = true });
        var batches = eval.Epoch(3).ToList();
        Assert.Equal(Enumerable.Range(0, 23), batches.SelectMany(b => b.Samples));
        Assert.Equal([5, 5, 5, 5, 3], batches.Select(b => b.Count));
        Assert.Equal([3, 1, 8, 10, 6], batches[^1].Shape);
        Assert.Equal(3 * Grid.Length, batches[^1].Data.Length);
        Assert.Equal(["v20", "v21", "v22"], batches[^1].Paths);
    }

    [Fact]
    public void AugmentationIsAppliedOnlyInTraining()
    {
        var aug = new Augmentation { MaxShift = 2, IntensityScale = 0.2f };
        Assert.Throws<ArgumentException>(() => new VolumeLoader(Items(4), new CountingSource(Grid),
            new LoaderOptions { Mode = LoaderMode.Evaluation, Augmentation = aug }));

        var pre = VolumePreprocessing.Reference;
        float[] Expected(int i) => pre.Prepare(new TensorVolume(Volume(i, Grid), Grid)).Data;

        using var eval = new VolumeLoader(Items(9), new CountingSource(Grid), new LoaderOptions { Mode = LoaderMode.Evaluation, BatchSize = 3 });
        foreach (var b in eval.Epoch(0))
            for (int j = 0; j < b.Count; j++)
                Assert.Equal(Expected(b.Samples[j]), b.Data.AsSpan(j * (int)Grid.Length, (int)Grid.Length).ToArray());

        using var train = new VolumeLoader(Items(9), new CountingSource(Grid), new LoaderOptions { BatchSize = 3, Seed = 2, Augmentation = aug });
        int changed = 0;
        foreach (var b in train.Epoch(0))
            for (int j = 0; j < b.Count; j++)
            {
                var got = b.Data.AsSpan(j * (int)Grid.Length, (int)Grid.Length).ToArray();
                var draw = aug.Draw(2, 0, b.Samples[j]);
                var want = new float[Grid.Length];
                var prepared = pre.Prepare(new TensorVolume(Volume(b.Samples[j], Grid), Grid));
                Augmentation.Apply(draw, prepared.Data, want, Grid, prepared.Background);
                Assert.Equal(want, got);
                if (!draw.IsIdentity) changed++;
            }
        Assert.True(changed >= 7, $"{changed} of 9 samples augmented");

        using var plain = new VolumeLoader(Items(9), new CountingSource(Grid), new LoaderOptions { BatchSize = 3, Seed = 2 });
        foreach (var b in plain.Epoch(0))
            Assert.Equal(Expected(b.Samples[0]), b.Data.AsSpan(0, (int)Grid.Length).ToArray());
    }

    [Fact]
    public void AugmentationFlipsLeftRightShiftsWithBackgroundAndScales()
    {
        var g = new GridShape(3, 2, 4);
        var src = Enumerable.Range(1, (int)g.Length).Select(v => (float)v).ToArray();
        var dst = new float[g.Length];
        float At(float[] a, int d, int h, int w) => a[(d * g.H + h) * g.W + w];

        Augmentation.Apply(new AugmentationDraw(true, 0, 0, 0, 1f), src, dst, g, -7f);
        for (int d = 0; d < 3; d++) Assert.Equal(At(src, 2 - d, 1, 3), At(dst, d, 1, 3)); // mirrored along D (NIfTI x)

        Augmentation.Apply(new AugmentationDraw(false, 0, 1, -1, 2f), src, dst, g, -7f);
        Assert.Equal(-14f, At(dst, 0, 0, 0)); // shifted-in voxels: the background, scaled like the rest
        Assert.Equal(2 * At(src, 0, 0, 1), At(dst, 0, 1, 0));
        Assert.Equal(-14f, At(dst, 1, 1, 3));

        Augmentation.Apply(new AugmentationDraw(false, 5, 0, 0, 1f), src, dst, g, 0f);
        Assert.All(dst, v => Assert.Equal(0f, v));

        var aug = new Augmentation { MaxShift = 3 };
        var draws = Enumerable.Range(0, 2000).Select(i => aug.Draw(77, 4, i)).ToList();
        Assert.InRange(draws.Count(d => d.Flip), 900, 1100);
        Assert.Equal(Enumerable.Range(-3, 7), draws.Select(d => d.ShiftH).Distinct().Order());
        Assert.All(draws, d => Assert.InRange(d.Scale, 0.9f, 1.1f));
        Assert.Equal(draws[5], aug.Draw(77, 4, 5));
        Assert.NotEqual(draws[5], aug.Draw(77, 5, 5));
    }

    [Fact]
    public void CacheServesLaterEpochsWithoutReading()
    {
        var source = new CountingSource(Grid);
        using var cached = new VolumeLoader(Items(10), source, new LoaderOptions { BatchSize = 3, Cache = true, Augmentation = Augmentation.Default });
        var first = Run(cached, 0);
        Assert.Equal(10, source.Reads);
        var again = Run(cached, 0);
        Run(cached, 1);
        Assert.Equal(10, source.Reads);
        Assert.Equal(first.Select(b => b.Data), again.Select(b => b.Data)); // the cache holds un-augmented volumes

        var limited = new CountingSource(Grid);
        using var small = new VolumeLoader(Items(10), limited,
            new LoaderOptions { BatchSize = 3, Cache = true, CacheLimitBytes = 4 * Grid.Length * sizeof(float) });
        Run(small, 0);
        Run(small, 1);
        Assert.Equal(4, small.CachedVolumes);
        Assert.Equal(16, limited.Reads);

        var uncached = new CountingSource(Grid);
        using var plain = new VolumeLoader(Items(10), uncached, new LoaderOptions { BatchSize = 3 });
        Run(plain, 0);
        Run(plain, 1);
        Assert.Equal(20, uncached.Reads);
    }

    [Fact]
    public void WorkerErrorsSurfaceInOrderWithTheFileName()
    {
        using var loader = new VolumeLoader(Items(20), new CountingSource(Grid, failOn: "v9"),
            new LoaderOptions { Mode = LoaderMode.Evaluation, BatchSize = 4, Workers = 3, Prefetch = 4 });
        var delivered = new List<int>();
        var e = Assert.Throws<DataLoadException>(() =>
        {
            foreach (var b in loader.Epoch(0)) delivered.Add(b.Index);
        });
        Assert.Equal([0, 1], delivered);
        Assert.Equal("v9", e.FilePath);
        Assert.Equal("v9: truncated gzip stream", e.Message);
        Assert.IsType<InvalidDataException>(e.InnerException);

        // A message that already names the file is not prefixed twice.
        Assert.Equal("/d/a.nii.gz: bad magic", new DataLoadException("/d/a.nii.gz", new IOException("/d/a.nii.gz: bad magic")).Message);
    }

    [Fact]
    public void AFaultWhileLoadingSurfacesAsItselfNotAsABadFile()
    {
        var bug = new FuncVolumeSource(p => p == "v3" ? throw new IndexOutOfRangeException("a bug in a reader") : new TensorVolume(Volume(0, Grid), Grid));
        using var loader = new VolumeLoader(Items(6), bug, new LoaderOptions { Mode = LoaderMode.Evaluation, BatchSize = 2, Workers = 2 });
        var e = Assert.Throws<IndexOutOfRangeException>(() => loader.Epoch(0).ToList());
        Assert.Equal("a bug in a reader", e.Message);
        Assert.Contains(nameof(AFaultWhileLoadingSurfacesAsItselfNotAsABadFile), e.StackTrace);  // thrown where it happened

        var badFile = new FuncVolumeSource(p => p == "v3" ? throw new Training.Data.Nifti.NiftiException(p, "bad magic") : new TensorVolume(Volume(0, Grid), Grid));
        using var second = new VolumeLoader(Items(6), badFile, new LoaderOptions { Mode = LoaderMode.Evaluation, BatchSize = 2, Workers = 2 });
        var user = Assert.Throws<DataLoadException>(() => second.Epoch(0).ToList());
        Assert.Equal("v3: bad magic", user.Message);
    }

    [Fact]
    public void VolumesOfAnotherShapeAreAnErrorNamingTheFile()
    {
        var source = new FuncVolumeSource(p => p == "v3"
            ? new TensorVolume(new float[4 * 4 * 4], 4, 4, 4)
            : new TensorVolume(Volume(0, Grid), Grid));
        using var loader = new VolumeLoader(Items(6), source, new LoaderOptions { Mode = LoaderMode.Evaluation, BatchSize = 2, Workers = 1 });
        var e = Assert.Throws<DataLoadException>(() => loader.Epoch(0).ToList());
        Assert.Contains("v3", e.Message);
        Assert.Contains("set a grid", e.Message);
    }

    [Fact]
    public void CancellationAndEarlyExitStopTheWorkers()
    {
        var source = new CountingSource(Grid, jitterMs: 2);
        using var loader = new VolumeLoader(Items(200), source, new LoaderOptions { BatchSize = 2, Workers = 2, Prefetch = 2 });
        using (var cts = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                foreach (var b in loader.Epoch(0, cts.Token)) cts.Cancel();
            });
        }
        int afterCancel = source.Reads;
        Assert.InRange(afterCancel, 2, 2 * (1 + 2 + 2));

        foreach (var b in loader.Epoch(1)) { if (b.Index == 2) break; }
        int afterBreak = source.Reads;
        Thread.Sleep(50);
        Assert.Equal(afterBreak, source.Reads); // the enumeration's end joined the workers
        Assert.InRange(afterBreak - afterCancel, 6, 6 + 2 * (2 + 2));

        loader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loader.Epoch(2).First());
    }

    [Fact]
    public void SeveralLabelsPerSampleAreLaidOutRowByRow()
    {
        using var loader = new VolumeLoader(Items(5, labels: 2), new CountingSource(Grid),
            new LoaderOptions { Mode = LoaderMode.Evaluation, BatchSize = 2 });
        var b = loader.Epoch(0).First();
        Assert.Equal(2, b.LabelsPerSample);
        Assert.Equal([0f, 0.5f, 1f, 1.5f], b.Labels);
        Assert.Throws<ArgumentException>(() => new VolumeLoader(
            [new VolumeItem("v0", [1f]), new VolumeItem("v1", [1f, 2f])], new CountingSource(Grid), new LoaderOptions()));
    }

    [Fact]
    public void PoolingAveragesInCeilModeAndCropPadCentres()
    {
        var g = new GridShape(5, 4, 3);
        var src = Enumerable.Range(0, (int)g.Length).Select(v => (float)(v * v % 17)).ToArray();
        var pooled = VolumeLayout.Pool(src, g, 2);
        var o = VolumeLayout.PooledShape(g, 2);
        Assert.Equal(new GridShape(3, 2, 2), o);
        for (int d = 0; d < o.D; d++)
            for (int h = 0; h < o.H; h++)
                for (int w = 0; w < o.W; w++)
                {
                    double sum = 0;
                    int n = 0;
                    for (int a = 2 * d; a < Math.Min(2 * d + 2, g.D); a++)
                        for (int b = 2 * h; b < Math.Min(2 * h + 2, g.H); b++)
                            for (int c = 2 * w; c < Math.Min(2 * w + 2, g.W); c++) { sum += src[(a * g.H + b) * g.W + c]; n++; }
                    Assert.Equal(sum / n, pooled[(d * o.H + h) * o.W + w], 5);
                }

        var padded = VolumeLayout.CropOrPad(src, g, new GridShape(7, 4, 2), fill: -1);
        // D padded by one on each side, W cropped from 3 to 2 (the extra voxel from the high end).
        Assert.Equal(-1f, padded[0]);
        Assert.Equal(src[0], padded[(1 * 4 + 0) * 2 + 0]);
        Assert.Equal(src[1], padded[(1 * 4 + 0) * 2 + 1]);
        Assert.Equal(src[(4 * 4 + 3) * 3 + 1], padded[(5 * 4 + 3) * 2 + 1]);
        Assert.Equal(-1f, padded[^1]);

        var mni = new GridShape(91, 109, 91);
        Assert.Equal(new GridShape(46, 55, 46), VolumeLayout.PooledShape(mni, 2));
        var small = VolumePreprocessing.Small.Prepare(new TensorVolume(new float[mni.Length], mni));
        Assert.Equal(new GridShape(48, 56, 48), small.Shape);
        Assert.Equal(small.Shape.Length, small.Data.Length);
    }
}

/// <summary>The loader on real files: NIfTI written by our writer, a synthetic cohort in the OASIS layout.</summary>
public class LoaderFileTests
{
    [Fact]
    public void NiftiSourceGivesTensorOrderAndConforms()
    {
        string dir = FakeOasis.NewFolder();
        try
        {
            int nx = 5, ny = 4, nz = 3;
            var data = new float[nx * ny * nz];
            for (int z = 0; z < nz; z++)
                for (int y = 0; y < ny; y++)
                    for (int x = 0; x < nx; x++) data[x + nx * (y + ny * z)] = 100 * x + 10 * y + z;
            var affine = new double[,] { { 2, 0, 0, -4 }, { 0, 2, 0, -3 }, { 0, 0, 2, -2 }, { 0, 0, 0, 1 } };
            string path = Path.Combine(dir, "OAS1_0001_MR1_mpr-1_anon.nii.gz");
            Training.Data.Nifti.NiftiWriter.Write(path, new Training.Data.Nifti.NiftiVolume([nx, ny, nz], data, affine));

            var v = new NiftiVolumeSource().Read(path);
            Assert.Equal(new GridShape(5, 4, 3), v.Shape); // D = x, H = y, W = z
            for (int d = 0; d < 5; d++)
                for (int h = 0; h < 4; h++)
                    for (int w = 0; w < 3; w++) Assert.Equal(100 * d + 10 * h + w, v.Data[(d * 4 + h) * 3 + w]);

            // Conforming onto a grid with twice the voxel size samples every other voxel.
            var coarse = new VoxelGrid(3, 2, 2, new double[,] { { 4, 0, 0, -4 }, { 0, 4, 0, -3 }, { 0, 0, 4, -2 }, { 0, 0, 0, 1 } });
            var c = new NiftiVolumeSource(coarse).Read(path);
            Assert.Equal(new GridShape(3, 2, 2), c.Shape);
            Assert.Equal(100 * 2 + 10 * 2 + 2, c.Data[(1 * 2 + 1) * 2 + 1]);

            File.WriteAllBytes(Path.Combine(dir, "broken.nii.gz"), [0x1f, 0x8b, 8, 0, 0, 0]);
            using var loader = new VolumeLoader([new VolumeItem(path, [0]), new VolumeItem(Path.Combine(dir, "broken.nii.gz"), [1])],
                new NiftiVolumeSource(), new LoaderOptions { Mode = LoaderMode.Evaluation, BatchSize = 1 });
            var e = Assert.Throws<DataLoadException>(() => loader.Epoch(0).ToList());
            Assert.StartsWith(Path.Combine(dir, "broken.nii.gz"), e.Message);
            Assert.DoesNotContain("\n", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SyntheticCohortLoadsSplitsAndBatches()
    {
        string dir = FakeOasis.NewFolder();
        try
        {
            Training.Data.Synthetic.SyntheticCohort.Generate(new Training.Data.Synthetic.SyntheticCohortOptions
            {
                OutputDirectory = dir, Subjects = 12, Seed = 3, MaxScans = 2,
                Grid = new Training.Data.Synthetic.SyntheticGrid(16, 18, 16),
            });
            var config = new TrainConfig
            {
                Task = TrainTask.Age, Data = dir, Seed = 4, BatchSize = 3, Workers = 2,
                Normalization = VolumeNormalization.ZScoreBrain, Downsample = 2, Grid = "8x10x8",
            };
            string splits = Path.Combine(dir, "splits.csv");
            var written = RunData.Load(config, dir, null, splits);
            Assert.Equal(12, written.Samples.Select(s => s.SubjectId).Distinct().Count());
            Assert.True(written.Samples.Count > 12);
            var data = RunData.Load(config with { Seed = 5 }, dir, null, splits);  // splits.csv read back
            Assert.Equal(written.Split.Entries, data.Split.Entries);
            var train = data.Part(Split.Train);

            var preprocessing = RunModels.Preprocessing(config);
            Assert.Equal(new VolumePreprocessing { Normalization = VolumeNormalization.ZScoreBrain, Downsample = 2, Grid = new GridShape(8, 10, 8) }, preprocessing);
            using var loader = RunData.TrainingLoader(config, train, new NiftiVolumeSource(), preprocessing);
            var batches = loader.Epoch(0).ToList();
            Assert.Equal(train.Count - train.Count % 3, batches.Sum(b => b.Count));  // the last, smaller batch is dropped
            Assert.All(batches, b => Assert.Equal([3, 1, 8, 10, 8], b.Shape));
            Assert.All(batches, b => Assert.All(b.Data, v => Assert.True(float.IsFinite(v))));
            Assert.All(batches, b => Assert.Equal(3, b.LabelsPerSample));
            Assert.All(batches.SelectMany(b => b.Labels.Where((_, i) => i % 3 == RunData.LabelAge)), l => Assert.InRange(l, 18, 96));
            Assert.All(batches.SelectMany(b => b.Labels.Where((_, i) => i % 3 != RunData.LabelAge)), l => Assert.True(l is 0 or 1));
        }
        finally { Directory.Delete(dir, true); }
    }
}
