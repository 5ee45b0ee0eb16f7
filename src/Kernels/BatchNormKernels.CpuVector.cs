using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ILGpuNet.Kernels;

// The CPU kernels' inner loops on the vector units (16 values per AVX-512 vector), for the activations of the model:
// identity and SiLU (BatchNormShape.VectorAct; other activations keep the kernels' generic scalar loops). Each vector
// method has a scalar twin (ScalarTwin.cs), which ILGPU compiles and which runs where AVX-512 is absent. The sums of a
// block are taken in 16 lanes and then added across: a different order than the scalar loops, same accuracy.
public static partial class BatchNormKernels
{
    /// <summary><see cref="BatchNormShape.VectorAct"/>: the scalar loop of the kernel's TAct.</summary>
    public const int VectorActNone = 0;

    /// <summary><see cref="BatchNormShape.VectorAct"/>: TAct is IdentityOp.</summary>
    public const int VectorActIdentity = 1;

    /// <summary><see cref="BatchNormShape.VectorAct"/>: TAct is SiluOp.</summary>
    public const int VectorActSilu = 2;

    /// <summary>The two sums of one block of a reduction pass.</summary>
    public struct BlockSums
    {
        public float S1, S2;
    }

    /// <summary>y[i] = act((x[i] - mean) * scale + shift) * branch (+ r[i]) for i &lt; n: one row of <see cref="ForwardCpu{TAct}"/>.</summary>
    [ScalarTwin(nameof(ForwardRowScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ForwardRow(float* x, float* y, float* r, int n, float mean, float scale, float shift, float branch,
        int act, int addResidual)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vm = Vector512.Create(mean);
            var vs = Vector512.Create(scale);
            var vt = Vector512.Create(shift);
            var vb = Vector512.Create(branch);
            for (; i + 16 <= n; i += 16)
            {
                var z = (Vector512.Load(x + i) - vm) * vs + vt;
                if (act == VectorActSilu) z *= Vector512<float>.One / (Vector512<float>.One + VectorMath.Exp(-z));
                z *= vb;
                if (addResidual != 0) z += Vector512.Load(r + i);
                z.Store(y + i);
            }
        }
        ForwardRowScalar(x + i, y + i, r + i, n - i, mean, scale, shift, branch, act, addResidual);
    }

    /// <summary>The scalar twin of <see cref="ForwardRow"/>.</summary>
    public static unsafe void ForwardRowScalar(float* x, float* y, float* r, int n, float mean, float scale, float shift, float branch,
        int act, int addResidual)
    {
        for (int i = 0; i < n; i++)
        {
            float z = (x[i] - mean) * scale + shift;
            if (act == VectorActSilu) z = default(SiluOp).Forward(z);
            z *= branch;
            if (addResidual != 0) z += r[i];
            y[i] = z;
        }
    }

    /// <summary>The sums of (x[i] - shift) and its square over [b0, b1): one block of <see cref="StatsCpu"/>.</summary>
    [ScalarTwin(nameof(StatsBlockScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe BlockSums StatsBlock(float* x, int b0, int b1, float shift)
    {
        if (!Vector512.IsHardwareAccelerated) return StatsBlockScalar(x, b0, b1, shift);
        var vs = Vector512.Create(shift);
        Vector512<float> s1 = default, s2 = default;
        int i = b0;
        for (; i + 16 <= b1; i += 16)
        {
            var a = Vector512.Load(x + i) - vs;
            s1 += a;
            s2 += a * a;
        }
        var tail = StatsBlockScalar(x, i, b1, shift);
        return new BlockSums { S1 = Vector512.Sum(s1) + tail.S1, S2 = Vector512.Sum(s2) + tail.S2 };
    }

    /// <summary>The scalar twin of <see cref="StatsBlock"/>.</summary>
    public static unsafe BlockSums StatsBlockScalar(float* x, int b0, int b1, float shift)
    {
        float s1 = 0f, s2 = 0f;
        for (int i = b0; i < b1; i++)
        {
            float a = x[i] - shift;
            s1 += a;
            s2 += a * a;
        }
        return new BlockSums { S1 = s1, S2 = s2 };
    }

    /// <summary>
    /// One block [b0, b1) of <see cref="BackwardSumsSiluFromOutputCpu"/>: g = dy * s * (1 + z (1 - s)) with the sigmoid
    /// s = y / z (1/2 where z^2 &lt;= 1e-30), stored when <paramref name="store"/> != 0; the sums of g and g * (x - mean).
    /// </summary>
    [ScalarTwin(nameof(SiluFromOutputBlockScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe BlockSums SiluFromOutputBlock(float* x, float* y, float* dy, float* g, int b0, int b1, float mean, float scale,
        float shift, int store)
    {
        if (!Vector512.IsHardwareAccelerated) return SiluFromOutputBlockScalar(x, y, dy, g, b0, b1, mean, scale, shift, store);
        var vm = Vector512.Create(mean);
        var vs = Vector512.Create(scale);
        var vt = Vector512.Create(shift);
        var half = Vector512.Create(0.5f);
        var tiny = Vector512.Create(1e-30f);
        Vector512<float> s1 = default, s2 = default;
        int i = b0;
        for (; i + 16 <= b1; i += 16)
        {
            var u = Vector512.Load(x + i) - vm;
            var z = u * vs + vt;
            var sig = Vector512.ConditionalSelect(Vector512.GreaterThan(z * z, tiny), Vector512.Load(y + i) / z, half);
            var gi = Vector512.Load(dy + i) * sig * (Vector512<float>.One + z * (Vector512<float>.One - sig));
            s1 += gi;
            s2 += gi * u;
            if (store != 0) gi.Store(g + i);
        }
        var tail = SiluFromOutputBlockScalar(x, y, dy, g, i, b1, mean, scale, shift, store);
        return new BlockSums { S1 = Vector512.Sum(s1) + tail.S1, S2 = Vector512.Sum(s2) + tail.S2 };
    }

    /// <summary>The scalar twin of <see cref="SiluFromOutputBlock"/>.</summary>
    public static unsafe BlockSums SiluFromOutputBlockScalar(float* x, float* y, float* dy, float* g, int b0, int b1, float mean, float scale,
        float shift, int store)
    {
        float s1 = 0f, s2 = 0f;
        for (int i = b0; i < b1; i++)
        {
            float u = x[i] - mean;
            float z = u * scale + shift;
            float sig = z * z > 1e-30f ? y[i] / z : 0.5f;
            float gi = dy[i] * sig * (1f + z * (1f - sig));
            s1 += gi;
            s2 += gi * u;
            if (store != 0) g[i] = gi;
        }
        return new BlockSums { S1 = s1, S2 = s2 };
    }

    /// <summary>One block [b0, b1) of <see cref="BackwardSumsCpu{TAct}"/> without activation: g = dy * branch; the sums of g and g * (x - mean).</summary>
    [ScalarTwin(nameof(IdentityBackwardBlockScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe BlockSums IdentityBackwardBlock(float* x, float* dy, int b0, int b1, float mean, float branch)
    {
        if (!Vector512.IsHardwareAccelerated) return IdentityBackwardBlockScalar(x, dy, b0, b1, mean, branch);
        var vm = Vector512.Create(mean);
        var vb = Vector512.Create(branch);
        Vector512<float> s1 = default, s2 = default;
        int i = b0;
        for (; i + 16 <= b1; i += 16)
        {
            var gi = Vector512.Load(dy + i) * vb;
            s1 += gi;
            s2 += gi * (Vector512.Load(x + i) - vm);
        }
        var tail = IdentityBackwardBlockScalar(x, dy, i, b1, mean, branch);
        return new BlockSums { S1 = Vector512.Sum(s1) + tail.S1, S2 = Vector512.Sum(s2) + tail.S2 };
    }

    /// <summary>The scalar twin of <see cref="IdentityBackwardBlock"/>.</summary>
    public static unsafe BlockSums IdentityBackwardBlockScalar(float* x, float* dy, int b0, int b1, float mean, float branch)
    {
        float s1 = 0f, s2 = 0f;
        for (int i = b0; i < b1; i++)
        {
            float gi = dy[i] * branch;
            s1 += gi;
            s2 += gi * (x[i] - mean);
        }
        return new BlockSums { S1 = s1, S2 = s2 };
    }

    /// <summary>dx[i] = a * dy[i] * branch + b * (x[i] - mean) + c0: one row of <see cref="BackwardInputCpu{TAct}"/> without activation.</summary>
    [ScalarTwin(nameof(IdentityInputRowScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void IdentityInputRow(float* x, float* dy, float* dx, int n, float mean, float branch, float a, float b, float c0)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vm = Vector512.Create(mean);
            var vbr = Vector512.Create(branch);
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            var vc = Vector512.Create(c0);
            for (; i + 16 <= n; i += 16)
                (va * (Vector512.Load(dy + i) * vbr) + vb * (Vector512.Load(x + i) - vm) + vc).Store(dx + i);
        }
        IdentityInputRowScalar(x + i, dy + i, dx + i, n - i, mean, branch, a, b, c0);
    }

    /// <summary>The scalar twin of <see cref="IdentityInputRow"/>.</summary>
    public static unsafe void IdentityInputRowScalar(float* x, float* dy, float* dx, int n, float mean, float branch, float a, float b, float c0)
    {
        for (int i = 0; i < n; i++) dx[i] = a * (dy[i] * branch) + b * (x[i] - mean) + c0;
    }

    /// <summary>dx[i] = a * dx[i] + b * x[i] + c1 (g already in dx): one row of <see cref="BackwardInputFromGCpu"/>.</summary>
    [ScalarTwin(nameof(InputFromGRowScalar))]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void InputFromGRow(float* x, float* dx, int n, float a, float b, float c1)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            var vc = Vector512.Create(c1);
            for (; i + 16 <= n; i += 16) (va * Vector512.Load(dx + i) + vb * Vector512.Load(x + i) + vc).Store(dx + i);
        }
        InputFromGRowScalar(x + i, dx + i, n - i, a, b, c1);
    }

    /// <summary>The scalar twin of <see cref="InputFromGRow"/>.</summary>
    public static unsafe void InputFromGRowScalar(float* x, float* dx, int n, float a, float b, float c1)
    {
        for (int i = 0; i < n; i++) dx[i] = a * dx[i] + b * x[i] + c1;
    }
}
