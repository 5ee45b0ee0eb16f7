using System.Reflection;

namespace ILGpuNet.Kernels;

/// <summary>
/// Every kernel of this assembly, found by its [Kernel] attribute; generic kernels are closed over each
/// struct of this assembly that satisfies their constraints (every IUnaryOp for Map&lt;TOp&gt;, ...).
/// The PTX check and <c>ilgpunet ptx</c> compile exactly this list.
/// </summary>
public static class KernelCatalog
{
    public sealed record Entry(MethodInfo Method, KernelAttribute Attribute)
    {
        /// <summary>Class.Method&lt;TypeArgs&gt;, also the .ptx file name.</summary>
        public string Name => Method.DeclaringType!.Name + "." + Method.Name +
            (Method.IsGenericMethod ? "_" + string.Join("_", Method.GetGenericArguments().Select(t => t.Name)) : "");
    }

    public static IReadOnlyList<Entry> All()
    {
        ScalarTwins.Install();  // whoever compiles these kernels, in whatever context, needs the twins (ScalarTwin.cs)
        var assembly = typeof(KernelCatalog).Assembly;
        var structs = assembly.GetTypes().Where(t => t.IsValueType && !t.IsEnum && t.IsPublic).ToArray();
        var entries = new List<Entry>();
        foreach (var type in assembly.GetTypes())
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var attribute = method.GetCustomAttribute<KernelAttribute>();
                if (attribute == null) continue;
                if (!method.IsGenericMethodDefinition)
                {
                    entries.Add(new Entry(method, attribute));
                    continue;
                }
                foreach (var combination in Combinations(method.GetGenericArguments(), structs))
                    entries.Add(new Entry(method.MakeGenericMethod(combination), attribute));
            }
        return entries.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<Type[]> Combinations(Type[] parameters, Type[] candidates)
    {
        IEnumerable<Type[]> result = [[]];
        foreach (var parameter in parameters)
        {
            var fitting = candidates.Where(c => Satisfies(parameter, c)).ToArray();
            result = result.SelectMany(prefix => fitting.Select(f => prefix.Append(f).ToArray()));
        }
        return result;
    }

    private static bool Satisfies(Type parameter, Type candidate) =>
        parameter.GetGenericParameterConstraints().All(c => c == typeof(ValueType) || c.IsAssignableFrom(candidate));
}
