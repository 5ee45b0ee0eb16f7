namespace ILGpuNet.Tensors;

/// <summary>
/// Fills every tensor created on this thread with NaN while a scope is open, so that elements a kernel fails to
/// write show up in checks. Thread-local like <see cref="Autograd.NoGrad"/>: tests that run in parallel on the same
/// device do not see each other's setting.
/// </summary>
public static class TensorPoison
{
    [ThreadStatic] private static int depth;

    /// <summary>Whether new tensors on this thread are poisoned.</summary>
    public static bool IsActive => depth > 0;

    /// <summary>Poisons new tensors on this thread until disposed (scopes nest).</summary>
    public static IDisposable Scope()
    {
        depth++;
        return new Restore();
    }

    private sealed class Restore : IDisposable
    {
        private bool done;

        public void Dispose()
        {
            if (done) return;
            done = true;
            depth--;
        }
    }
}
