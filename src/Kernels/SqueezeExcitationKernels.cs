using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Squeeze-excitation's gate MLP on the pooled channels, p (N, C) -> hidden r -> gate (N, C), and its
/// backward, fused so a block costs a handful of launches instead of two Linear layers' worth (bias
/// expansion, GEMM, activation, bias-gradient reductions). The matrices are tiny (N x C with C up to
/// 1536 and r up to 64 in the reference), so each item is a plain dot product in a fixed order
/// (deterministic); items are walked with <see cref="Work.Ranges"/> (int indices: the tables are tensors).
/// Layouts: w1 (r, C) and w2 (C, r) row-major as PyTorch stores the 1x1x1 convolutions;
/// hidden (2, N, r) holds the pre-activation h and a = SiLU(h).
/// </summary>
[OpKind("linear")]  // the gate's MLP: PyTorch's two 1x1x1 convolutions on pooled maps, Linear-sized
public static class SqueezeExcitationKernels
{
    /// <summary>h[n, j] = b1[j] + invVoxels sum_c w1[j, c] psum[n, c] (psum: channel sums, so p = psum / voxels); a = SiLU(h). Items: N * r.</summary>
    [Kernel]
    public static void Hidden(ArrayView<float> pooled, ArrayView<float> w1, ArrayView<float> b1, ArrayView<float> hidden, int n, int c, int r,
        float invVoxels, int chunk)
    {
        int items = n * r;
        for (var work = Work.Ranges(items, chunk); work.Next();)
        {
            for (int i = work.Start; i < work.End; i++)
            {
                int sample = i / r, j = i - sample * r;
                float dot = 0f;
                int pRow = sample * c, wRow = j * c;
                for (int k = 0; k < c; k++) dot += w1[wRow + k] * pooled[pRow + k];
                float h = b1[j] + dot * invVoxels;
                hidden[i] = h;
                hidden[items + i] = h * SigmoidOp.Sigmoid(h);
            }
        }
    }

    /// <summary>gate[n, c] = sigmoid(b2[c] + sum_j w2[c, j] a[n, j]). Items: N * C.</summary>
    [Kernel]
    public static void Gate(ArrayView<float> hidden, ArrayView<float> w2, ArrayView<float> b2, ArrayView<float> gate, int n, int c, int r, int chunk)
    {
        int activations = n * r;
        for (var work = Work.Ranges(n * c, chunk); work.Next();)
        {
            for (int i = work.Start; i < work.End; i++)
            {
                int sample = i / c, ch = i - sample * c;
                float z = b2[ch];
                int aRow = activations + sample * r;
                int wRow = ch * r;
                for (int j = 0; j < r; j++) z += w2[wRow + j] * hidden[aRow + j];
                gate[i] = SigmoidOp.Sigmoid(z);
            }
        }
    }

    /// <summary>
    /// From dgate (N, C), given as the channel-scale backward's partial sums (<paramref name="splits"/> per (n, c), in
    /// order, so no separate pass adds them): dz = dgate g (1 - g) is recomputed where needed. Items, in three ranges:
    /// dh[n, j] = SiLU'(h[n, j]) sum_c w2[c, j] dz[n, c] (N * r items, into dh);
    /// dw2[c, j] = sum_n dz[n, c] a[n, j] (C * r items); db2[c] = sum_n dz[n, c] (C items).
    /// </summary>
    [Kernel]
    public static void BackwardGate(ArrayView<float> hidden, ArrayView<float> gate, ArrayView<float> dgate, ArrayView<float> w2,
        ArrayView<float> dh, ArrayView<float> dw2, ArrayView<float> db2, int n, int c, int r, int splits, int chunk)
    {
        int hiddenItems = n * r, weightItems = c * r;
        for (var work = Work.Ranges(hiddenItems + weightItems + c, chunk); work.Next();)
        {
            for (int i = work.Start; i < work.End; i++)
            {
                if (i < hiddenItems)
                {
                    int sample = i / r, j = i - sample * r;
                    float da = 0f;
                    int row = sample * c;
                    for (int k = 0; k < c; k++) da += w2[k * r + j] * GateGrad(gate[row + k], Sum(dgate, row + k, splits));
                    float h = hidden[i], s = SigmoidOp.Sigmoid(h);
                    dh[i] = da * s * (1f + h * (1f - s));
                }
                else if (i < hiddenItems + weightItems)
                {
                    int w = i - hiddenItems;
                    int ch = w / r, j = w - ch * r;
                    float acc = 0f;
                    for (int s = 0; s < n; s++) acc += GateGrad(gate[s * c + ch], Sum(dgate, s * c + ch, splits)) * hidden[hiddenItems + s * r + j];
                    dw2[w] = acc;
                }
                else
                {
                    int ch = i - hiddenItems - weightItems;
                    float acc = 0f;
                    for (int s = 0; s < n; s++) acc += GateGrad(gate[s * c + ch], Sum(dgate, s * c + ch, splits));
                    db2[ch] = acc;
                }
            }
        }
    }

    /// <summary>
    /// From dh (N, r) and the channel sums psum (N, C). Items, in three ranges: dpooled[n, c] = invVoxels sum_j
    /// w1[j, c] dh[n, j] (N * C items; the mean's backward folded in); dw1[j, c] = invVoxels sum_n dh[n, j] psum[n, c]
    /// (r * C items); db1[j] = sum_n dh[n, j] (r items).
    /// </summary>
    [Kernel]
    public static void BackwardHidden(ArrayView<float> pooled, ArrayView<float> dh, ArrayView<float> w1,
        ArrayView<float> dpooled, ArrayView<float> dw1, ArrayView<float> db1, int n, int c, int r, float invVoxels, int chunk)
    {
        int inputItems = n * c, weightItems = r * c;
        for (var work = Work.Ranges(inputItems + weightItems + r, chunk); work.Next();)
        {
            for (int i = work.Start; i < work.End; i++)
            {
                if (i < inputItems)
                {
                    int sample = i / c, ch = i - sample * c;
                    float acc = 0f;
                    int row = sample * r;
                    for (int j = 0; j < r; j++) acc += w1[j * c + ch] * dh[row + j];
                    dpooled[i] = acc * invVoxels;
                }
                else if (i < inputItems + weightItems)
                {
                    int w = i - inputItems;
                    int j = w / c, ch = w - j * c;
                    float acc = 0f;
                    for (int s = 0; s < n; s++) acc += dh[s * r + j] * pooled[s * c + ch];
                    dw1[w] = acc * invVoxels;
                }
                else
                {
                    int j = i - inputItems - weightItems;
                    float acc = 0f;
                    for (int s = 0; s < n; s++) acc += dh[s * r + j];
                    db1[j] = acc;
                }
            }
        }
    }

    /// <summary>CPU: <see cref="InputGrad"/>, each thread a contiguous range of the n values, row by row on the vector units.</summary>
    [OpKind("elementwise")]
    [Kernel]
    public static unsafe void InputGradCpu(ArrayView<float> dy, ArrayView<float> gate, ArrayView<float> dpooled, ArrayView<float> dx, int n, int inner, int chunk)
    {
        fixed (float* gq = &dy[0])
        fixed (float* dq = &dx[0])
            for (var work = Work.Ranges(n, chunk); work.Next();)
                for (int i = work.Start, end = work.End; i < end;)
                {
                    int row = i / inner, stop = (int)Math.Min((long)(row + 1) * inner, end);
                    CpuRows.ScaleAdd(gq + i, dq + i, stop - i, gate[row], dpooled[row]);
                    i = stop;
                }
    }

    /// <summary>
    /// dx = dy * gate[row] + dpooled[row] for x viewed as (rows, inner): the scale's and the mean's
    /// gradients in one pass. Launch over n / 4 items when inner % 4 == 0 (Float4), else over n.
    /// </summary>
    [OpKind("elementwise")]
    [Kernel]
    public static void InputGrad(ArrayView<float> dy, ArrayView<float> gate, ArrayView<float> dpooled, ArrayView<float> dx, int n, int inner, int chunk)
    {
        if ((inner & 3) == 0)
        {
            var dy4 = dy.Cast<Float4>();
            var dx4 = dx.Cast<Float4>();
            int inner4 = inner >> 2;
            for (var work = Work.Ranges(n >> 2, chunk); work.Next();)
            {
                int row = work.Start / inner4, col = work.Start - row * inner4;
                float g = gate[row], d = dpooled[row];
                for (int i = work.Start; i < work.End; i++)
                {
                    var v = dy4[i];
                    dx4[i] = new Float4(v.X * g + d, v.Y * g + d, v.Z * g + d, v.W * g + d);
                    if (++col == inner4 && i + 1 < work.End) { col = 0; row++; g = gate[row]; d = dpooled[row]; }
                }
            }
        }
        else
        {
            for (var work = Work.Ranges(n, chunk); work.Next();)
            {
                int row = work.Start / inner, col = work.Start - row * inner;
                float g = gate[row], d = dpooled[row];
                for (int i = work.Start; i < work.End; i++)
                {
                    dx[i] = dy[i] * g + d;
                    if (++col == inner && i + 1 < work.End) { col = 0; row++; g = gate[row]; d = dpooled[row]; }
                }
            }
        }
    }

    private static float GateGrad(float g, float dg) => dg * g * (1f - g);

    /// <summary>The value of row <paramref name="index"/> from its <paramref name="splits"/> partial sums, added in order.</summary>
    private static float Sum(ArrayView<float> partials, int index, int splits)
    {
        if (splits == 1) return partials[index];
        float acc = 0f;
        long first = (long)index * splits;
        for (int j = 0; j < splits; j++) acc += partials[first + j];
        return acc;
    }
}
