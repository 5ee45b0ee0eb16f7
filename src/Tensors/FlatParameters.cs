namespace ILGpuNet.Tensors;

/// <summary>
/// Parameters gathered into one flat device buffer, so that an optimizer updates all of them (and clipping
/// measures all their gradients) in one launch instead of one per tensor. Each parameter keeps its Tensor
/// object (modules still hold it); only its data moves, once, into <see cref="Values"/> at an offset padded to
/// a multiple of 4 floats (Float4 kernels stay aligned). <see cref="Grads"/> has the same layout and gives
/// every parameter a <see cref="GradSlot"/>: ops write a parameter's first gradient of a step straight into
/// it (<see cref="Autograd.NewGradFor"/>), so after a backward pass the gradients usually are views of
/// <see cref="Grads"/>. The padding of both buffers is zero and nothing writes it (its gradient adds nothing
/// to a norm, its update keeps zeros zero).
/// </summary>
public sealed class FlatParameters : IDisposable
{
    private readonly Tensor[] parameters;
    private readonly long[] offsets;
    private bool disposed;

    private FlatParameters(Device device, Tensor[] parameters, long[] offsets, long length)
    {
        Device = device;
        this.parameters = parameters;
        this.offsets = offsets;
        Length = length;
        Values = TensorScope.Keep(Tensor.Zeros(device, (int)length));
        Grads = TensorScope.Keep(Tensor.Zeros(device, (int)length));
    }

    public Device Device { get; }

    /// <summary>The parameters in the order of the flat layout.</summary>
    public IReadOnlyList<Tensor> Parameters => parameters;

    /// <summary>Elements of each flat buffer, padding included.</summary>
    public long Length { get; }

    /// <summary>The parameters' data; parameter i is the slice at <see cref="OffsetOf"/>(i).</summary>
    public Tensor Values { get; }

    /// <summary>The gradient slots, laid out as <see cref="Values"/>.</summary>
    public Tensor Grads { get; }

    public long OffsetOf(int index) => offsets[index];

    /// <summary>
    /// Moves the parameters' data into one flat buffer (values copied on the device). Refused for an empty
    /// list, a parameter listed twice or already flattened by another live optimizer, parameters on
    /// different devices, a parameter with live reshaped views (or that is one), and more than 2^31 - 1 elements.
    /// A gradient the parameters already have stays where it is (the next backward after it is released
    /// uses the slot).
    /// </summary>
    public static FlatParameters Create(IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0) throw new ArgumentException("FlatParameters needs at least one parameter");
        var device = parameters[0].Device;
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var offsets = new long[parameters.Count];
        long length = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            string name = p.Name ?? $"parameter #{i} {p.ShapeText}";
            ObjectDisposedException.ThrowIf(p.IsDisposed, p);
            if (!seen.Add(p)) throw new ArgumentException($"{name} is listed twice");
            if (p.GradSlot != null) throw new ArgumentException($"{name} already belongs to another optimizer's flat buffer (dispose that optimizer first)");
            if (!ReferenceEquals(p.Device, device)) throw new ArgumentException($"{name} lives on {p.Device}, the first parameter on {device}");
            if (p.HasReshapes) throw new ArgumentException($"{name} has live reshaped views (or is one) that would not follow it into the flat buffer; create the optimizer before such views");
            offsets[i] = length;
            length += (p.Length + 3) / 4 * 4;
        }
        if (length > int.MaxValue - 64) throw new ArgumentException($"{length} parameter elements do not fit one flat buffer (at most 2^31 - 1)");

        var flat = new FlatParameters(device, parameters.ToArray(), offsets, length);
        for (int i = 0; i < parameters.Count; i++)
        {
            parameters[i].MoveInto(flat.Values, offsets[i]);
            parameters[i].GradSlot = new GradSlot(flat, i, parameters[i]);
        }
        return flat;
    }

    /// <summary>A zero-filled buffer of this layout (optimizer state such as Adam's moments); the caller owns it.</summary>
    public Tensor NewZeros() => TensorScope.Keep(Tensor.Zeros(Device, (int)Length));

    /// <summary>Parameter <paramref name="index"/>'s part of a buffer of this layout, in the parameter's shape; the caller owns the view.</summary>
    public Tensor ViewOf(Tensor flat, int index)
    {
        if (flat.Length != Length) throw new ArgumentException($"a flat buffer of {flat.Length} elements, this layout has {Length}");
        return flat.Slice(offsets[index], parameters[index].Shape);
    }

    /// <summary>Whether every parameter's gradient is its slot: then <see cref="Grads"/> holds exactly this step's gradients.</summary>
    public bool AllGradsInSlots()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        foreach (var p in parameters)
            if (p.Grad == null || !p.GradSlot!.Holds(p.Grad)) return false;
        return true;
    }

    /// <summary>The live flat set whose parameters are exactly <paramref name="list"/> (in any order, each once), or null.</summary>
    public static FlatParameters? Holding(IReadOnlyList<Tensor> list)
    {
        if (list.Count == 0 || list[0].GradSlot is not { } first) return null;
        var flat = first.Owner;
        if (flat.disposed || list.Count != flat.parameters.Length) return null;
        var covered = new bool[list.Count];
        foreach (var p in list)
        {
            if (p.GradSlot is not { } slot || !ReferenceEquals(slot.Owner, flat) || covered[slot.Index]) return null;
            covered[slot.Index] = true;
        }
        return flat;
    }

    /// <summary>Releases the flat buffers and the slots; the parameters keep their data (their views hold it).</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var p in parameters)
            if (p.GradSlot?.Owner == this) p.GradSlot = null;
        Values.Dispose();
        Grads.Dispose();
    }
}

/// <summary>
/// A parameter's place in its <see cref="FlatParameters.Grads"/>. It is claimed by the first gradient of a
/// backward pass that goes there and freed when the parameter's gradient is set to null (ZeroGrad), so a
/// second contribution in the same pass gets its own tensor and is added as before.
/// </summary>
public sealed class GradSlot
{
    internal GradSlot(FlatParameters owner, int index, Tensor parameter)
    {
        Owner = owner;
        Index = index;
        Parameter = parameter;
    }

    public FlatParameters Owner { get; }

    public int Index { get; }

    public Tensor Parameter { get; }

    /// <summary>Handed out since the parameter's gradient was last null.</summary>
    public bool Claimed { get; internal set; }

    /// <summary>A new view of the slot in <paramref name="shape"/> (the parameter's or a reshape of it); the caller owns it.</summary>
    internal Tensor View(int[] shape) => Owner.Grads.Slice(Owner.OffsetOf(Index), shape);

    /// <summary>Whether <paramref name="t"/> is a view of exactly this slot.</summary>
    public bool Holds(Tensor t) => t.IsSliceOf(Owner.Grads, Owner.OffsetOf(Index), Parameter.Length);
}
