namespace ILGpuNet.Kernels;

/// <summary>Four 32-bit words: one Philox counter, key-expanded output block.</summary>
public readonly struct UInt4
{
    public readonly uint X, Y, Z, W;

    public UInt4(uint x, uint y, uint z, uint w) { X = x; Y = y; Z = z; W = w; }

    /// <summary>Word j (0..3) without an array, so kernels can pick a tail element.</summary>
    public uint Get(int j) => j == 0 ? X : j == 1 ? Y : j == 2 ? Z : W;
}

/// <summary>
/// Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3", SC 2011),
/// the counter-based generator of Random123, cuRAND and PyTorch's CUDA backend. Plain static code
/// without arrays or allocation, so the same methods run inside ILGPU kernels (CPU accelerator and
/// CUDA) and on the host; integer arithmetic makes every device produce identical bits.
/// <para>
/// Addressing (the whole contract; RandomSource, RandomKernels and Reference.Random follow it):
/// value i (i >= 0) of the stream (seed, offset) is word i % 4 of
/// <c>Philox4x32_10(counter = (lo(b), hi(b), 0, 0), key = (lo(seed), hi(seed)))</c> with the 64-bit block
/// index <c>b = offset + i / 4</c>. The offset counts 128-bit blocks (four values), so a stream of n
/// values occupies blocks [offset, offset + ceil(n / 4)); RandomSource hands out disjoint block ranges.
/// A value (and hence a dropout mask bit) depends only on (seed, offset, i): not on the launch shape,
/// the thread that computes it, or the device. Counter words 2 and 3 stay zero (room for stream ids).
/// </para>
/// </summary>
public static class Philox
{
    /// <summary>Round multipliers of Philox4x32.</summary>
    public const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;

    /// <summary>Weyl key increments (golden ratio, sqrt(3) - 1).</summary>
    public const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>2^-24: the spacing of uniform floats made from the top 24 bits of a word.</summary>
    public const float UniformScale = 1f / 16777216f;

    /// <summary>The ten-round Philox4x32 bijection of counter (c0..c3) under key (k0, k1).</summary>
    public static UInt4 Philox4x32_10(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        var c = new UInt4(c0, c1, c2, c3);
        c = Round(c, k0, k1);
        for (int r = 1; r < 10; r++)
        {
            // The key schedule bumps the key before every round but the first.
            k0 += W0;
            k1 += W1;
            c = Round(c, k0, k1);
        }
        return c;
    }

    /// <summary>One Philox S-box round: two 32x32 -> 64-bit products, their halves crossed and keyed.</summary>
    private static UInt4 Round(UInt4 c, uint k0, uint k1)
    {
        ulong p0 = (ulong)M0 * c.X;
        ulong p1 = (ulong)M1 * c.Z;
        return new UInt4((uint)(p1 >> 32) ^ c.Y ^ k0, (uint)p1, (uint)(p0 >> 32) ^ c.W ^ k1, (uint)p0);
    }

    /// <summary>Block b of the stream with this seed (see the addressing scheme above).</summary>
    public static UInt4 Block(ulong seed, ulong block) =>
        Philox4x32_10((uint)block, (uint)(block >> 32), 0u, 0u, (uint)seed, (uint)(seed >> 32));

    /// <summary>Kernel form of <see cref="Block"/>: seed and offset arrive as int halves, plus the block index within the stream.</summary>
    public static UInt4 Block(int seedLo, int seedHi, int offsetLo, int offsetHi, long index) =>
        Block(Join(seedLo, seedHi), Join(offsetLo, offsetHi) + (ulong)index);

    /// <summary>A 64-bit value from the two int halves kernels take as parameters.</summary>
    public static ulong Join(int lo, int hi) => (ulong)(uint)hi << 32 | (uint)lo;

    /// <summary>Low half of a 64-bit value as a kernel int parameter.</summary>
    public static int Lo(ulong v) => (int)(uint)v;

    /// <summary>High half of a 64-bit value as a kernel int parameter.</summary>
    public static int Hi(ulong v) => (int)(uint)(v >> 32);

    /// <summary>
    /// Uniform in [0, 1) from the top 24 bits: exact in float, identical on every device. The 24-bit
    /// integer is converted as a signed int: an unsigned one goes through double in ILGPU's PTX.
    /// </summary>
    public static float Uniform(uint x) => (int)(x >> 8) * UniformScale;

    /// <summary>Uniform in (0, 1] from the top 24 bits (a logarithm's argument never is 0).</summary>
    public static float UniformOpenZero(uint x) => (int)((x >> 8) + 1) * UniformScale;

    /// <summary>Value i of the uniform [0, 1) stream (seed, offset): the host's view of what the kernels write.</summary>
    public static float Uniform(ulong seed, ulong offset, long i) => Uniform(Block(seed, offset + (ulong)(i >> 2)).Get((int)(i & 3)));

    /// <summary>
    /// Four standard normals from one block by Box-Muller: words (X, Y) give the first pair, (Z, W) the
    /// second. The angle is centred on [-pi, pi), where the GPU's fast sine and cosine are accurate;
    /// the pair's distribution does not change. Normals are not bit-identical across devices: ILGPU's
    /// PTX uses lg2/sin/cos.approx, which put them within 1e-4 of the host's (7.6e-5 at most over 1.1M
    /// values on an H100; the CPU accelerator matches the host exactly). The radius is clamped at 0
    /// because a fast logarithm may round log(1 - 2^-24) up to a positive value.
    /// </summary>
    public static Float4 Normal4(UInt4 r)
    {
        const float TwoPi = 6.28318530717958647692f, Pi = 3.14159265358979323846f;
        float ra = MathF.Sqrt(MathF.Max(0f, -2f * MathF.Log(UniformOpenZero(r.X))));
        float ta = TwoPi * Uniform(r.Y) - Pi;
        float rb = MathF.Sqrt(MathF.Max(0f, -2f * MathF.Log(UniformOpenZero(r.Z))));
        float tb = TwoPi * Uniform(r.W) - Pi;
        return new Float4(ra * MathF.Cos(ta), ra * MathF.Sin(ta), rb * MathF.Cos(tb), rb * MathF.Sin(tb));
    }

    /// <summary>Value i of the standard normal stream (seed, offset) on the host.</summary>
    public static float Normal(ulong seed, ulong offset, long i)
    {
        var z = Normal4(Block(seed, offset + (ulong)(i >> 2)));
        return (i & 3) switch { 0 => z.X, 1 => z.Y, 2 => z.Z, _ => z.W };
    }

    /// <summary>
    /// The dropout rule: keep a value whose uniform u satisfies u >= p (probability 1 - p up to 2^-24).
    /// Both sides are exact floats, so the comparison (the mask) is identical on every device; p = 0
    /// keeps everything and p = 1 drops everything.
    /// </summary>
    public static bool Keep(uint x, float p) => Uniform(x) >= p;

    /// <summary>Blocks a stream of n values occupies: ceil(n / 4).</summary>
    public static ulong BlocksFor(long n) => (ulong)((n + 3) >> 2);
}
