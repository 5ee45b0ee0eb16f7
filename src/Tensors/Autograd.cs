namespace ILGpuNet.Tensors;

/// <summary>
/// One recorded op on the tape: its inputs, the output it produced and the closure that turns the
/// output's gradient into input gradients (via <see cref="Autograd.Accumulate"/>). Tensors the op made
/// only for its backward pass (masks, statistics) are <see cref="Save"/>d and released right after it.
/// </summary>
public sealed class Node
{
    private List<Tensor>? saved;

    internal Node(string name, Tensor[] inputs, Action<Tensor> backward)
    {
        Name = name;
        Inputs = inputs;
        BackwardFn = backward;
    }

    public string Name { get; }

    public Tensor[] Inputs { get; }

    internal Action<Tensor> BackwardFn { get; }

    /// <summary>Keeps a tensor alive until this node's backward has run, then disposes it.</summary>
    public Tensor Save(Tensor tensor)
    {
        TensorScope.Keep(tensor);
        (saved ??= new()).Add(tensor);
        return tensor;
    }

    internal void Release()
    {
        if (saved == null) return;
        foreach (var t in saved) t.Dispose();
        saved = null;
    }
}

/// <summary>
/// Define-by-run reverse-mode differentiation. Ops call <see cref="Record"/> after computing their
/// output; <see cref="Backward"/> walks the tape from a result in reverse topological order.
/// </summary>
public static class Autograd
{
    [ThreadStatic] private static int noGradDepth;

    /// <summary>False inside a <see cref="NoGrad"/> scope: ops record nothing.</summary>
    public static bool IsEnabled => noGradDepth == 0;

    /// <summary>Disables recording until disposed (evaluation, optimizer updates).</summary>
    public static IDisposable NoGrad()
    {
        noGradDepth++;
        return new Restore();
    }

    /// <summary>Whether an op over these inputs must record its backward.</summary>
    public static bool Needs(params Tensor[] inputs)
    {
        if (!IsEnabled) return false;
        foreach (var t in inputs) if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>
    /// Attaches the backward closure to <paramref name="output"/> when any input requires a gradient.
    /// The closure receives the output gradient and must call <see cref="Accumulate"/> for each input
    /// that <c>RequiresGrad</c>. Returns the node (for <see cref="Node.Save"/>) or null when nothing is recorded.
    /// </summary>
    public static Node? Record(string name, Tensor output, Tensor[] inputs, Action<Tensor> backward)
    {
        if (!Needs(inputs)) return null;
        var node = new Node(name, inputs, backward);
        output.GradFn = node;
        output.RequiresGrad = true;
        return node;
    }

    /// <summary>
    /// A tensor for <paramref name="target"/>'s gradient, to be filled completely by the caller (every element
    /// written, nothing read) and handed to <see cref="Accumulate"/> right away: the target's free gradient slot
    /// (a parameter in an optimizer's <see cref="FlatParameters"/>, or a reshape of one) when it has one, so the
    /// gradient lands in the flat buffer without a copy; otherwise a new tensor.
    /// </summary>
    public static Tensor NewGradFor(Tensor target)
    {
        if (target.RequiresGrad && target.Grad == null && target.GradSlot is { Claimed: false } slot && slot.Parameter.Grad == null)
        {
            slot.Claimed = true;
            var view = slot.View(target.Shape);
            if (TensorPoison.IsActive) view.Fill(float.NaN);
            return view;
        }
        return Tensor.Empty(target.Device, target.Shape);
    }

    /// <summary>
    /// The gradient <paramref name="target"/> already holds, for an op that adds its own contribution into it in
    /// place (what <see cref="Accumulate"/> would do with an extra add launch); null when there is none yet.
    /// </summary>
    public static Tensor? ExistingGrad(Tensor target) => target.RequiresGrad ? target.Grad : null;

    /// <summary>Lets a reshaped view of a parameter (Ops.Reshape) write its gradient into the parameter's slot.</summary>
    public static void ShareGradSlot(Tensor view, Tensor source)
    {
        if (source.GradSlot != null && view.Length == source.Length) view.GradSlot = source.GradSlot;
    }

    /// <summary>
    /// Adds <paramref name="grad"/> into <paramref name="target"/>.Grad. With <paramref name="owned"/> the
    /// gradient tensor is handed over (no copy when the target has none yet); otherwise it is copied. A
    /// parameter's first gradient goes to its gradient slot: adopted when it is already there
    /// (<see cref="NewGradFor"/>), copied there when the slot is free, kept where it is otherwise.
    /// </summary>
    public static void Accumulate(Tensor target, Tensor grad, bool owned = true)
    {
        if (!target.RequiresGrad) { if (owned) grad.Dispose(); return; }
        if (grad.Length != target.Length)
            throw new InvalidOperationException($"gradient {grad.ShapeText} does not match tensor {target.ShapeText} ({target.GradFn?.Name ?? "leaf"})");
        if (target.Grad == null)
        {
            var slot = target.GradSlot;
            Tensor g;
            if (slot != null && slot.Holds(grad)) g = owned ? grad : grad.Reshape(grad.Shape);
            else if (slot is { Claimed: false } && ReferenceEquals(slot.Parameter, target))
            {
                slot.Claimed = true;
                g = slot.View(target.Shape);
                g.CopyFrom(grad);
                if (owned) grad.Dispose();
            }
            else g = owned ? grad : grad.Clone();
            if (!g.SameShape(target)) g = Reshaped(g, target.Shape);
            // Leaf gradients outlive the step's scope; intermediate ones are freed by Backward.
            if (target.IsLeaf) TensorScope.Keep(g);
            target.Grad = g;
        }
        else
        {
            if (target.Grad.SameDataAs(grad))
                throw new InvalidOperationException($"the new gradient of {target.Name ?? target.ShapeText} is the accumulated one's own buffer (NewGradFor's result must go to Accumulate before the next NewGradFor)");
            target.Grad.Axpby(1f, grad, 1f);
            if (owned) grad.Dispose();
        }
    }

    private static Tensor Reshaped(Tensor t, int[] shape)
    {
        var view = t.Reshape(shape);
        t.Dispose();  // the view keeps the storage alive
        return view;
    }

    /// <summary>
    /// Back-propagates from <paramref name="root"/>: its gradient is <paramref name="gradient"/> or, for a
    /// one-element result, 1. Gradients of leaves accumulate in their <c>Grad</c>; gradients of
    /// intermediates and the tensors saved for backward are released as soon as they are used, and the
    /// tape is consumed.
    /// </summary>
    public static void Backward(Tensor root, Tensor? gradient = null)
    {
        if (!root.RequiresGrad) throw new InvalidOperationException("Backward() on a tensor that does not require a gradient");
        if (gradient == null && root.Length != 1)
            throw new InvalidOperationException($"Backward() without a gradient needs a one-element result, got {root.ShapeText}");
        var order = TopologicalOrder(root);
        Accumulate(root, gradient != null ? gradient : Tensor.Full(root.Device, 1f, root.Shape), owned: gradient == null);
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var t = order[i];
            var node = t.GradFn!;
            var g = t.Grad;
            if (g != null)
            {
                using (NoGrad()) node.BackwardFn(g);
            }
            node.Release();
            t.GradFn = null;
            t.Grad = null;
            g?.Dispose();
        }
    }

    /// <summary>Non-leaf tensors reachable from root, each after all tensors it depends on.</summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Tensor, bool Expanded)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (t, expanded) = stack.Pop();
            if (t.GradFn == null) continue;
            if (expanded) { order.Add(t); continue; }
            if (!visited.Add(t)) continue;
            stack.Push((t, true));
            foreach (var input in t.GradFn.Inputs)
                if (input.GradFn != null && !visited.Contains(input)) stack.Push((input, false));
        }
        return order;
    }

    private sealed class Restore : IDisposable
    {
        private bool done;

        public void Dispose()
        {
            if (done) return;
            done = true;
            noGradDepth--;
        }
    }
}
