using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

/// <summary>
/// A differentiable building block with named parameters, buffers (state that is saved but not
/// trained, e.g. BatchNorm running statistics) and children, in PyTorch's spirit: the names compose to
/// state_dict keys (<c>features.3.se.se.1.weight</c>), <see cref="Train"/>/<see cref="Eval"/> switch the
/// mode of the whole tree, and the module owns (and disposes) its tensors.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Tensor Tensor)> parameters = new();
    private readonly List<(string Name, Tensor Tensor)> buffers = new();
    private readonly List<(string Name, Module Module)> children = new();

    /// <summary>Training mode (batch statistics, dropout active) or evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    public Module Train(bool training = true)
    {
        Training = training;
        foreach (var (_, child) in children) child.Train(training);
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Registers a trainable tensor (kept out of tensor scopes, gradients required).</summary>
    protected Tensor Parameter(string name, Tensor tensor)
    {
        TensorScope.Keep(tensor);
        tensor.RequiresGrad = true;
        tensor.Name = name;
        parameters.Add((name, tensor));
        return tensor;
    }

    /// <summary>Registers saved, untrained state.</summary>
    protected Tensor Buffer(string name, Tensor tensor)
    {
        TensorScope.Keep(tensor);
        tensor.Name = name;
        buffers.Add((name, tensor));
        return tensor;
    }

    protected T Child<T>(string name, T module) where T : Module
    {
        children.Add((name, module));
        module.Train(Training);
        return module;
    }

    /// <summary>Every parameter of the tree with its dotted name, in registration order.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters(string prefix = "")
    {
        foreach (var (name, t) in parameters) yield return (prefix + name, t);
        foreach (var (name, child) in children)
            foreach (var p in child.NamedParameters(prefix + name + ".")) yield return p;
    }

    /// <summary>Every buffer of the tree with its dotted name.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, t) in buffers) yield return (prefix + name, t);
        foreach (var (name, child) in children)
            foreach (var b in child.NamedBuffers(prefix + name + ".")) yield return b;
    }

    public IReadOnlyList<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor).ToList();

    public long ParameterCount => NamedParameters().Sum(p => p.Tensor.Length);

    public virtual void Dispose()
    {
        foreach (var (_, t) in parameters)
        {
            t.Grad?.Dispose();
            t.Dispose();
        }
        foreach (var (_, t) in buffers) t.Dispose();
        foreach (var (_, c) in children) c.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>PyTorch's default initialisation of Conv and Linear layers.</summary>
public static class Init
{
    /// <summary>
    /// kaiming_uniform_(a = sqrt(5)) as nn.Linear and nn.Conv3d apply it: U(-b, b) with
    /// b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)), i.e. b = 1 / sqrt(fan_in).
    /// </summary>
    public static void KaimingUniform(Tensor weight, int fanIn, RandomSource rng)
    {
        double gain = Math.Sqrt(2.0 / (1 + 5.0));
        float bound = (float)(gain * Math.Sqrt(3.0 / fanIn));
        rng.Uniform(weight, -bound, bound);
    }

    /// <summary>The bias rule of nn.Linear and nn.Conv3d: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).</summary>
    public static void BiasUniform(Tensor bias, int fanIn, RandomSource rng)
    {
        float bound = (float)(1 / Math.Sqrt(fanIn));
        rng.Uniform(bias, -bound, bound);
    }
}
