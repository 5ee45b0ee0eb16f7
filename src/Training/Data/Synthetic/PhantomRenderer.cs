using System.Runtime.CompilerServices;
using ILGpuNet.Kernels;

namespace ILGpuNet.Training.Data.Synthetic;

/// <summary>Tissue volumes (ml) of one rendered scan, summed over partial-volume fractions before noise.</summary>
public readonly record struct PhantomTally(
    double MaskMl, double GreyMatterMl, double DeepGreyMl, double WhiteMatterMl, double CsfMl,
    double VentricleMl, double HippocampusMl)
{
    public double TissueMl => GreyMatterMl + DeepGreyMl + WhiteMatterMl;

    /// <summary>Normalised whole-brain volume: tissue over the skull-stripped mask (OASIS's nWBV).</summary>
    public double Nwbv => MaskMl > 0 ? TissueMl / MaskMl : 0;
}

/// <summary>
/// Renders one scan of a subject's brain phantom onto a grid over the MNI152 2 mm field of view: a T1-like
/// skull-stripped volume (zero outside the brain mask), x fastest. The anatomy is defined in template
/// millimetres (MNI coordinates of an average-sized head): cerebrum, cerebellum and brainstem as a
/// smooth union of ellipsoids with a smooth individual deformation; cortex as grey matter of a given
/// thickness beside every CSF boundary (the outer CSF layer, the sulci and the interhemispheric fissure),
/// sulci as thin sheets along the zero set of a folding field (gradient noise, part shared by the
/// population, part individual) down to 14 mm below the surface; white matter below; lateral and third
/// ventricles; thalamus and basal ganglia; and a hippocampus in a medial-temporal fossa on each side,
/// whose atrophy leaves CSF. Tissue boundaries are partial-volume ramps one voxel wide. Then the pose
/// (misregistration plus scan motion), intensity scale, a smooth multiplicative bias field and Rician
/// noise (Philox per voxel, so any slice order gives the same bits).
/// </summary>
public static partial class PhantomRenderer
{
    // Template geometry, MNI millimetres.
    private const float Cx = 0, Cy = -17, Cz = 14;                 // cerebrum centre, the centre of pose and scale
    private const float CrX = 67, CrY = 84, CrZ = 62;
    private const float CbY = -62, CbZ = -34, CbRx = 48, CbRy = 26, CbRz = 20;  // cerebellum
    private const float BsY = -28, BsZ = -38, BsRx = 11, BsRy = 13, BsRz = 28;  // brainstem
    private const float UnionK = 8;                                 // smooth-union radius (mm)
    private const float FoldLattice = 12, SulcalDepth = 16, FissureDepth = 40;
    private const uint PopulationFoldSeed = 0x9E3779B9u;
    private const float ShapeLattice = 45;

    // Relative T1 intensities (white matter = 1).
    private const float Icsf = 0.22f, Igm = 0.60f, Ideep = 0.74f, Iwm = 1.0f;

    private static readonly Lazy<double> templateVolume = new(MeasureTemplateVolume);

    /// <summary>Mask volume (ml) of the template phantom (size scale 1, no deformation); the size scale is cbrt(eTIV / this).</summary>
    public static double TemplateVolumeMl => templateVolume.Value;

    /// <summary>Renders scan <paramref name="scan"/> of <paramref name="subject"/> into <paramref name="data"/> (grid.Voxels floats, x fastest).</summary>
    public static PhantomTally Render(SyntheticSubject subject, ScanNuisance scan, SyntheticGrid grid, float[] data, bool parallel = true, bool noise = true) =>
        Render(subject.Anatomy, scan, grid, data, parallel, noise);

    public static PhantomTally Render(SubjectAnatomy anatomy, ScanNuisance scan, SyntheticGrid grid, float[] data, bool parallel = true, bool noise = true)
    {
        if (data.Length != grid.Voxels) throw new ArgumentException($"data has {data.Length} floats, the grid {grid} needs {grid.Voxels}");
        var setup = new Setup(anatomy, scan, grid, noise);
        var sums = new double[grid.Nz * Setup.Sums];
        if (parallel)
            Parallel.For(0, grid.Nz, k => setup.Slice(k, data, sums));
        else
            for (int k = 0; k < grid.Nz; k++) setup.Slice(k, data, sums);
        // Summed slice by slice in a fixed order: the tally does not depend on the thread schedule.
        var t = new double[Setup.Sums];
        for (int k = 0; k < grid.Nz; k++)
            for (int q = 0; q < Setup.Sums; q++) t[q] += sums[k * Setup.Sums + q];
        double ml = grid.VoxelX * grid.VoxelY * grid.VoxelZ / 1000;
        return new PhantomTally(t[0] * ml, t[1] * ml, t[2] * ml, t[3] * ml, t[4] * ml, t[5] * ml, t[6] * ml);
    }

    private static double MeasureTemplateVolume()
    {
        var grid = SyntheticGrid.Mni2mm;
        var anatomy = new SubjectAnatomy
        {
            SizeScale = 1, StretchY = 1, StretchZ = 1, EtivTarget = 0, VentricleFactor = 1, SulcalWidthMm = 1,
            OuterCsfMm = 2, CortexThicknessMm = 3, HippocampusFactor = 1, ShapeAmplitudeMm = 0, ShapeSeed = 0, FoldSeed = 0,
            Misregistration = default, IntensityScale = 1, Bias = new double[9],
        };
        var scan = new ScanNuisance { Motion = default, IntensityJitter = 1, NoiseSigma = 0, NoiseSeed = 0, BiasJitter = new double[9] };
        return Render(anatomy, scan, grid, new float[grid.Voxels], parallel: true, noise: false).MaskMl;
    }

    /// <summary>Everything one scan needs per voxel, as floats, prepared once.</summary>
    private sealed partial class Setup
    {
        public const int Sums = 7;

        private readonly int nx, ny;
        private readonly float m00, m01, m02, m10, m11, m12, m20, m21, m22, b0, b1, b2;  // voxel -> template mm
        private readonly float vox, invVox;
        private readonly float shapeAmp, outerCsf, halfSulcus, halfFissure, thickness;
        private readonly uint shapeSeed, foldSeed;
        private readonly float cerebrumLimit, cerebellumLimit, brainstemLimit;
        private readonly float ventRx, ventRy, ventRz, ventCx, thirdRx;
        private readonly float hipRx, hipRy, hipRz;
        private readonly float scale, sigma;
        private readonly bool noise;
        private readonly ulong noiseSeed;
        private readonly float[] bias = new float[9];
        private readonly float sx, sy, sz;  // voxel index -> [-1, 1] for the bias field

        public Setup(SubjectAnatomy a, ScanNuisance s, SyntheticGrid grid, bool noise)
        {
            nx = grid.Nx; ny = grid.Ny;
            var pose = a.Misregistration + s.Motion;
            var r = Rotation(pose.Rx, pose.Ry, pose.Rz);
            double[] d = [a.SizeScale, a.SizeScale * a.StretchY, a.SizeScale * a.StretchZ];
            var aff = grid.Affine();
            // u = C + D^-1 R^T (Aff * ijk + a0 - C - t)
            var m = new double[3, 3];
            var b = new double[3];
            double[] c = [Cx, Cy, Cz];
            double[] off = [aff[0, 3] - Cx - pose.Tx, aff[1, 3] - Cy - pose.Ty, aff[2, 3] - Cz - pose.Tz];
            for (int row = 0; row < 3; row++)
            {
                for (int col = 0; col < 3; col++)
                {
                    double acc = 0;
                    for (int q = 0; q < 3; q++) acc += r[q, row] * aff[q, col];
                    m[row, col] = acc / d[row];
                }
                double o = 0;
                for (int q = 0; q < 3; q++) o += r[q, row] * off[q];
                b[row] = c[row] + o / d[row];
            }
            (m00, m01, m02, m10, m11, m12, m20, m21, m22) = ((float)m[0, 0], (float)m[0, 1], (float)m[0, 2], (float)m[1, 0], (float)m[1, 1], (float)m[1, 2], (float)m[2, 0], (float)m[2, 1], (float)m[2, 2]);
            (b0, b1, b2) = ((float)b[0], (float)b[1], (float)b[2]);

            vox = (float)(Math.Cbrt(grid.VoxelX * grid.VoxelY * grid.VoxelZ) / a.SizeScale);
            invVox = 1 / vox;
            shapeAmp = (float)a.ShapeAmplitudeMm;
            shapeSeed = a.ShapeSeed;
            foldSeed = a.FoldSeed;
            outerCsf = (float)a.OuterCsfMm;
            halfSulcus = (float)(a.SulcalWidthMm / 2);
            halfFissure = halfSulcus + 0.5f;
            thickness = (float)a.CortexThicknessMm;
            float margin = shapeAmp + 1.5f * vox;
            cerebrumLimit = Sq(1 + margin / Math.Min(CrX, Math.Min(CrY, CrZ)));
            cerebellumLimit = Sq(1 + margin / Math.Min(CbRx, Math.Min(CbRy, CbRz)));
            brainstemLimit = Sq(1 + margin / Math.Min(BsRx, Math.Min(BsRy, BsRz)));

            // Ventricles widen most, lengthen least: the three exponents sum to 1, so volume ~ factor.
            double f = a.VentricleFactor;
            ventRx = (float)(5 * Math.Pow(f, 0.6));
            ventRy = (float)(28 * Math.Pow(f, 0.1));
            ventRz = (float)(9 * Math.Pow(f, 0.3));
            ventCx = 1.0f + ventRx;
            thirdRx = (float)(1.2 * Math.Pow(f, 0.6));
            // The hippocampus thins more than it shortens: radii exponents 0.4 + 0.2 + 0.4.
            double h = a.HippocampusFactor;
            hipRx = (float)(5.5 * Math.Pow(h, 0.4));
            hipRy = (float)(18 * Math.Pow(h, 0.2));
            hipRz = (float)(7 * Math.Pow(h, 0.4));

            scale = (float)(a.IntensityScale * s.IntensityJitter);
            sigma = (float)(s.NoiseSigma * a.IntensityScale * s.IntensityJitter);
            this.noise = noise && sigma > 0;
            noiseSeed = s.NoiseSeed;
            for (int q = 0; q < 9; q++) bias[q] = (float)(a.Bias[q] + s.BiasJitter[q]);
            sx = 2f / Math.Max(1, grid.Nx - 1);
            sy = 2f / Math.Max(1, grid.Ny - 1);
            sz = 2f / Math.Max(1, grid.Nz - 1);
        }

        public void Slice(int k, float[] data, double[] sums)
        {
            double mask = 0, gmSum = 0, deepSum = 0, wmSum = 0, csfSum = 0, ventSum = 0, hipSum = 0;
            float zn = k * sz - 1;
            for (int j = 0; j < ny; j++)
            {
                int row = (k * ny + j) * nx;
                float ux = m01 * j + m02 * k + b0, uy = m11 * j + m12 * k + b1, uz = m21 * j + m22 * k + b2;
                float yn = j * sy - 1;
                for (int i = 0; i < nx; i++, ux += m00, uy += m10, uz += m20)
                {
                    if (!Tissue(ux, uy, uz, out float csf, out float gm, out float deep, out float wm, out float vent, out float hip))
                    {
                        data[row + i] = 0;
                        continue;
                    }
                    mask++; gmSum += gm; deepSum += deep; wmSum += wm; csfSum += csf; ventSum += vent; hipSum += hip;
                    float intensity = csf * Icsf + gm * Igm + deep * Ideep + wm * Iwm;
                    float xn = i * sx - 1;
                    float logBias = bias[0] * xn + bias[1] * yn + bias[2] * zn + bias[3] * xn * xn + bias[4] * yn * yn
                                    + bias[5] * zn * zn + bias[6] * xn * yn + bias[7] * yn * zn + bias[8] * xn * zn;
                    float signal = scale * intensity * MathF.Exp(logBias);
                    if (noise)
                    {
                        // Rician magnitude of a complex signal with Gaussian noise in both channels; each
                        // normal is a sum of four 16-bit uniforms (Irwin-Hall), exact integer arithmetic.
                        var r = Philox.Block(noiseSeed, (ulong)(row + i));
                        float n1 = ((int)(r.X & 0xFFFF) + (int)(r.X >> 16) + (int)(r.Y & 0xFFFF) + (int)(r.Y >> 16) - 131070) * (1f / 37837.2f);
                        float n2 = ((int)(r.Z & 0xFFFF) + (int)(r.Z >> 16) + (int)(r.W & 0xFFFF) + (int)(r.W >> 16) - 131070) * (1f / 37837.2f);
                        float re = signal + sigma * n1, im = sigma * n2;
                        signal = MathF.Sqrt(re * re + im * im);
                    }
                    // A voxel of the mask is never exactly 0 (that is the background's value).
                    data[row + i] = MathF.Max(signal, 1e-3f);
                }
            }
            int o = k * Sums;
            sums[o] = mask; sums[o + 1] = gmSum; sums[o + 2] = deepSum; sums[o + 3] = wmSum;
            sums[o + 4] = csfSum; sums[o + 5] = ventSum; sums[o + 6] = hipSum;
        }

        /// <summary>Partial-volume tissue fractions at template point u; false outside the brain mask.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool Tissue(float ux, float uy, float uz, out float csf, out float gm, out float deep, out float wm, out float vent, out float hip)
        {
            csf = gm = deep = wm = vent = hip = 0;
            float px = ux - Cx, py = uy - Cy, pz = uz - Cz;
            float qy = uy - CbY, qz = uz - CbZ, ry = uy - BsY, rz = uz - BsZ;
            float n0 = Sq(px / CrX) + Sq(py / CrY) + Sq(pz / CrZ);
            float n1 = Sq(px / CbRx) + Sq(qy / CbRy) + Sq(qz / CbRz);
            float n2 = Sq(px / BsRx) + Sq(ry / BsRy) + Sq(rz / BsRz);
            if (n0 > cerebrumLimit && n1 > cerebellumLimit && n2 > brainstemLimit) return false;

            float d0 = Depth(px, py, pz, CrX, CrY, CrZ);
            float d1 = Depth(px, qy, qz, CbRx, CbRy, CbRz);
            float d2 = Depth(px, ry, rz, BsRx, BsRy, BsRz);
            float depth = SmoothMax(SmoothMax(d0, d1), d2);
            if (shapeAmp > 0)
                depth += shapeAmp * GradientNoise.Value(shapeSeed, ux * (1 / ShapeLattice), uy * (1 / ShapeLattice), uz * (1 / ShapeLattice));
            if (depth <= 0) return false;

            // Cortex: distance to the nearest CSF (outer layer, sulcus, fissure), grey matter within the thickness.
            float db = depth - outerCsf;
            float toCsf = db;
            if (db < SulcalDepth + thickness + vox)
            {
                float g1 = GradientNoise.Sample(PopulationFoldSeed, ux * (1 / FoldLattice), uy * (1 / FoldLattice), uz * (1 / FoldLattice), out float gx1, out float gy1, out float gz1);
                float g2 = GradientNoise.Sample(foldSeed, ux * (1 / FoldLattice) + 0.37f, uy * (1 / FoldLattice) + 0.61f, uz * (1 / FoldLattice) + 0.13f, out float gx2, out float gy2, out float gz2);
                float g = 0.8f * g1 + 0.5f * g2;
                float grad = MathF.Sqrt(Sq(0.8f * gx1 + 0.5f * gx2) + Sq(0.8f * gy1 + 0.5f * gy2) + Sq(0.8f * gz1 + 0.5f * gz2)) * (1 / FoldLattice);
                float sheet = MathF.Abs(g) / MathF.Max(grad, 0.02f) - halfSulcus;
                toCsf = MathF.Min(toCsf, Fundus(sheet, db, SulcalDepth));
            }
            if (d0 >= d1 && d0 >= d2 && uz > -10 && db < FissureDepth + thickness + vox)
                toCsf = MathF.Min(toCsf, Fundus(MathF.Abs(ux) - halfFissure, db, FissureDepth));
            csf = Ramp(-toCsf);
            wm = Ramp(toCsf - thickness);
            gm = MathF.Max(0, 1 - csf - wm);

            // Deep grey matter (thalamus, basal ganglia) replaces white matter.
            float ax = MathF.Abs(ux);
            float dDeep = MathF.Max(Depth(ax - 10, uy + 19, uz - 6, 7, 12, 8), Depth(ax - 22, uy - 4, uz - 2, 7, 14, 10));
            if (dDeep > -vox)
            {
                deep = wm * Ramp(dDeep);
                wm -= deep;
            }

            // Medial-temporal fossa: the hippocampus (grey matter), and CSF where it has shrunk away.
            if (ax > 14 && ax < 40 && uy > -48 && uy < 4 && uz > -30 && uz < 4)
            {
                const float Cos = 0.906308f, Sin = 0.422618f;  // long axis tilted 25 degrees, posterior end up
                float hy = uy + 22, hz = uz + 14;
                float ly = hy * Cos - hz * Sin, lz = hy * Sin + hz * Cos;
                float fossa = Ramp(Depth(ax - 27, ly, lz, 6.7f, 19.5f, 8.2f));
                if (fossa > 0)
                {
                    hip = MathF.Min(fossa, Ramp(Depth(ax - 27, ly, lz, hipRx, hipRy, hipRz)));
                    float keep = 1 - fossa;
                    csf = csf * keep + (fossa - hip);
                    gm = gm * keep + hip;
                    wm *= keep;
                    deep *= keep;
                }
            }

            // Lateral ventricles (bent down at both ends) and the third ventricle.
            float bend = uz - 16 + 0.007f * Sq(uy + 10);
            float dVent = MathF.Max(Depth(ax - ventCx, uy + 10, bend, ventRx, ventRy, ventRz), Depth(ux, uy + 16, uz - 2, thirdRx, 11, 8));
            if (dVent > -vox)
            {
                vent = Ramp(dVent);
                float keep = 1 - vent;
                csf = csf * keep + vent;
                gm *= keep;
                wm *= keep;
                deep *= keep;
                hip *= keep;
            }
            return true;
        }

        /// <summary>Signed distance to a CSF sheet that reaches <paramref name="maxDepth"/> below the surface and ends in a rounded fundus.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Fundus(float sheet, float db, float maxDepth) =>
            db <= maxDepth ? sheet : MathF.Sqrt(Sq(MathF.Max(sheet, 0)) + Sq(db - maxDepth));

        /// <summary>Partial-volume fraction of the inside of a boundary at signed distance d (positive inside), one voxel wide.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private float Ramp(float d) => Math.Clamp(0.5f + d * invVox, 0f, 1f);
    }

    /// <summary>Approximate depth (mm, positive inside) of a point relative to an axis-aligned ellipsoid centred at the origin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Depth(float x, float y, float z, float rx, float ry, float rz)
    {
        float ax = x / rx, ay = y / ry, az = z / rz;
        float k0 = MathF.Sqrt(ax * ax + ay * ay + az * az);
        float k1 = MathF.Sqrt(Sq(ax / rx) + Sq(ay / ry) + Sq(az / rz));
        return k1 > 1e-6f ? k0 * (1 - k0) / k1 : MathF.Min(rx, MathF.Min(ry, rz));
    }

    /// <summary>Smooth maximum (union of insides) with a blend of <see cref="UnionK"/> mm.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SmoothMax(float a, float b)
    {
        float h = MathF.Max(UnionK - MathF.Abs(a - b), 0) / UnionK;
        return MathF.Max(a, b) + h * h * UnionK * 0.25f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sq(float x) => x * x;

    private static double[,] Rotation(double rxDeg, double ryDeg, double rzDeg)
    {
        double ax = rxDeg * Math.PI / 180, ay = ryDeg * Math.PI / 180, az = rzDeg * Math.PI / 180;
        double cx = Math.Cos(ax), sx = Math.Sin(ax), cy = Math.Cos(ay), sy = Math.Sin(ay), cz = Math.Cos(az), sz = Math.Sin(az);
        // R = Rz * Ry * Rx
        return new double[,]
        {
            { cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx },
            { sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx },
            { -sy, cy * sx, cy * cx },
        };
    }
}
