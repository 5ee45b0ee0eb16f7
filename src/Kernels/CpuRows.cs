using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ILGpuNet.Kernels;

/// <summary>
/// Contiguous-row loops of the CPU kernels (sums, scales) on the vector units, 16 values per AVX-512 vector, each with its
/// scalar twin (ScalarTwin.cs): ILGPU compiles the twin, the CPU accelerator runs the vector code, or the twin without
/// AVX-512. Sums are taken in blocks of <see cref="SumBlock"/> values added to the total, which keeps the float error
/// near that of a pairwise sum; the lanes make the order differ from the twin's, not the accuracy.
/// </summary>
public static class CpuRows
{
    /// <summary>Values per partial sum before it joins the running total.</summary>
    public const int SumBlock = 512;

    /// <summary>The sum of x[0..n).</summary>
    [ScalarTwin(nameof(SumScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float Sum(float* x, int n)
    {
        if (!Vector512.IsHardwareAccelerated) return SumScalar(x, n);
        float total = 0f;
        int i = 0;
        for (; i + SumBlock <= n; i += SumBlock)
        {
            Vector512<float> a = default, b = default;
            for (int j = i; j < i + SumBlock; j += 32)
            {
                a += Vector512.Load(x + j);
                b += Vector512.Load(x + j + 16);
            }
            total += Vector512.Sum(a + b);
        }
        Vector512<float> c = default;
        for (; i + 16 <= n; i += 16) c += Vector512.Load(x + i);
        return total + Vector512.Sum(c) + SumScalar(x + i, n - i);
    }

    /// <summary>The scalar twin of <see cref="Sum"/>.</summary>
    public static unsafe float SumScalar(float* x, int n)
    {
        float total = 0f;
        for (int i = 0; i < n; i += SumBlock)
        {
            int end = Math.Min(i + SumBlock, n);
            float part = 0f;
            for (int j = i; j < end; j++) part += x[j];
            total += part;
        }
        return total;
    }

    /// <summary>y[i] = x[i] * s + d for i &lt; n (y may be x).</summary>
    [ScalarTwin(nameof(ScaleAddScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ScaleAdd(float* x, float* y, int n, float s, float d)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(s);
            var vd = Vector512.Create(d);
            for (; i + 16 <= n; i += 16) (Vector512.Load(x + i) * vs + vd).Store(y + i);
        }
        ScaleAddScalar(x + i, y + i, n - i, s, d);
    }

    /// <summary>The scalar twin of <see cref="ScaleAdd"/>.</summary>
    public static unsafe void ScaleAddScalar(float* x, float* y, int n, float s, float d)
    {
        for (int i = 0; i < n; i++) y[i] = x[i] * s + d;
    }

    /// <summary>dx[i] = dy[i] * s (when <paramref name="writeDx"/> != 0) and the sum of dy[i] * x[i], for i &lt; n.</summary>
    [ScalarTwin(nameof(ScaleDotScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float ScaleDot(float* dy, float* x, float* dx, int n, float s, int writeDx)
    {
        if (!Vector512.IsHardwareAccelerated) return ScaleDotScalar(dy, x, dx, n, s, writeDx);
        var vs = Vector512.Create(s);
        float total = 0f;
        int i = 0;
        while (i + 16 <= n)
        {
            int end = i + Math.Min(SumBlock, (n - i) & ~15);
            Vector512<float> acc = default;
            for (; i < end; i += 16)
            {
                var g = Vector512.Load(dy + i);
                if (writeDx != 0) (g * vs).Store(dx + i);
                acc += g * Vector512.Load(x + i);
            }
            total += Vector512.Sum(acc);
        }
        return total + ScaleDotScalar(dy + i, x + i, dx + i, n - i, s, writeDx);
    }

    /// <summary>The scalar twin of <see cref="ScaleDot"/>.</summary>
    public static unsafe float ScaleDotScalar(float* dy, float* x, float* dx, int n, float s, int writeDx)
    {
        float total = 0f;
        for (int i = 0; i < n; i += SumBlock)
        {
            int end = Math.Min(i + SumBlock, n);
            float part = 0f;
            for (int j = i; j < end; j++)
            {
                if (writeDx != 0) dx[j] = dy[j] * s;
                part += dy[j] * x[j];
            }
            total += part;
        }
        return total;
    }
}
