namespace ILGpuNet.Tensors;

/// <summary>
/// Owns every tensor created while it is the innermost scope on this thread and disposes them at the
/// end (activations, temporaries, intermediate gradients), so one training step returns all its
/// buffers to the pool. Tensors that must outlive the scope are taken out with <see cref="Keep"/>.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? current;

    private readonly TensorScope? parent;
    private readonly List<Tensor> owned = new();
    private bool disposed;

    public TensorScope()
    {
        parent = current;
        current = this;
    }

    /// <summary>Detaches a tensor from whichever scope owns it: the caller disposes it.</summary>
    public static Tensor Keep(Tensor tensor)
    {
        for (var scope = current; scope != null; scope = scope.parent)
            if (scope.owned.Remove(tensor)) break;
        return tensor;
    }

    internal static void Register(Tensor tensor) => current?.owned.Add(tensor);

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (current != this) throw new InvalidOperationException("tensor scopes must be disposed innermost first");
        current = parent;
        foreach (var t in owned) t.Dispose();
        owned.Clear();
    }
}
