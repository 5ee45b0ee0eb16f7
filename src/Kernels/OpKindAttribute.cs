using System.Reflection;

namespace ILGpuNet.Kernels;

/// <summary>
/// The op kind a kernel's device time counts under in the per-op breakdown of a training step
/// (<c>ilgpunet bench --profile</c>): one of the kinds of benchmarks/gpu/README.md (conv3d, depthwise_conv3d,
/// batchnorm, activation, pooling, linear, elementwise, loss, optimizer, other), so that our breakdown and
/// PyTorch's sum the same things. Every class with a [Kernel] method declares one (a test names any that
/// does not). A kernel method's own [OpKind] overrides its class's; with <see cref="ByOpStruct"/>, a generic
/// kernel closed over an op struct that declares a kind takes the struct's (Map&lt;SiluOp&gt; is an activation,
/// Map&lt;SquareOp&gt; elementwise). A launch tagged by its op (<c>KernelProfiler.Tag</c>) counts under the tag.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Method)]
public sealed class OpKindAttribute(string kind) : Attribute
{
    public string Kind => kind;

    /// <summary>On a kernel class: its generic kernels take the kind of an op struct type argument that declares one.</summary>
    public bool ByOpStruct { get; init; }

    /// <summary>The declared kind of a kernel (a closed generic kernel included); null where its class declares none.</summary>
    public static string? Of(MethodInfo kernel)
    {
        var definition = kernel.IsGenericMethod ? kernel.GetGenericMethodDefinition() : kernel;
        if (definition.GetCustomAttribute<OpKindAttribute>() is { } own) return own.Kind;
        var declared = kernel.DeclaringType?.GetCustomAttribute<OpKindAttribute>();
        if (declared == null) return null;
        if (declared.ByOpStruct && kernel.IsGenericMethod)
            foreach (var argument in kernel.GetGenericArguments())
                if (argument.GetCustomAttribute<OpKindAttribute>() is { } op) return op.Kind;
        return declared.Kind;
    }
}
