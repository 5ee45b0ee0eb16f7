using ILGPU;
using ILGpuNet.Kernels;
using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

public static partial class Ops
{
    /// <summary>
    /// PyTorch's MaxPool3d (dilation 1, ceil_mode off) over x (N, C, D, H, W): output size
    /// (I + 2 * padding - kernel) / stride + 1 per axis, padding acts as -inf, ties keep the first maximum
    /// in window scan order and NaN propagates. The backward routes each output gradient to its argmax:
    /// the argmax indices are stored as ints (in a float tensor's buffer) only when a gradient is needed,
    /// and gathered per input voxel, so overlapping windows stay deterministic.
    /// <para>
    /// Kernel 1 (the reference model's MaxPool3d(1, stride 2) after the stem) is a strided copy without
    /// indices; its backward is a Float4 zero fill plus a race-free scatter of dy (no two outputs share a voxel)
    /// on CUDA, and one pass by rows through pinned pointers on the CPU accelerator.
    /// </para>
    /// </summary>
    public static Tensor MaxPool3d(Tensor x, (int D, int H, int W) kernel, (int D, int H, int W) stride, (int D, int H, int W) padding)
    {
        var s = PoolShape("MaxPool3d", x, kernel, stride, padding);
        var device = x.Device;
        var y = Tensor.Empty(device, s.N, s.Cout, s.OD, s.OH, s.OW);
        int outputs = y.Elements;
        if (s.KernelVolume == 1)
        {
            var subsample = SubsampleVariants.For(device);
            subsample.Forward(x, y, s);
            Autograd.Record("max_pool3d", y, [x], dy =>
            {
                var dx = Tensor.Empty(device, x.Shape);
                subsample.Backward(dy, dx, s);
                Autograd.Accumulate(x, dx);
            });
            return y;
        }
        bool keep = Autograd.Needs(x);
        var argmax = keep ? Tensor.Empty(device, y.Shape) : null;
        // Without a backward the kernel is told not to store indices; y's buffer stands in for the view.
        device.Run(PoolingKernels.MaxPoolForward, outputs, x.View, y.View, (argmax ?? y).View.Cast<int>(), s, keep ? 1 : 0);
        var node = Autograd.Record("max_pool3d", y, [x], dy =>
        {
            var dx = Tensor.Empty(device, x.Shape);
            device.Run(PoolingKernels.MaxPoolBackward, x.Length, dy.View, argmax!.View.Cast<int>(), dx.View, s);
            Autograd.Accumulate(x, dx);
        });
        if (argmax != null) node!.Save(argmax);
        return y;
    }

    /// <summary>Kernel-1 max pooling (a strided copy) and its backward (dy scattered into a zeroed dx), per family.</summary>
    private sealed record SubsampleKernels(Action<Tensor, Tensor, Conv3dShape> Forward, Action<Tensor, Tensor, Conv3dShape> Backward);

    private static readonly KernelVariants<SubsampleKernels> SubsampleVariants = new("max_pool3d.subsample",
        (KernelFamily.Cpu, "SubsampleCpu, SubsampleBackwardCpu", new SubsampleKernels(
            (x, y, s) => x.Device.Run(PoolingKernels.SubsampleCpu, (long)s.N * s.Cout * s.OD * s.OH, x.View, y.View, s),
            // One pass over dx by rows, zeros and scattered dy written together.
            (dy, dx, s) => dx.Device.Run(PoolingKernels.SubsampleBackwardCpu, (long)s.N * s.Cin * s.D * s.H, dy.View, dx.View, s))),
        (KernelFamily.CudaSimt, "SubsampleCuda, SubsampleBackwardCuda", new SubsampleKernels(
            (x, y, s) => x.Device.Run(PoolingKernels.SubsampleCuda, y.Length, x.View, y.View, s),
            (dy, dx, s) =>
            {
                dx.Fill(0f);
                dx.Device.Run(PoolingKernels.SubsampleBackwardCuda, dy.Length, dy.View, dx.View, s);
            })));

    /// <summary>MaxPool3d with a cubic window; the stride defaults to the kernel size, as in PyTorch.</summary>
    public static Tensor MaxPool3d(Tensor x, int kernel, int? stride = null, int padding = 0)
    {
        int st = stride ?? kernel;
        return MaxPool3d(x, (kernel, kernel, kernel), (st, st, st), (padding, padding, padding));
    }

    /// <summary>
    /// AdaptiveAvgPool3d(1): the mean of each (n, c) volume, shape (N, C, 1, 1, 1) as PyTorch returns it.
    /// A per-sample channel mean (deterministic device reduction) viewed with three unit axes.
    /// </summary>
    public static Tensor AdaptiveAvgPool3d1(Tensor x)
    {
        if (x.Rank != 5) throw new ArgumentException($"AdaptiveAvgPool3d1 needs (N, C, D, H, W), got {x.ShapeText}");
        var mean = ChannelSum(x, mean: true, perSample: true);
        return Reshape(mean, x.Dim(0), x.Dim(1), 1, 1, 1);
    }

    /// <summary>The pooling geometry as a depthwise Conv3dShape, with PyTorch's argument checks.</summary>
    private static Conv3dShape PoolShape(string op, Tensor x, (int D, int H, int W) k, (int D, int H, int W) st, (int D, int H, int W) p)
    {
        if (x.Rank != 5) throw new ArgumentException($"{op} needs (N, C, D, H, W), got {x.ShapeText}");
        if (k.D <= 0 || k.H <= 0 || k.W <= 0) throw new ArgumentException($"{op}: kernel {k} must be positive");
        if (st.D <= 0 || st.H <= 0 || st.W <= 0) throw new ArgumentException($"{op}: stride {st} must be positive");
        // PyTorch: "pad should be at most half of effective kernel size"; it also guarantees that every
        // window holds at least one real voxel, so padding never becomes an output.
        if (p.D < 0 || p.H < 0 || p.W < 0 || p.D > k.D / 2 || p.H > k.H / 2 || p.W > k.W / 2)
            throw new ArgumentException($"{op}: padding {p} must be between 0 and half the kernel {k}");
        int c = x.Dim(1);
        var s = Conv3dShape.Create(x.Dim(0), c, x.Dim(2), x.Dim(3), x.Dim(4), c, k.D, k.H, k.W, st.D, st.H, st.W, p.D, p.H, p.W, groups: c);
        var error = s.Validate();
        if (error != null) throw new ArgumentException($"{op}: {error} ({x.ShapeText})");
        return s;
    }
}
