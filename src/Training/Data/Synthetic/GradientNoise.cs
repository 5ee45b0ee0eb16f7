using System.Runtime.CompilerServices;

namespace ILGpuNet.Training.Data.Synthetic;

/// <summary>
/// Seeded 3D gradient (Perlin) noise with its analytic gradient, on an unbounded integer lattice: the
/// gradient at a lattice point comes from an integer hash of (seed, point), so there is no table, no
/// shared state and the value at a point depends only on (seed, point). Values lie roughly in [-1, 1];
/// the zero set is a labyrinth of smooth sheets about one lattice cell apart, which is what the phantom
/// uses as sulci. The gradient lets a caller turn |value| into a distance (|value| / |gradient|).
/// </summary>
public static class GradientNoise
{
    // The twelve cube-edge directions of improved Perlin noise, four repeated to make sixteen.
    private static ReadOnlySpan<sbyte> Gx => [1, -1, 1, -1, 1, -1, 1, -1, 0, 0, 0, 0, 1, 0, -1, 0];
    private static ReadOnlySpan<sbyte> Gy => [1, 1, -1, -1, 0, 0, 0, 0, 1, -1, 1, -1, 1, -1, 1, -1];
    private static ReadOnlySpan<sbyte> Gz => [0, 0, 0, 0, 1, 1, -1, -1, 1, 1, -1, -1, 0, 1, 0, -1];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(uint seed, int x, int y, int z)
    {
        uint h = seed ^ (uint)x * 0x8DA6B343u ^ (uint)y * 0xD8163841u ^ (uint)z * 0xCB1AB31Fu;
        h ^= h >> 16;
        h *= 0x7FEB352Du;
        h ^= h >> 15;
        h *= 0x846CA68Bu;
        h ^= h >> 16;
        return (int)(h >> 28);
    }

    /// <summary>Noise value at (x, y, z) in lattice units.</summary>
    public static float Value(uint seed, float x, float y, float z) => Sample(seed, x, y, z, out _, out _, out _);

    /// <summary>Noise value at (x, y, z) in lattice units and its gradient (per lattice unit).</summary>
    public static float Sample(uint seed, float x, float y, float z, out float dx, out float dy, out float dz)
    {
        float fx = MathF.Floor(x), fy = MathF.Floor(y), fz = MathF.Floor(z);
        int ix = (int)fx, iy = (int)fy, iz = (int)fz;
        float tx = x - fx, ty = y - fy, tz = z - fz;

        // Quintic fade and its derivative: C2 continuity, so the sheets have no creases.
        float u = tx * tx * tx * (tx * (tx * 6 - 15) + 10), du = 30 * tx * tx * (tx * (tx - 2) + 1);
        float v = ty * ty * ty * (ty * (ty * 6 - 15) + 10), dv = 30 * ty * ty * (ty * (ty - 2) + 1);
        float w = tz * tz * tz * (tz * (tz * 6 - 15) + 10), dw = 30 * tz * tz * (tz * (tz - 2) + 1);

        var gx = Gx; var gy = Gy; var gz = Gz;
        int a = Hash(seed, ix, iy, iz), b = Hash(seed, ix + 1, iy, iz);
        int c = Hash(seed, ix, iy + 1, iz), d = Hash(seed, ix + 1, iy + 1, iz);
        int e = Hash(seed, ix, iy, iz + 1), f = Hash(seed, ix + 1, iy, iz + 1);
        int g = Hash(seed, ix, iy + 1, iz + 1), h = Hash(seed, ix + 1, iy + 1, iz + 1);

        float ax = gx[a], ay = gy[a], az = gz[a], bx = gx[b], by = gy[b], bz = gz[b];
        float cx = gx[c], cy = gy[c], cz = gz[c], ddx = gx[d], ddy = gy[d], ddz = gz[d];
        float ex = gx[e], ey = gy[e], ez = gz[e], fxg = gx[f], fyg = gy[f], fzg = gz[f];
        float gxg = gx[g], gyg = gy[g], gzg = gz[g], hx = gx[h], hy = gy[h], hz = gz[h];

        float va = ax * tx + ay * ty + az * tz;
        float vb = bx * (tx - 1) + by * ty + bz * tz;
        float vc = cx * tx + cy * (ty - 1) + cz * tz;
        float vd = ddx * (tx - 1) + ddy * (ty - 1) + ddz * tz;
        float ve = ex * tx + ey * ty + ez * (tz - 1);
        float vf = fxg * (tx - 1) + fyg * ty + fzg * (tz - 1);
        float vg = gxg * tx + gyg * (ty - 1) + gzg * (tz - 1);
        float vh = hx * (tx - 1) + hy * (ty - 1) + hz * (tz - 1);

        float k1 = vb - va, k2 = vc - va, k3 = ve - va;
        float k4 = va - vb - vc + vd, k5 = va - vc - ve + vg, k6 = va - vb - ve + vf;
        float k7 = -va + vb + vc - vd + ve - vf - vg + vh;

        float uv = u * v, vw = v * w, wu = w * u, uvw = uv * w;
        // Gradient: the interpolated corner gradients plus the fade derivatives times the value differences.
        dx = ax + u * (bx - ax) + v * (cx - ax) + w * (ex - ax) + uv * (ax - bx - cx + ddx) + vw * (ax - cx - ex + gxg)
             + wu * (ax - bx - ex + fxg) + uvw * (-ax + bx + cx - ddx + ex - fxg - gxg + hx)
             + du * (k1 + k4 * v + k6 * w + k7 * vw);
        dy = ay + u * (by - ay) + v * (cy - ay) + w * (ey - ay) + uv * (ay - by - cy + ddy) + vw * (ay - cy - ey + gyg)
             + wu * (ay - by - ey + fyg) + uvw * (-ay + by + cy - ddy + ey - fyg - gyg + hy)
             + dv * (k2 + k5 * w + k4 * u + k7 * wu);
        dz = az + u * (bz - az) + v * (cz - az) + w * (ez - az) + uv * (az - bz - cz + ddz) + vw * (az - cz - ez + gzg)
             + wu * (az - bz - ez + fzg) + uvw * (-az + bz + cz - ddz + ez - fzg - gzg + hz)
             + dw * (k3 + k6 * u + k5 * v + k7 * uv);
        return va + k1 * u + k2 * v + k3 * w + k4 * uv + k5 * vw + k6 * wu + k7 * uvw;
    }
}
