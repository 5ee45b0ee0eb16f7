using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// The data of one batch normalisation: x viewed as (Batch, Channels, Spatial), NCDHW with the spatial
/// axes flattened (Spatial = 1 for (N, C) inputs). Flags say which optional operands the fused passes read.
/// A plain struct so kernels take it as one parameter.
/// </summary>
public struct BatchNormShape
{
    /// <summary>y also adds a residual tensor of x's shape.</summary>
    public const int HasResidual = 1;

    /// <summary>The activated output is scaled per sample (stochastic depth's kept/dropped mask) before the residual.</summary>
    public const int HasBranchScale = 2;

    public int Batch, Channels, Spatial, Flags;

    /// <summary>CPU kernels: the activation their vector rows compute (BatchNormKernels.VectorAct*), 0: TAct's scalar loop.</summary>
    public int VectorAct;

    public BatchNormShape(int batch, int channels, int spatial, int flags)
    {
        Batch = batch;
        Channels = channels;
        Spatial = spatial;
        Flags = flags;
    }

    /// <summary>(sample, channel) rows of Spatial contiguous values.</summary>
    public readonly int Rows => Batch * Channels;
}

/// <summary>
/// The scalars of a reduction pass and of the per-channel finalize its last arrival runs (one struct keeps the
/// kernels within ILGPU's parameter count): splits per channel, 1 / M and 1 / (M - 1) for M values per channel,
/// eps and momentum, UpdateRunning (0 none, 1 running statistics, 2 also num_batches_tracked), Training (the
/// backward's batch-statistics terms) and StoreG (CPU: the sums pass stores g for the dx pass).
/// </summary>
public struct BatchNormReduce
{
    public int Splits;
    public float InvCount, InvCountUnbiased, Eps, Momentum;
    public int UpdateRunning, Training, StoreG;
}

/// <summary>
/// Batch normalisation over (N, C, spatial) with an optional fused activation (TAct: IdentityOp or
/// SiluOp), per-sample branch scale and residual add:
///   y = branch[n] * act(z) + residual,  z = (x - mean[c]) * gamma[c] * invstd[c] + beta[c].
/// Passes (training forward): statistics partials (one read of x; BatchNormKernels.Cpu/.Cuda) whose last
/// thread or group to finish merges them per channel (mean, invstd, running-statistics update; Work.ArrivesLast),
/// then the apply pass (read x, write y): two launches. Backward: sums partials of g = act'(z) * branch * dy and
/// g * (x - mean) (one read of x and dy, z recomputed instead of stored) whose last arrival computes the
/// dx = A * g + B * (x - mean) + C0 coefficients and dgamma/dbeta, then the apply pass (read x and dy, write dx).
/// Per-channel tables: stats = [mean (C); invstd (C)], coef = [A (C); B (C); C0 (C)]. On the CPU
/// accelerator a fused activation's g is stored by the sums pass and read back by the dx pass
/// (BackwardInputFromGCpu): there the exp costs more than a pass over memory.
/// The apply passes here serve CUDA (chunk 1: a coalesced grid-stride loop, Float4s when Spatial % 4 == 0);
/// the CPU accelerator runs pointer siblings over whole (sample, channel) rows (BatchNormKernels.Cpu.cs).
/// </summary>
[OpKind("batchnorm")]
public static partial class BatchNormKernels
{
    /// <summary>
    /// The statistics of channel c from its splits' partials, merged in index order (Chan's formula):
    /// stats = [mean; 1/sqrt(biased var + eps)] and, with UpdateRunning, PyTorch's running update
    /// running = (1 - momentum) * running + momentum * batch value with the unbiased variance M2 / (count - 1);
    /// UpdateRunning 2 also adds 1 to batchesTracked[0] (the module's num_batches_tracked) at c = 0.
    /// Partials layout: [count; mean; M2], each channels * splits long. Run by the statistics kernels' last
    /// arrival (<see cref="Work.ArrivesLast"/>), so the training forward needs no separate finalize launch.
    /// </summary>
    private static void FinalizeStatistics(ArrayView<float> partials, ArrayView<float> stats, ArrayView<float> runningMean,
        ArrayView<float> runningVar, ArrayView<float> batchesTracked, int c, int channels, BatchNormReduce r)
    {
        int items = channels * r.Splits;
        var m = default(Moments);
        for (int j = 0; j < r.Splits; j++)
        {
            int g = c * r.Splits + j;
            m.Merge(partials[g], partials[items + g], partials[2 * items + g]);
        }
        float m2 = Math.Max(m.M2, 0f);
        stats[c] = m.Mean;
        stats[channels + c] = 1f / MathF.Sqrt(m2 * r.InvCount + r.Eps);
        if (r.UpdateRunning != 0)
        {
            runningMean[c] = r.Momentum * m.Mean + (1f - r.Momentum) * runningMean[c];
            runningVar[c] = r.Momentum * (m2 * r.InvCountUnbiased) + (1f - r.Momentum) * runningVar[c];
        }
        if (r.UpdateRunning == 2 && c == 0) batchesTracked[0] += 1f;
    }

    /// <summary>Evaluation: stats = [running_mean; 1/sqrt(running_var + eps)].</summary>
    [Kernel]
    public static void RunningStats(ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> stats, int channels, float eps, int chunk)
    {
        for (var work = Work.Ranges(channels, chunk); work.Next();)
        {
            int start = work.Start, end = work.End;
            for (int c = start; c < end; c++)
            {
                stats[c] = runningMean[c];
                stats[channels + c] = 1f / MathF.Sqrt(runningVar[c] + eps);
            }
        }
    }

    /// <summary>
    /// Per channel, from the backward sums (sum g, sum g * (x - mean); layout [2][channels * splits],
    /// splits = 0 when none were taken): dgamma = sum g (x - mean) * invstd, dbeta = sum g, and the
    /// dx coefficients A = gamma * invstd and, in training (batch statistics), B = -A * invstd^2 * sum g (x - mean) / M,
    /// C0 = -A * sum g / M (0 in evaluation, where mean and invstd are constants).
    /// </summary>
    [Kernel]
    public static void BackwardFinalize(ArrayView<float> partials, ArrayView<float> stats, ArrayView<float> gamma, ArrayView<float> coef,
        ArrayView<float> dgamma, ArrayView<float> dbeta, int channels, int splits, float invCount, int training, int chunk)
    {
        var r = new BatchNormReduce { Splits = splits, InvCount = invCount, Training = training };
        for (var work = Work.Ranges(channels, chunk); work.Next();)
            for (int c = work.Start; c < work.End; c++) FinalizeBackward(partials, stats, gamma, coef, dgamma, dbeta, c, channels, r);
    }

    /// <summary>
    /// <see cref="BackwardFinalize"/> for channel c; run by the backward sums kernels' last arrival, reading the sums
    /// from work[0 .. 2 * channels * splits) and writing coef to work[2 * channels * splits ..) (one buffer keeps
    /// the launch within ILGPU's parameter count).
    /// </summary>
    private static void FinalizeBackward(ArrayView<float> partials, ArrayView<float> stats, ArrayView<float> gamma, ArrayView<float> coef,
        ArrayView<float> dgamma, ArrayView<float> dbeta, int c, int channels, BatchNormReduce r)
    {
        int items = channels * r.Splits;
        float sumG = 0f, sumGx = 0f;
        for (int j = 0; j < r.Splits; j++)
        {
            sumG += partials[c * r.Splits + j];
            sumGx += partials[items + c * r.Splits + j];
        }
        float invstd = stats[channels + c];
        float a = gamma[c] * invstd;
        if (r.Splits > 0)
        {
            dgamma[c] = sumGx * invstd;
            dbeta[c] = sumG;
        }
        coef[c] = a;
        coef[channels + c] = r.Training != 0 ? -a * invstd * invstd * sumGx * r.InvCount : 0f;
        coef[2 * channels + c] = r.Training != 0 ? -a * sumG * r.InvCount : 0f;
    }

    /// <summary>The coefficient table [A; B; C0] that follows the sums in a backward work buffer.</summary>
    public static long CoefOffset(int channels, int splits) => 2L * channels * splits;

    /// <summary>
    /// y = branch[n] * act(z) (+ residual). Items: Float4s when Spatial % 4 == 0, else elements.
    /// <paramref name="residual"/> and <paramref name="branchScale"/> are read only when their flag is set.
    /// </summary>
    [Kernel]
    public static void ForwardCuda<TAct>(ArrayView<float> x, ArrayView<float> stats, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> residual, ArrayView<float> branchScale, ArrayView<float> y, BatchNormShape shape, int chunk)
        where TAct : struct, IUnaryOp
    {
        var act = default(TAct);
        bool addResidual = (shape.Flags & BatchNormShape.HasResidual) != 0;
        if ((shape.Spatial & 3) == 0)
        {
            var x4 = x.Cast<Float4>();
            var r4 = residual.Cast<Float4>();
            var y4 = y.Cast<Float4>();
            int width = shape.Spatial >> 2, n4 = shape.Rows * width;
            for (var work = Work.Ranges(n4, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                int row = start / width, col = start - row * width;
                var k = RowAffine.Load(row, stats, gamma, beta, branchScale, shape);
                for (int i = start; i < end; i++)
                {
                    var v = x4[i];
                    var o = new Float4(
                        act.Forward((v.X - k.Mean) * k.Scale + k.Shift) * k.Branch,
                        act.Forward((v.Y - k.Mean) * k.Scale + k.Shift) * k.Branch,
                        act.Forward((v.Z - k.Mean) * k.Scale + k.Shift) * k.Branch,
                        act.Forward((v.W - k.Mean) * k.Scale + k.Shift) * k.Branch);
                    if (addResidual)
                    {
                        var r = r4[i];
                        o = new Float4(o.X + r.X, o.Y + r.Y, o.Z + r.Z, o.W + r.W);
                    }
                    y4[i] = o;
                    if (++col == width && i + 1 < end)
                    {
                        col = 0;
                        k = RowAffine.Load(++row, stats, gamma, beta, branchScale, shape);
                    }
                }
            }
        }
        else
        {
            int width = shape.Spatial, n = shape.Rows * width;
            for (var work = Work.Ranges(n, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                int row = start / width, col = start - row * width;
                var k = RowAffine.Load(row, stats, gamma, beta, branchScale, shape);
                for (int i = start; i < end; i++)
                {
                    float o = act.Forward((x[i] - k.Mean) * k.Scale + k.Shift) * k.Branch;
                    y[i] = addResidual ? o + residual[i] : o;
                    if (++col == width && i + 1 < end)
                    {
                        col = 0;
                        k = RowAffine.Load(++row, stats, gamma, beta, branchScale, shape);
                    }
                }
            }
        }
    }

    /// <summary>
    /// dx = A * g + B * (x - mean) + C0 with g = act'(z) * branch[n] * dy, z recomputed from x (coef:
    /// BackwardFinalize). Items as in <see cref="ForwardCuda{TAct}"/>.
    /// </summary>
    [Kernel]
    public static void BackwardInputCuda<TAct>(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> stats, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> coef, ArrayView<float> branchScale, ArrayView<float> dx, BatchNormShape shape, int chunk)
        where TAct : struct, IUnaryOp
    {
        var act = default(TAct);
        int channels = shape.Channels;
        if ((shape.Spatial & 3) == 0)
        {
            var x4 = x.Cast<Float4>();
            var dy4 = dy.Cast<Float4>();
            var dx4 = dx.Cast<Float4>();
            int width = shape.Spatial >> 2, n4 = shape.Rows * width;
            for (var work = Work.Ranges(n4, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                int row = start / width, col = start - row * width;
                var k = RowAffine.Load(row, stats, gamma, beta, branchScale, shape);
                int c = row % channels;
                float a = coef[c], b = coef[channels + c], c0 = coef[2 * channels + c];
                for (int i = start; i < end; i++)
                {
                    var v = x4[i];
                    var d = dy4[i];
                    float ux = v.X - k.Mean, uy = v.Y - k.Mean, uz = v.Z - k.Mean, uw = v.W - k.Mean;
                    dx4[i] = new Float4(
                        a * act.Backward(ux * k.Scale + k.Shift, d.X * k.Branch) + b * ux + c0,
                        a * act.Backward(uy * k.Scale + k.Shift, d.Y * k.Branch) + b * uy + c0,
                        a * act.Backward(uz * k.Scale + k.Shift, d.Z * k.Branch) + b * uz + c0,
                        a * act.Backward(uw * k.Scale + k.Shift, d.W * k.Branch) + b * uw + c0);
                    if (++col == width && i + 1 < end)
                    {
                        col = 0;
                        k = RowAffine.Load(++row, stats, gamma, beta, branchScale, shape);
                        c = row % channels;
                        a = coef[c];
                        b = coef[channels + c];
                        c0 = coef[2 * channels + c];
                    }
                }
            }
        }
        else
        {
            int width = shape.Spatial, n = shape.Rows * width;
            for (var work = Work.Ranges(n, chunk); work.Next();)
            {
                int start = work.Start, end = work.End;
                int row = start / width, col = start - row * width;
                var k = RowAffine.Load(row, stats, gamma, beta, branchScale, shape);
                int c = row % channels;
                float a = coef[c], b = coef[channels + c], c0 = coef[2 * channels + c];
                for (int i = start; i < end; i++)
                {
                    float u = x[i] - k.Mean;
                    dx[i] = a * act.Backward(u * k.Scale + k.Shift, dy[i] * k.Branch) + b * u + c0;
                    if (++col == width && i + 1 < end)
                    {
                        col = 0;
                        k = RowAffine.Load(++row, stats, gamma, beta, branchScale, shape);
                        c = row % channels;
                        a = coef[c];
                        b = coef[channels + c];
                        c0 = coef[2 * channels + c];
                    }
                }
            }
        }
    }

    /// <summary>The constants of one (sample, channel) row: z = (x - Mean) * Scale + Shift, output scaled by Branch.</summary>
    private struct RowAffine
    {
        public float Mean, Scale, Shift, Branch;

        public static RowAffine Load(int row, ArrayView<float> stats, ArrayView<float> gamma, ArrayView<float> beta,
            ArrayView<float> branchScale, BatchNormShape shape)
        {
            int n = row / shape.Channels, c = row - n * shape.Channels;
            RowAffine k;
            k.Mean = stats[c];
            k.Scale = gamma[c] * stats[shape.Channels + c];
            k.Shift = beta[c];
            k.Branch = (shape.Flags & BatchNormShape.HasBranchScale) != 0 ? branchScale[n] : 1f;
            return k;
        }
    }

    /// <summary>
    /// Count, mean and sum of squared deviations (M2) of a set of values, merged with Chan et al.'s
    /// pairwise formula. Values arrive in blocks summed around a shift close to the mean (the running mean
    /// after the first block), so neither the block sums nor the merge cancel catastrophically, even for
    /// data whose mean is large against its spread.
    /// </summary>
    private struct Moments
    {
        public float Count, Mean, M2;

        public void Merge(float count, float mean, float m2)
        {
            float total = Count + count;
            if (total == 0f) return;
            float delta = mean - Mean;
            float share = count / total;
            Mean += delta * share;
            M2 += m2 + delta * delta * Count * share;
            Count = total;
        }

        /// <summary>A block of <paramref name="count"/> &gt; 0 values v with s1 = sum (v - shift), s2 = sum (v - shift)^2.</summary>
        public void AddBlock(float count, float shift, float s1, float s2)
        {
            float d = s1 / count;
            Merge(count, shift + d, Math.Max(s2 - s1 * d, 0f));
        }
    }

    /// <summary>Values per shifted block before it is merged into the running moments or sums.</summary>
    private const int BlockLength = 256;
}
