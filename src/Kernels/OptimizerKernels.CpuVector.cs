using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPU;

namespace ILGpuNet.Kernels;

// CPU-accelerator optimizer kernels on the vector units: one AVX-512 vector of 16 values per step where the machine
// has it (sqrt and divisions, scalar in AdamStep, are what bounded it). The vector code sits in methods with a scalar
// twin (ScalarTwin.cs); the two compute the same operations in the same order, so they agree bit for bit.
public static partial class OptimizerKernels
{
    /// <summary>Values per vector step of the CPU kernels; the host rounds their chunks to a multiple of it.</summary>
    public const int CpuVectorWidth = 16;

    /// <summary>
    /// <see cref="AdamStep"/> for the CPU accelerator: the same update, the same operations in the same order, over
    /// each thread's contiguous range of the n values (items: values, chunk a multiple of <see cref="CpuVectorWidth"/>).
    /// </summary>
    [Kernel]
    public static unsafe void AdamStepCpu(ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v,
        ArrayView<float> scale, AdamHyper h, int n, int chunk)
    {
        float s = h.ScaleGrad != 0 ? scale[0] : 1f;
        fixed (float* pq = &p[0])
        fixed (float* gq = &g[0])
        fixed (float* mq = &m[0])
        fixed (float* vq = &v[0])
            for (var work = Work.Ranges(n, chunk); work.Next();)
                AdamRange(pq, gq, mq, vq, s, h, work.Start, work.End);
    }

    /// <summary>Values [start, end) of <see cref="AdamStepCpu"/>: 16 at a time, then the tail one by one.</summary>
    [ScalarTwin(nameof(AdamRangeScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void AdamRange(float* p, float* g, float* m, float* v, float s, AdamHyper h, int start, int end)
    {
        int i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            var decay = Vector512.Create(h.Decay);
            var l2 = Vector512.Create(h.L2);
            var beta1 = Vector512.Create(1f - h.OneMinusBeta1);
            var oneMinusBeta1 = Vector512.Create(h.OneMinusBeta1);
            var beta2 = Vector512.Create(1f - h.OneMinusBeta2);
            var oneMinusBeta2 = Vector512.Create(h.OneMinusBeta2);
            var bc2Sqrt = Vector512.Create(h.Bc2Sqrt);
            var eps = Vector512.Create(h.Eps);
            var stepSize = Vector512.Create(h.StepSize);
            var sv = Vector512.Create(s);
            bool scaled = h.ScaleGrad != 0;
            for (; i + CpuVectorWidth <= end; i += CpuVectorWidth)
            {
                var gv = Vector512.Load(g + i);
                if (scaled)
                {
                    gv = sv * gv;
                    gv.Store(g + i);
                }
                var pv = Vector512.Load(p + i) * decay;
                gv += l2 * pv;
                var mv = beta1 * Vector512.Load(m + i) + oneMinusBeta1 * gv;
                var vv = beta2 * Vector512.Load(v + i) + oneMinusBeta2 * gv * gv;
                var denom = Vector512.Sqrt(vv) / bc2Sqrt + eps;
                (pv - stepSize * mv / denom).Store(p + i);
                mv.Store(m + i);
                vv.Store(v + i);
            }
        }
        AdamRangeScalar(p, g, m, v, s, h, i, end);
    }

    /// <summary>The scalar twin of <see cref="AdamRange"/>: <see cref="Adam"/> value by value.</summary>
    public static unsafe void AdamRangeScalar(float* p, float* g, float* m, float* v, float s, AdamHyper h, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            float gi = g[i];
            if (h.ScaleGrad != 0)
            {
                gi = s * gi;
                g[i] = gi;
            }
            var r = Adam(p[i], gi, m[i], v[i], h);
            p[i] = r.Param;
            m[i] = r.Mean;
            v[i] = r.Variance;
        }
    }

    /// <summary>
    /// CPU accelerator, first pass of a flat gradient buffer's squared norm (CUDA uses the block reduction
    /// ReductionKernels.SumCuda instead): partials[thread] = the sum of x^2 over the thread's
    /// contiguous range (items: values, chunk a multiple of <see cref="CpuVectorWidth"/>), in blocks of
    /// <see cref="SquaredNormBlock"/> x 4 values added to the total. Fixed owners and order: deterministic for a launch shape.
    /// </summary>
    [Kernel]
    public static unsafe void SquaredNormPartialsCpu(ArrayView<float> x, ArrayView<float> partials, int n, int chunk)
    {
        float total = 0f;
        fixed (float* xq = &x[0])
            for (var work = Work.Ranges(n, chunk); work.Next();)
                total += SquaredNormRange(xq, work.Start, work.End);
        partials[Work.ThreadIndex] = total;
    }

    /// <summary>The sum of x[i]^2 over [start, end): blocks of 512 values in four 16-lane accumulators, block sums added in order.</summary>
    [ScalarTwin(nameof(SquaredNormRangeScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float SquaredNormRange(float* x, int start, int end)
    {
        if (!Vector512.IsHardwareAccelerated) return SquaredNormRangeScalar(x, start, end);
        const int block = SquaredNormBlock * 4;
        float total = 0f;
        int i = start;
        for (; i + block <= end; i += block)
        {
            Vector512<float> a = default, b = default, c = default, d = default;
            for (int j = i; j < i + block; j += 64)
            {
                var x0 = Vector512.Load(x + j);
                var x1 = Vector512.Load(x + j + 16);
                var x2 = Vector512.Load(x + j + 32);
                var x3 = Vector512.Load(x + j + 48);
                a += x0 * x0;
                b += x1 * x1;
                c += x2 * x2;
                d += x3 * x3;
            }
            total += Vector512.Sum((a + b) + (c + d));
        }
        return total + SquaredNormRangeScalar(x, i, end);
    }

    /// <summary>The scalar twin of <see cref="SquaredNormRange"/> (and its tail): four running sums, blocks of 512 values.</summary>
    public static unsafe float SquaredNormRangeScalar(float* x, int start, int end)
    {
        float total = 0f;
        for (int i = start; i < end; i += SquaredNormBlock * 4)
        {
            int stop = Math.Min(i + SquaredNormBlock * 4, end);
            float a = 0f;
            for (int j = i; j < stop; j++) a += x[j] * x[j];
            total += a;
        }
        return total;
    }
}
