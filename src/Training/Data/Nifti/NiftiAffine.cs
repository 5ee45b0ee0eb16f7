namespace ILGpuNet.Training.Data.Nifti;

/// <summary>
/// The quaternion parametrisation of a NIfTI qform (and its inverse), plus the few 4x4 affine helpers the
/// reader, writer and <see cref="Conform"/> need. Affines are <c>double[4, 4]</c>, row-major, mapping
/// voxel indices (i, j, k, 1) to world millimetres (x, y, z, 1), exactly as nibabel's <c>img.affine</c>.
/// </summary>
public static class NiftiAffine
{
    /// <summary>The rigid part of a qform: unit quaternion (b, c, d; a = sqrt(1 - b^2 - c^2 - d^2) &gt;= 0),
    /// offsets, voxel sizes and qfac (-1 when the third axis is flipped, the sign of the determinant).</summary>
    public readonly record struct Quaternion(double B, double C, double D, double OffsetX, double OffsetY, double OffsetZ,
        double Dx, double Dy, double Dz, double Qfac);

    public static double[,] Identity() => Diagonal(1, 1, 1);

    public static double[,] Diagonal(double sx, double sy, double sz) => new double[,]
    {
        { sx, 0, 0, 0 },
        { 0, sy, 0, 0 },
        { 0, 0, sz, 0 },
        { 0, 0, 0, 1 },
    };

    /// <summary>The standard's method 2: the qform matrix from quaternion, offsets, pixdim and qfac.
    /// Non-positive voxel sizes count as 1 and a qfac other than -1 counts as 1, as in the reference library.</summary>
    public static double[,] FromQuaternion(Quaternion q)
    {
        double b = q.B, c = q.C, d = q.D;
        double a = 1.0 - (b * b + c * c + d * d);
        if (a < 1e-7)
        {
            // b, c, d stored in float32 can exceed the unit sphere by rounding: a 180-degree rotation (a = 0).
            double n = 1.0 / Math.Sqrt(b * b + c * c + d * d);
            b *= n; c *= n; d *= n;
            a = 0;
        }
        else
        {
            a = Math.Sqrt(a);
        }

        double dx = q.Dx > 0 ? q.Dx : 1, dy = q.Dy > 0 ? q.Dy : 1, dz = q.Dz > 0 ? q.Dz : 1;
        if (q.Qfac < 0) dz = -dz;
        return new double[,]
        {
            { (a * a + b * b - c * c - d * d) * dx, 2 * (b * c - a * d) * dy, 2 * (b * d + a * c) * dz, q.OffsetX },
            { 2 * (b * c + a * d) * dx, (a * a + c * c - b * b - d * d) * dy, 2 * (c * d - a * b) * dz, q.OffsetY },
            { 2 * (b * d - a * c) * dx, 2 * (c * d + a * b) * dy, (a * a + d * d - c * c - b * b) * dz, q.OffsetZ },
            { 0, 0, 0, 1 },
        };
    }

    /// <summary>
    /// The qform closest to an affine: voxel sizes are the column norms, the sign of the determinant gives
    /// qfac, and the remaining matrix is replaced by its nearest rotation (polar decomposition) before the
    /// quaternion is extracted, so shears and rounding do not leak into the quaternion. For an affine without
    /// shear, <see cref="FromQuaternion"/> of the result gives the affine back.
    /// </summary>
    public static Quaternion ToQuaternion(double[,] affine)
    {
        CheckShape(affine);
        var r = new double[3, 3];
        var zoom = ColumnNorms(affine);
        for (int col = 0; col < 3; col++)
        {
            if (!(zoom[col] > 0) || !double.IsFinite(zoom[col]))
                throw new ArgumentException($"affine column {col} has length {zoom[col]}: not a voxel-to-world mapping");
            for (int row = 0; row < 3; row++) r[row, col] = affine[row, col] / zoom[col];
        }

        double qfac = 1;
        if (Determinant3(r) < 0)
        {
            qfac = -1;
            for (int row = 0; row < 3; row++) r[row, 2] = -r[row, 2];
        }

        Orthogonalise(r);
        double r11 = r[0, 0], r12 = r[0, 1], r13 = r[0, 2];
        double r21 = r[1, 0], r22 = r[1, 1], r23 = r[1, 2];
        double r31 = r[2, 0], r32 = r[2, 1], r33 = r[2, 2];

        // Quaternion from a rotation matrix, choosing the largest of 4a^2, 4b^2, 4c^2, 4d^2 to divide by.
        double a, b, c, d;
        double trace = r11 + r22 + r33 + 1;
        if (trace > 0.5)
        {
            a = 0.5 * Math.Sqrt(trace);
            b = 0.25 * (r32 - r23) / a;
            c = 0.25 * (r13 - r31) / a;
            d = 0.25 * (r21 - r12) / a;
        }
        else
        {
            double xd = 1 + r11 - (r22 + r33), yd = 1 + r22 - (r11 + r33), zd = 1 + r33 - (r11 + r22);
            if (xd > 1)
            {
                b = 0.5 * Math.Sqrt(xd);
                c = 0.25 * (r12 + r21) / b;
                d = 0.25 * (r13 + r31) / b;
                a = 0.25 * (r32 - r23) / b;
            }
            else if (yd > 1)
            {
                c = 0.5 * Math.Sqrt(yd);
                b = 0.25 * (r12 + r21) / c;
                d = 0.25 * (r23 + r32) / c;
                a = 0.25 * (r13 - r31) / c;
            }
            else
            {
                d = 0.5 * Math.Sqrt(zd);
                b = 0.25 * (r13 + r31) / d;
                c = 0.25 * (r23 + r32) / d;
                a = 0.25 * (r21 - r12) / d;
            }

            if (a < 0) { b = -b; c = -c; d = -d; }
        }

        return new Quaternion(b, c, d, affine[0, 3], affine[1, 3], affine[2, 3], zoom[0], zoom[1], zoom[2], qfac);
    }

    /// <summary>Lengths of the first three columns: the voxel sizes an affine implies.</summary>
    public static double[] ColumnNorms(double[,] affine)
    {
        CheckShape(affine);
        var n = new double[3];
        for (int col = 0; col < 3; col++)
            n[col] = Math.Sqrt(affine[0, col] * affine[0, col] + affine[1, col] * affine[1, col] + affine[2, col] * affine[2, col]);
        return n;
    }

    public static double[,] Multiply(double[,] a, double[,] b)
    {
        CheckShape(a);
        CheckShape(b);
        var c = new double[4, 4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                double s = 0;
                for (int k = 0; k < 4; k++) s += a[i, k] * b[k, j];
                c[i, j] = s;
            }
        return c;
    }

    /// <summary>Inverse of an affine (last row 0 0 0 1): the 3x3 part by cofactors, then the translation.</summary>
    public static double[,] Invert(double[,] affine)
    {
        CheckShape(affine);
        var m = affine;
        double det = m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1])
                   - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0])
                   + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);
        double scale = Math.Max(ColumnNorms(m).Max(), 1e-300);
        if (!double.IsFinite(det) || Math.Abs(det) <= 1e-12 * scale * scale * scale)
            throw new ArgumentException($"affine is singular (determinant {det:G4}): it does not map voxels to a volume of space");
        var inv = new double[4, 4];
        inv[0, 0] = (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]) / det;
        inv[0, 1] = (m[0, 2] * m[2, 1] - m[0, 1] * m[2, 2]) / det;
        inv[0, 2] = (m[0, 1] * m[1, 2] - m[0, 2] * m[1, 1]) / det;
        inv[1, 0] = (m[1, 2] * m[2, 0] - m[1, 0] * m[2, 2]) / det;
        inv[1, 1] = (m[0, 0] * m[2, 2] - m[0, 2] * m[2, 0]) / det;
        inv[1, 2] = (m[0, 2] * m[1, 0] - m[0, 0] * m[1, 2]) / det;
        inv[2, 0] = (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]) / det;
        inv[2, 1] = (m[0, 1] * m[2, 0] - m[0, 0] * m[2, 1]) / det;
        inv[2, 2] = (m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]) / det;
        for (int i = 0; i < 3; i++)
            inv[i, 3] = -(inv[i, 0] * m[0, 3] + inv[i, 1] * m[1, 3] + inv[i, 2] * m[2, 3]);
        inv[3, 3] = 1;
        return inv;
    }

    /// <summary>(x, y, z) = affine * (i, j, k, 1).</summary>
    public static (double X, double Y, double Z) Apply(double[,] affine, double i, double j, double k) =>
        (affine[0, 0] * i + affine[0, 1] * j + affine[0, 2] * k + affine[0, 3],
         affine[1, 0] * i + affine[1, 1] * j + affine[1, 2] * k + affine[1, 3],
         affine[2, 0] * i + affine[2, 1] * j + affine[2, 2] * k + affine[2, 3]);

    /// <summary>Largest absolute difference between two affines' entries.</summary>
    public static double MaxDifference(double[,] a, double[,] b)
    {
        CheckShape(a);
        CheckShape(b);
        double m = 0;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                m = Math.Max(m, Math.Abs(a[i, j] - b[i, j]));
        return m;
    }

    public static double[,] Copy(double[,] affine)
    {
        CheckShape(affine);
        return (double[,])affine.Clone();
    }

    public static string Format(double[,] affine, string rowPrefix = "")
    {
        var rows = new string[4];
        for (int i = 0; i < 4; i++)
            rows[i] = rowPrefix + string.Join(" ", Enumerable.Range(0, 4).Select(j => affine[i, j].ToString("0.######").PadLeft(11)));
        return string.Join(Environment.NewLine, rows);
    }

    internal static void CheckShape(double[,] affine)
    {
        ArgumentNullException.ThrowIfNull(affine);
        if (affine.GetLength(0) != 4 || affine.GetLength(1) != 4)
            throw new ArgumentException($"an affine is 4x4, not {affine.GetLength(0)}x{affine.GetLength(1)}");
    }

    private static double Determinant3(double[,] r) =>
        r[0, 0] * (r[1, 1] * r[2, 2] - r[1, 2] * r[2, 1])
        - r[0, 1] * (r[1, 0] * r[2, 2] - r[1, 2] * r[2, 0])
        + r[0, 2] * (r[1, 0] * r[2, 1] - r[1, 1] * r[2, 0]);

    /// <summary>Nearest rotation to r (positive determinant) by Newton's iteration R = (R + R^-T) / 2.</summary>
    private static void Orthogonalise(double[,] r)
    {
        var next = new double[3, 3];
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double det = Determinant3(r);
            if (Math.Abs(det) < 1e-12) throw new ArgumentException("affine's rotation part is singular: cannot express it as a qform");

            // R^-T = cofactor matrix / det.
            next[0, 0] = 0.5 * (r[0, 0] + (r[1, 1] * r[2, 2] - r[1, 2] * r[2, 1]) / det);
            next[0, 1] = 0.5 * (r[0, 1] + (r[1, 2] * r[2, 0] - r[1, 0] * r[2, 2]) / det);
            next[0, 2] = 0.5 * (r[0, 2] + (r[1, 0] * r[2, 1] - r[1, 1] * r[2, 0]) / det);
            next[1, 0] = 0.5 * (r[1, 0] + (r[0, 2] * r[2, 1] - r[0, 1] * r[2, 2]) / det);
            next[1, 1] = 0.5 * (r[1, 1] + (r[0, 0] * r[2, 2] - r[0, 2] * r[2, 0]) / det);
            next[1, 2] = 0.5 * (r[1, 2] + (r[0, 1] * r[2, 0] - r[0, 0] * r[2, 1]) / det);
            next[2, 0] = 0.5 * (r[2, 0] + (r[0, 1] * r[1, 2] - r[0, 2] * r[1, 1]) / det);
            next[2, 1] = 0.5 * (r[2, 1] + (r[0, 2] * r[1, 0] - r[0, 0] * r[1, 2]) / det);
            next[2, 2] = 0.5 * (r[2, 2] + (r[0, 0] * r[1, 1] - r[0, 1] * r[1, 0]) / det);
            double change = 0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                {
                    change = Math.Max(change, Math.Abs(next[i, j] - r[i, j]));
                    r[i, j] = next[i, j];
                }
            if (change < 1e-15) break;
        }
    }
}
