using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

public static partial class Ops
{
    /// <summary>
    /// y = op(a) op(b) for matrices. Backward (for y = A B): dA = dY B^T, dB = A^T dY, with the transposes
    /// folded into the GEMM flags so no operand is ever copied.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        var device = a.Device;
        int m = transA ? a.Dim(1) : a.Dim(0), n = transB ? b.Dim(0) : b.Dim(1);
        var y = Tensor.Empty(device, m, n);
        Blas.Gemm(a, transA, b, transB, y);
        Autograd.Record("matmul", y, [a, b], dy =>
        {
            if (a.RequiresGrad)
            {
                var da = Autograd.NewGradFor(a);
                // op(A) = dY op(B)^T; stored A = op(A) or its transpose.
                if (!transA) Blas.Gemm(dy, false, b, !transB, da);
                else Blas.Gemm(b, transB, dy, true, da);
                Autograd.Accumulate(a, da);
            }
            if (b.RequiresGrad)
            {
                var db = Autograd.NewGradFor(b);
                // op(B) = op(A)^T dY; stored B = op(B) or its transpose.
                if (!transB) Blas.Gemm(a, !transA, dy, false, db);
                else Blas.Gemm(dy, true, a, transA, db);
                Autograd.Accumulate(b, db);
            }
        });
        return y;
    }

    /// <summary>
    /// PyTorch's Linear: y = x W^T + b with x (N, in), W (out, in), b (out). Backward: dx = dY W,
    /// dW = dY^T x, db = column sums of dY (deterministic device reduction).
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        if (x.Rank != 2 || weight.Rank != 2 || x.Dim(1) != weight.Dim(1))
            throw new ArgumentException($"Linear: input {x.ShapeText} and weight {weight.ShapeText} do not agree (expected (N, in) and (out, in))");
        if (bias != null && (bias.Length != weight.Dim(0)))
            throw new ArgumentException($"Linear: bias {bias.ShapeText} does not match {weight.Dim(0)} outputs");
        var device = x.Device;
        int batch = x.Dim(0), outputs = weight.Dim(0);
        // Its GEMMs count as "linear" in a profiled step, not as the 1x1x1 convolutions' GEMMs.
        using var tag = KernelProfiler.Tag("linear");
        var y = Tensor.Empty(device, batch, outputs);
        if (bias != null)
        {
            // Seed C with the broadcast bias, then accumulate the product into it (beta = 1).
            device.Run(ElementwiseKernels.Expand, y.Length, bias.View, y.View, y.Elements, 1, outputs, 1f);
            Blas.Gemm(x, false, weight, true, y, 1f, 1f);
        }
        else
        {
            Blas.Gemm(x, false, weight, true, y);
        }
        Tensor[] inputs = bias != null ? [x, weight, bias] : [x, weight];
        Autograd.Record("linear", y, inputs, dy =>
        {
            using var backwardTag = KernelProfiler.Tag("linear");
            if (x.RequiresGrad)
            {
                var dx = Tensor.Empty(device, x.Shape);
                Blas.Gemm(dy, false, weight, false, dx);
                Autograd.Accumulate(x, dx);
            }
            if (weight.RequiresGrad)
            {
                var dw = Autograd.NewGradFor(weight);
                Blas.Gemm(dy, true, x, false, dw);
                Autograd.Accumulate(weight, dw);
            }
            if (bias != null && bias.RequiresGrad)
            {
                var db = Autograd.NewGradFor(bias);
                Reductions.ChannelSum<IdentityOp>(dy.View, db.View, batch, outputs, 1, device);
                Autograd.Accumulate(bias, db);
            }
        });
        return y;
    }
}
