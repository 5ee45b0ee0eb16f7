using System.Reflection;
using ILGPU.Frontend;
using ILGPU.Frontend.Intrinsic;

namespace ILGpuNet.Kernels;

/// <summary>
/// Marks a method whose body uses the CPU's vector units (<c>System.Runtime.Intrinsics</c>: Vector512, Avx512F, ...) and
/// names its scalar twin: a method of the same class and signature that computes the same thing with plain arithmetic.
/// ILGPU 1.5.3's frontend refuses every call into a <c>System.Runtime.*</c> namespace ("Not supported runtime method"), so
/// a kernel cannot call intrinsics as written; but the CPU accelerator does not run ILGPU's IR, it calls the kernel's own
/// .NET method, which the JIT compiles with the intrinsics (ENGINEERING.md). <see cref="ScalarTwins.Install"/> tells the
/// frontend to compile the twin wherever the marked method is called, so the IR (and the PTX, where CPU kernels are
/// only compiled) sees plain code while the CPU runs the vector code. The vector method falls back to its twin when its
/// instruction set is absent, so the twin is also the scalar path chosen at run time; tests run both and compare them.
/// The same mapping serves code that only the CPU may run for another reason: Work's thread index, count and grid Y read
/// the direct CPU launcher's thread-static context (DirectCpuThread), their twins ILGPU's Grid.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ScalarTwinAttribute(string twin) : Attribute
{
    /// <summary>The name of the scalar method (same class, same parameter types).</summary>
    public string Twin { get; } = twin;
}

/// <summary>Registers every <see cref="ScalarTwinAttribute"/> of this assembly with ILGPU's frontend.</summary>
public static class ScalarTwins
{
    private static readonly object Gate = new();
    private static IReadOnlyList<(MethodInfo Vector, MethodInfo Scalar)>? installed;

    /// <summary>
    /// Idempotent; call before the first kernel is compiled (Device.Context and <see cref="KernelCatalog.All"/> do).
    /// ILGPU's remapping table is process-wide and not thread-safe, hence the lock.
    /// </summary>
    public static IReadOnlyList<(MethodInfo Vector, MethodInfo Scalar)> Install()
    {
        lock (Gate)
        {
            if (installed != null) return installed;
            var pairs = new List<(MethodInfo, MethodInfo)>();
            foreach (var type in typeof(ScalarTwins).Assembly.GetTypes())
                foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    if (method.GetCustomAttribute<ScalarTwinAttribute>() is not { } mark) continue;
                    var parameters = method.GetParameters().Select(p => p.ParameterType).ToArray();
                    var twin = type.GetMethod(mark.Twin, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, parameters)
                        ?? throw new MissingMethodException($"{type.Name}.{method.Name}: scalar twin {mark.Twin} with the same parameters not found");
                    if (twin.ReturnType != method.ReturnType)
                        throw new MissingMethodException($"{type.Name}.{method.Name}: scalar twin {mark.Twin} returns {twin.ReturnType.Name}");
                    RemappedIntrinsics.AddRemapping(method, (ref InvocationContext context) => context.Method = twin);
                    pairs.Add((method, twin));
                }
            installed = pairs;
            return installed;
        }
    }
}
