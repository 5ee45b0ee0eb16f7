namespace ILGpuNet.Layers;

/// <summary>The broadcast shapes the binary ops support, reduced to the kernels' (outer, mid, inner) view.</summary>
internal static class Broadcast
{
    /// <summary>
    /// b must equal a on one contiguous run of axes and be 1 elsewhere, e.g. (1, C, 1, 1, 1) or (C) per
    /// channel, (N, C, 1, 1, 1) per sample and channel. Returns a viewed as (outer, mid, inner) with b
    /// spanning mid.
    /// </summary>
    public static (int Outer, int Mid, int Inner) Plan(int[] a, int[] b, string op)
    {
        int[] full;
        if (b.Length == a.Length) full = b;
        else if (b.Length == 1 && a.Length >= 2 && b[0] == a[1]) { full = Enumerable.Repeat(1, a.Length).ToArray(); full[1] = b[0]; }
        else throw Error(a, b, op);
        int first = Array.FindIndex(full, d => d != 1), last = Array.FindLastIndex(full, d => d != 1);
        if (first < 0) { first = 0; last = -1; }  // b is one value
        for (int i = 0; i < a.Length; i++)
        {
            bool inRun = i >= first && i <= last;
            if (inRun ? full[i] != a[i] : full[i] != 1) throw Error(a, b, op);
        }
        int outer = 1, mid = 1, inner = 1;
        for (int i = 0; i < first; i++) outer *= a[i];
        for (int i = first; i <= last; i++) mid *= a[i];
        for (int i = last + 1; i < a.Length; i++) inner *= a[i];
        return (outer, mid, inner);
    }

    /// <summary>Shapes equal once axes of size 1 are ignored (the same contiguous data).</summary>
    public static bool SameData(int[] a, int[] b) => a.Where(d => d != 1).SequenceEqual(b.Where(d => d != 1));

    private static ArgumentException Error(int[] a, int[] b, string op) =>
        new($"{op}: cannot broadcast [{string.Join(", ", b)}] over [{string.Join(", ", a)}] " +
            "(supported: the same shape, or equal to it on one run of axes and 1 elsewhere)");
}
