using ILGpuNet.Tensors;

namespace ILGpuNet.Layers.Optim;

/// <summary>
/// A first-order optimizer over a fixed list of parameter tensors. The constructor moves the parameters'
/// data into one flat buffer (<see cref="FlatParameters"/>: the tensor objects stay, a parameter may belong
/// to one live optimizer only), with flat buffers of the same layout for the gradients and for each state
/// slot. When every parameter has its gradient in its slot and all have taken the same number of steps (the
/// normal case), <see cref="Step"/> updates them all with one launch; otherwise each parameter with a
/// gradient gets its own launch, with PyTorch's semantics: parameters whose <see cref="Tensor.Grad"/> is null
/// are skipped (their state and step count do not advance). Both paths do the same float arithmetic per
/// element, so their results are identical bit for bit. State tensors (momentum, moments) are views of the
/// flat state buffers, exist from a parameter's first update, and are freed by <see cref="Dispose"/>.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly long[] parameterSteps;
    private readonly Dictionary<(int Index, string Slot), Tensor> state = new();
    private readonly Dictionary<string, Tensor> flatState = new();
    private readonly FlatParameters? flat;
    private bool disposed;

    /// <summary>Subclasses validate their hyperparameters before calling this (it moves the parameters).</summary>
    protected Optimizer(IReadOnlyList<Tensor> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (learningRate < 0) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be >= 0");
        Parameters = parameters.ToArray();
        LearningRate = learningRate;
        parameterSteps = new long[Parameters.Count];
        flat = Parameters.Count > 0 ? FlatParameters.Create(Parameters) : null;
    }

    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>The flat buffers the parameters, their gradients and the state live in (null without parameters).</summary>
    public FlatParameters? Flat => flat;

    /// <summary>Whether the last <see cref="Step"/> updated every parameter with one launch over the flat buffers.</summary>
    public bool LastStepWasFlat { get; private set; }

    /// <summary>The learning rate of the next <see cref="Step"/>; schedules set it before each step.</summary>
    public double LearningRate { get; set; }

    /// <summary>Number of <see cref="Step"/> calls (or the count restored by <see cref="LoadState"/>).</summary>
    public long StepCount { get; private set; }

    /// <summary>Updates applied to each parameter (PyTorch's per-parameter <c>state['step']</c>).</summary>
    public IReadOnlyList<long> ParameterSteps => parameterSteps;

    /// <summary>Names of the state tensors this optimizer keeps per parameter, e.g. exp_avg, exp_avg_sq.</summary>
    protected abstract IReadOnlyList<string> StateSlots { get; }

    /// <summary>The state slots, for checkpoints that validate saved state before restoring it.</summary>
    public IReadOnlyList<string> StateSlotNames => StateSlots;

    /// <summary>Applies one update to every parameter that has a gradient (queued on the device, no synchronisation).</summary>
    public void Step() => Step(gradScale: null);

    /// <summary>
    /// torch.nn.utils.clip_grad_norm_(Parameters, maxNorm) followed by <see cref="Step"/>, with the same
    /// results. On the flat path the scaling is fused into the update (which also stores the clipped
    /// gradients back): 3 launches in all. Returns the total norm before clipping (a new one-element tensor).
    /// </summary>
    public Tensor ClipGradNormAndStep(float maxNorm)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!CanStepFlat())
        {
            var total = GradClip.ClipGlobalNorm(Parameters, maxNorm);
            Step();
            return total;
        }
        var (norm, coefficient) = GradClip.FlatNormAndCoefficient(flat!, maxNorm);
        using (coefficient) Step(coefficient);
        return norm;
    }

    /// <summary>The step; <paramref name="gradScale"/> (flat path only) multiplies the gradients first.</summary>
    private void Step(Tensor? gradScale)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var noGrad = Autograd.NoGrad();
        StepCount++;
        LastStepWasFlat = CanStepFlat();
        if (LastStepWasFlat)
        {
            long step = parameterSteps[0] + 1;
            Array.Fill(parameterSteps, step);
            UpdateFlat(flat!, step, gradScale);
            return;
        }
        if (gradScale != null) throw new InvalidOperationException("a fused gradient scale needs the flat step");
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            var g = p.Grad;
            if (g == null) continue;
            if (g.Length != p.Length) throw new InvalidOperationException($"gradient {g.ShapeText} does not match parameter {p.ShapeText} ({p.Name ?? "#" + i})");
            parameterSteps[i]++;
            Update(i, p, g, parameterSteps[i]);
        }
    }

    /// <summary>One parameter's update; <paramref name="step"/> counts this parameter's updates, 1 on its first.</summary>
    protected abstract void Update(int index, Tensor parameter, Tensor grad, long step);

    /// <summary>
    /// Every parameter's update in one launch over <paramref name="flat"/>'s buffers (and <see cref="FlatState"/>),
    /// the same arithmetic per element as <see cref="Update"/>; <paramref name="step"/> is every parameter's count.
    /// With <paramref name="gradScale"/>, the gradients are first multiplied by its one element and stored back.
    /// </summary>
    protected abstract void UpdateFlat(FlatParameters flat, long step, Tensor? gradScale);

    /// <summary>
    /// The flat step applies when every gradient is in its slot (then the flat gradient buffer holds exactly
    /// this step's gradients), every parameter has taken the same number of steps and each state slot exists
    /// for all parameters or for none (so one set of hyperparameters fits all).
    /// </summary>
    private bool CanStepFlat()
    {
        if (flat == null || !flat.AllGradsInSlots()) return false;
        for (int i = 1; i < parameterSteps.Length; i++)
            if (parameterSteps[i] != parameterSteps[0]) return false;
        foreach (var slot in StateSlots)
        {
            bool first = HasState(0, slot);
            for (int i = 1; i < Parameters.Count; i++)
                if (HasState(i, slot) != first) return false;
        }
        return true;
    }

    /// <summary>
    /// Clears the gradients, by default as PyTorch's zero_grad(set_to_none=True): the buffers go back to the
    /// pool and the next backward adopts its first gradient instead of adding it to zeros, which saves a
    /// fill and an add launch per parameter per step (about 200 launches for the EfficientNet3d). With
    /// <paramref name="setToNone"/> false, existing buffers are zeroed in place and kept.
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters)
        {
            if (!setToNone) { p.ZeroGrad(); continue; }
            p.Grad?.Dispose();
            p.Grad = null;
        }
    }

    /// <summary>Whether parameter <paramref name="index"/> already has the state tensor <paramref name="slot"/>.</summary>
    protected bool HasState(int index, string slot) => state.ContainsKey((index, slot));

    /// <summary>
    /// The state tensor of a parameter: its view of the slot's flat buffer, which starts as zeros (a parameter's
    /// part is written only once its state exists, so it is still zero when the view is first asked for).
    /// </summary>
    protected Tensor State(int index, string slot)
    {
        if (state.TryGetValue((index, slot), out var t)) return t;
        if (!flatState.TryGetValue(slot, out var buffer)) flatState[slot] = buffer = flat!.NewZeros();
        t = TensorScope.Keep(flat!.ViewOf(buffer, index));
        t.Name = StateName(index, slot);
        state[(index, slot)] = t;
        return t;
    }

    /// <summary>A state slot's flat buffer, with every parameter's state tensor (created here where missing).</summary>
    protected Tensor FlatState(string slot)
    {
        for (int i = 0; i < Parameters.Count; i++) State(i, slot);
        return flatState[slot];
    }

    /// <summary>Checkpoint name of a state tensor: "{parameter index}.{slot}", as in PyTorch's optimizer state_dict.</summary>
    public static string StateName(int index, string slot) => $"{index}.{slot}";

    /// <summary>
    /// The state tensors that exist, ordered by parameter index then slot, named by <see cref="StateName"/>.
    /// The optimizer owns them: read or copy them, do not dispose them. Save <see cref="StepCount"/> and
    /// <see cref="ParameterSteps"/> with them.
    /// </summary>
    public IEnumerable<(string Name, Tensor Tensor)> StateTensors()
    {
        for (int i = 0; i < Parameters.Count; i++)
            foreach (var slot in StateSlots)
                if (state.TryGetValue((i, slot), out var t)) yield return (StateName(i, slot), t);
    }

    /// <summary>
    /// Restores a checkpoint: copies each named tensor into the matching state tensor (creating it) and
    /// sets the step counts. Without <paramref name="parameterSteps"/>, every parameter that receives
    /// state gets <paramref name="stepCount"/> updates and the others none. The copies are queued on the
    /// device; the caller may dispose its tensors afterwards.
    /// </summary>
    public void LoadState(long stepCount, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyList<long>? parameterSteps = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (stepCount < 0) throw new ArgumentOutOfRangeException(nameof(stepCount));
        if (parameterSteps != null && parameterSteps.Count != Parameters.Count)
            throw new ArgumentException($"{parameterSteps.Count} parameter step counts for {Parameters.Count} parameters");
        var loaded = new bool[Parameters.Count];
        foreach (var (name, source) in tensors)
        {
            int dot = name.IndexOf('.');
            if (dot <= 0 || !int.TryParse(name[..dot], out int index) || index < 0 || index >= Parameters.Count)
                throw new ArgumentException($"optimizer state '{name}': expected '<parameter index>.<slot>' with an index below {Parameters.Count}");
            string slot = name[(dot + 1)..];
            if (!StateSlots.Contains(slot))
                throw new ArgumentException($"optimizer state '{name}': unknown slot '{slot}' (this optimizer keeps {string.Join(", ", StateSlots)})");
            var p = Parameters[index];
            if (source.Length != p.Length)
                throw new ArgumentException($"optimizer state '{name}' has shape {source.ShapeText}, parameter {index} has {p.ShapeText}");
            State(index, slot).CopyFrom(source);
            loaded[index] = true;
        }
        StepCount = stepCount;
        for (int i = 0; i < Parameters.Count; i++)
            this.parameterSteps[i] = parameterSteps?[i] ?? (loaded[i] ? stepCount : 0);
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var t in state.Values) t.Dispose();
        state.Clear();
        foreach (var t in flatState.Values) t.Dispose();
        flatState.Clear();
        flat?.Dispose();
        GC.SuppressFinalize(this);
    }
}
