using ILGpuNet.Kernels;

namespace ILGpuNet.Training.Data;

/// <summary>
/// Seeded random numbers for data handling, drawn from Philox blocks addressed by purpose and indices
/// rather than from a sequential generator: the value for (purpose, a, b, i) is the same whichever thread
/// asks and in whatever order, and does not change with the .NET version (System.Random's may).
/// </summary>
internal static class DataRandom
{
    public const uint ShufflePurpose = 0x53485546; // "SHUF"
    public const uint AugmentPurpose = 0x41554731; // "AUG1"
    public const uint SplitPurpose = 0x53504C54;   // "SPLT"

    public static UInt4 Block(ulong seed, uint purpose, uint a, uint b, uint i) =>
        Philox.Philox4x32_10(i, a, b, purpose, (uint)seed, (uint)(seed >> 32));

    /// <summary>A uniform integer in [0, n) from 32 random bits (multiply-shift; bias below 2^-32 * n).</summary>
    public static int Below(uint bits, int n) => (int)(((ulong)bits * (ulong)n) >> 32);

    /// <summary>A seeded Fisher-Yates permutation of 0..n-1; <paramref name="a"/> and <paramref name="b"/> name the stream.</summary>
    public static int[] Permutation(int n, ulong seed, uint purpose, uint a, uint b = 0)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = Below(Block(seed, purpose, a, b, (uint)i).X, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
