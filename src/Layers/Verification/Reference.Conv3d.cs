using ILGpuNet.Kernels;

namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>
    /// PyTorch's F.conv3d by direct loops (dilation 1): x (N, Cin, D, H, W), w (Cout, Cin/G, KD, KH, KW),
    /// bias (Cout) or null, geometry s (per-axis stride and zero padding, groups).
    /// </summary>
    public static double[] Conv3d(double[] x, double[] w, double[]? bias, Conv3dShape s)
    {
        var y = new double[s.N * s.Cout * s.OD * s.OH * s.OW];
        if (bias != null)
            for (int o = 0; o < y.Length; o++) y[o] = bias[o / (s.OD * s.OH * s.OW) % s.Cout];
        foreach (var (o, xi, wi) in Conv3dTaps(s)) y[o] += x[xi] * w[wi];
        return y;
    }

    /// <summary>
    /// Gradients of <see cref="Conv3d"/> for the output gradient dy by direct loops (the same taps as the
    /// forward, scattered back): dx (shape of x), dw (shape of w), db (Cout).
    /// For tests at sizes where finite differences are too slow.
    /// </summary>
    public static (double[] Dx, double[] Dw, double[] Db) Conv3dBackward(double[] x, double[] w, double[] dy, Conv3dShape s)
    {
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[s.Cout];
        for (int o = 0; o < dy.Length; o++) db[o / (s.OD * s.OH * s.OW) % s.Cout] += dy[o];
        foreach (var (o, xi, wi) in Conv3dTaps(s))
        {
            dx[xi] += dy[o] * w[wi];
            dw[wi] += dy[o] * x[xi];
        }
        return (dx, dw, db);
    }

    /// <summary>
    /// Every (output, input, weight) index triple of a convolution that multiplies a real input voxel
    /// (taps in the zero padding are skipped), outputs in NCDHW order: the one definition of the
    /// geometry that the forward and backward references share.
    /// </summary>
    private static IEnumerable<(int Output, int Input, int Weight)> Conv3dTaps(Conv3dShape s)
    {
        int cinPg = s.Cin / s.Groups, coutPg = s.Cout / s.Groups;
        int o = 0;
        for (int n = 0; n < s.N; n++)
            for (int co = 0; co < s.Cout; co++)
            {
                int g = co / coutPg;
                for (int od = 0; od < s.OD; od++)
                    for (int oh = 0; oh < s.OH; oh++)
                        for (int ow = 0; ow < s.OW; ow++, o++)
                            for (int ci = 0; ci < cinPg; ci++)
                                for (int kd = 0; kd < s.KD; kd++)
                                {
                                    int id = od * s.SD - s.PD + kd;
                                    if (id < 0 || id >= s.D) continue;
                                    for (int kh = 0; kh < s.KH; kh++)
                                    {
                                        int ih = oh * s.SH - s.PH + kh;
                                        if (ih < 0 || ih >= s.H) continue;
                                        for (int kw = 0; kw < s.KW; kw++)
                                        {
                                            int iw = ow * s.SW - s.PW + kw;
                                            if (iw < 0 || iw >= s.W) continue;
                                            yield return (o, (((n * s.Cin + g * cinPg + ci) * s.D + id) * s.H + ih) * s.W + iw,
                                                (((co * cinPg + ci) * s.KD + kd) * s.KH + kh) * s.KW + kw);
                                        }
                                    }
                                }
            }
    }
}
