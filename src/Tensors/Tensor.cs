using ILGPU;
using ILGPU.Runtime;
using ILGpuNet.Kernels;

namespace ILGpuNet.Tensors;

/// <summary>
/// A float32 tensor in contiguous row-major (NCDHW) layout: shape on the host, data on the device in a
/// pooled buffer, from <see cref="Offset"/> on (0 unless the tensor is a <see cref="Slice"/> of a larger one,
/// e.g. a parameter living in an optimizer's <see cref="FlatParameters"/>). Reshapes and slices share the
/// buffer (reference counted); <see cref="Dispose"/> returns it to the pool once no view uses it. Autograd state (<see cref="Grad"/>, <see cref="GradFn"/>) lives here; the
/// differentiable ops that fill it live in ILGpuNet.Layers.
/// </summary>
public sealed class Tensor : IDisposable
{
    public const int MaxRank = 5;

    /// <summary>
    /// The most elements one tensor holds: 2^31 - 1. Kernels index with int (32-bit address arithmetic in the
    /// hot loops) and are written to be overflow-free up to this count (Kernels/Work.cs); <see cref="Empty"/>
    /// enforces it, so every tensor's <see cref="Elements"/> fits an int.
    /// </summary>
    public const long MaxElements = int.MaxValue;

    private Storage storage;  // replaced only by MoveInto
    private long offset;
    private Tensor? grad;
    private Tensor? reshapeOf;  // the tensor whose data this reshaped view shows (views of views point to the first)
    private int liveReshapes;   // undisposed reshaped views of this tensor
    private bool disposed;

    private Tensor(Device device, Storage storage, long offset, int[] shape)
    {
        Device = device;
        this.storage = storage;
        this.offset = offset;
        Shape = shape;
        Length = NumberOf(shape);
        TensorScope.Register(this);
    }

    public Device Device { get; }

    public int[] Shape { get; }

    public long Length { get; }

    /// <summary><see cref="Length"/> as the int that kernels take; it always fits (<see cref="MaxElements"/>).</summary>
    public int Elements => (int)Length;

    public int Rank => Shape.Length;

    /// <summary>Row-major strides in elements, derived from the shape.</summary>
    public long[] Strides
    {
        get
        {
            var strides = new long[Rank];
            long s = 1;
            for (int i = Rank - 1; i >= 0; i--) { strides[i] = s; s *= Shape[i]; }
            return strides;
        }
    }

    /// <summary>The device data, exactly <see cref="Length"/> elements, 16-byte aligned.</summary>
    public ArrayView<float> View
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return storage.Buffer.View.SubView(offset, Length);
        }
    }

    /// <summary>Where this tensor's data starts in its buffer, in elements: always a multiple of 4 (16 bytes).</summary>
    public long Offset => offset;

    public bool IsDisposed => disposed;

    /// <summary>Whether gradients flow to this tensor (leaf parameters, or results of ops on them).</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>
    /// The accumulated gradient (same shape), or null before the first backward pass. Setting a parameter's
    /// gradient to null frees its <see cref="GradSlot"/> for the next backward pass.
    /// </summary>
    public Tensor? Grad
    {
        get => grad;
        set
        {
            grad = value;
            if (value == null && GradSlot is { } slot && ReferenceEquals(slot.Parameter, this)) slot.Claimed = false;
        }
    }

    /// <summary>
    /// Where this tensor's gradient goes when it can (see <see cref="Autograd.NewGradFor"/>): the parameter's
    /// part of its optimizer's flat gradient buffer, shared by reshaped views of the parameter; null otherwise.
    /// </summary>
    public GradSlot? GradSlot { get; internal set; }

    /// <summary>The tape node that produced this tensor; null for leaves.</summary>
    public Node? GradFn { get; internal set; }

    public bool IsLeaf => GradFn == null;

    /// <summary>A name for error messages, checkpoints and summaries.</summary>
    public string? Name { get; set; }

    /// <summary>Size of one axis; negative axes count from the end.</summary>
    public int Dim(int axis) => Shape[axis < 0 ? Rank + axis : axis];

    public static long NumberOf(IReadOnlyList<int> shape)
    {
        if (shape.Count > MaxRank) throw new ArgumentException($"rank {shape.Count} exceeds the maximum rank {MaxRank}");
        long n = 1;
        foreach (var d in shape)
        {
            if (d <= 0) throw new ArgumentException($"shape [{string.Join(", ", shape)}] has a non-positive dimension");
            n *= d;
        }
        return n;
    }

    /// <summary>A tensor with unspecified contents (pooled memory is reused as is); at most <see cref="MaxElements"/> elements.</summary>
    public static Tensor Empty(Device device, params int[] shape)
    {
        long n = NumberOf(shape);
        if (n > MaxElements) RequireWithinBound(n, DescribeShape(shape));
        var t = new Tensor(device, new Storage(device.Pool, device.Pool.Rent(n)), 0, (int[])shape.Clone());
        if (TensorPoison.IsActive) t.Fill(float.NaN);
        return t;
    }

    /// <summary>
    /// A one-dimensional tensor of <paramref name="length"/> elements, for scratch buffers whose size is a product
    /// computed in 64 bits (padded copies, partial sums): the bound is checked before any int conversion.
    /// </summary>
    public static Tensor Empty(Device device, long length, string? what = null)
    {
        RequireWithinBound(length, what ?? "a one-dimensional tensor");
        return Empty(device, [(int)length]);
    }

    /// <summary>Throws <see cref="TensorTooLargeException"/> naming <paramref name="what"/> when <paramref name="elements"/> exceeds <see cref="MaxElements"/>.</summary>
    public static void RequireWithinBound(long elements, string what)
    {
        if (elements > MaxElements) throw new TensorTooLargeException(what, elements);
    }

    private static string DescribeShape(IReadOnlyList<int> shape) => $"a tensor of shape [{string.Join(", ", shape)}]";

    public static Tensor Full(Device device, float value, params int[] shape)
    {
        var t = Empty(device, shape);
        t.Fill(value);
        return t;
    }

    public static Tensor Zeros(Device device, params int[] shape) => Full(device, 0f, shape);

    public static Tensor FromArray(Device device, float[] data, params int[] shape)
    {
        if (NumberOf(shape) != data.Length)
            throw new ArgumentException($"{data.Length} values do not fill shape [{string.Join(", ", shape)}]");
        var t = Empty(device, shape);
        t.Upload(data);
        return t;
    }

    /// <summary>Copies host data into this tensor (asynchronous with respect to kernels already queued).</summary>
    public void Upload(ReadOnlySpan<float> data)
    {
        if (data.Length != Length) throw new ArgumentException($"{data.Length} values for a tensor of {Length}");
        View.SubView(0, Length).CopyFromCPU(Device.Stream, data);
    }

    /// <summary>Waits for queued work and copies the data to the host.</summary>
    public float[] ToArray()
    {
        var result = new float[Length];
        View.CopyToCPU(Device.Stream, result);
        Device.Stream.Synchronize();
        return result;
    }

    /// <summary>The single value of a one-element tensor (synchronises).</summary>
    public float Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item() needs one element, the tensor has shape {ShapeText}");
        return ToArray()[0];
    }

    /// <summary>
    /// A view with another shape over the same data (no copy, no autograd: use Ops.Reshape in Layers to
    /// keep the gradient path). One dimension may be -1.
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        var resolved = ResolveShape(shape);
        ObjectDisposedException.ThrowIf(disposed, this);
        storage.AddRef();
        var source = reshapeOf ?? this;
        Interlocked.Increment(ref source.liveReshapes);
        return new Tensor(Device, storage, offset, resolved) { reshapeOf = source };
    }

    /// <summary>
    /// A view of <paramref name="shape"/> over this tensor's data from element <paramref name="start"/> on (no
    /// copy, no autograd). <paramref name="start"/> must be a multiple of 4 so that Float4 kernels stay aligned.
    /// </summary>
    public Tensor Slice(long start, params int[] shape)
    {
        long n = NumberOf(shape);
        if (start < 0 || start % 4 != 0 || start + n > Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {start + n}) of {ShapeText}: the start must be a multiple of 4 and the slice inside the tensor");
        ObjectDisposedException.ThrowIf(disposed, this);
        storage.AddRef();
        return new Tensor(Device, storage, offset + start, (int[])shape.Clone());
    }

    /// <summary>Whether both tensors are views of the very same elements (same buffer, offset and length).</summary>
    public bool SameDataAs(Tensor other) =>
        ReferenceEquals(storage, other.storage) && offset == other.offset && Length == other.Length;

    /// <summary>Whether this tensor is a reshaped view of a live tensor or has live reshaped views: moving it would leave them behind.</summary>
    internal bool HasReshapes => liveReshapes > 0 || reshapeOf is { IsDisposed: false };

    /// <summary>Whether this tensor is the <paramref name="length"/> elements of <paramref name="whole"/> from <paramref name="start"/> on.</summary>
    internal bool IsSliceOf(Tensor whole, long start, long length) =>
        ReferenceEquals(storage, whole.storage) && offset == whole.offset + start && Length == length;

    /// <summary>
    /// Moves this tensor's data into <paramref name="destination"/> at element <paramref name="start"/> (copied on
    /// the device) and makes this tensor a view there; its old buffer goes back to the pool. The tensor object
    /// stays the same, so whoever holds it (a module) sees the new place. Refused while reshaped views share
    /// the tensor's data (or while it is such a view): they would keep seeing the old data.
    /// </summary>
    internal void MoveInto(Tensor destination, long start)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (HasReshapes)
            throw new InvalidOperationException($"{Name ?? ToString()}: cannot move a tensor that has reshaped views or is one");
        using var target = destination.Slice(start, Shape);
        target.CopyFrom(this);
        target.storage.AddRef();
        storage.Release();
        storage = target.storage;
        offset = target.offset;
    }

    public int[] ResolveShape(int[] shape)
    {
        var resolved = (int[])shape.Clone();
        int infer = Array.IndexOf(resolved, -1);
        if (infer >= 0)
        {
            long known = 1;
            for (int i = 0; i < resolved.Length; i++) if (i != infer) known *= resolved[i];
            if (known <= 0 || Length % known != 0)
                throw new ArgumentException($"cannot reshape {ShapeText} to [{string.Join(", ", shape)}]");
            resolved[infer] = (int)(Length / known);
        }
        if (NumberOf(resolved) != Length)
            throw new ArgumentException($"cannot reshape {ShapeText} ({Length} elements) to [{string.Join(", ", shape)}]");
        return resolved;
    }

    /// <summary>A new tensor with a copy of the data (no autograd).</summary>
    public Tensor Clone()
    {
        var t = Empty(Device, Shape);
        t.CopyFrom(this);
        return t;
    }

    public void CopyFrom(Tensor source)
    {
        RequireSameLength(source);
        Device.Run(ElementwiseKernels.Axpby, Length / 4, source.View, View, 1f, 0f, Elements);
    }

    public void Fill(float value) => Device.Run(ElementwiseKernels.Fill, Length / 4, View, value, Elements);

    /// <summary>this = alpha * x + beta * this.</summary>
    public void Axpby(float alpha, Tensor x, float beta)
    {
        RequireSameLength(x);
        Device.Run(ElementwiseKernels.Axpby, Length / 4, x.View, View, alpha, beta, Elements);
    }

    /// <summary>Sets the accumulated gradient to zero, keeping its buffer.</summary>
    public void ZeroGrad() => Grad?.Fill(0f);

    public bool SameShape(Tensor other) => Shape.AsSpan().SequenceEqual(other.Shape);

    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    private void RequireSameLength(Tensor other)
    {
        if (other.Length != Length) throw new ArgumentException($"length mismatch: {other.ShapeText} vs {ShapeText}");
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (reshapeOf != null) Interlocked.Decrement(ref reshapeOf.liveReshapes);
        storage.Release();
    }

    public override string ToString() => $"Tensor{ShapeText}{(Name != null ? " " + Name : "")}";

    /// <summary>A pooled buffer shared by a tensor and its reshaped views.</summary>
    private sealed class Storage(BufferPool pool, MemoryBuffer1D<float, Stride1D.Dense> buffer)
    {
        private int references = 1;

        public MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; } = buffer;

        public void AddRef() => Interlocked.Increment(ref references);

        public void Release()
        {
            if (Interlocked.Decrement(ref references) == 0) pool.Return(Buffer);
        }
    }
}

/// <summary>
/// A tensor would exceed <see cref="Tensor.MaxElements"/> (2^31 - 1 elements, the 32-bit indexing of the kernels).
/// An ArgumentException, so the CLI reports it as a user error in one line.
/// </summary>
public sealed class TensorTooLargeException(string what, long elements) : ArgumentException(MessageFor(what, elements))
{
    private static string MessageFor(string what, long elements) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{what} would hold {elements:N0} elements; tensors are limited to 2^31-1 elements (32-bit kernel indexing)");

    public long RequestedElements { get; } = elements;
}
