using ILGpuNet.Kernels;

namespace ILGpuNet.Layers.Verification;

public static partial class Reference
{
    /// <summary>
    /// Depthwise Conv3d by its definition: y[n,c,o] = b[c] + sum over taps k of w[c,k] * x[n,c,o*s - p + k],
    /// zero outside the input. x (N, C, D, H, W), w (C, 1, KD, KH, KW), b (C) or null.
    /// </summary>
    public static double[] DepthwiseConv3d(double[] x, double[] w, double[]? b, Conv3dShape s)
    {
        var y = new double[(long)s.N * s.Cout * s.OutSpatial];
        ForEachTap(s, (yi, xi, wi) => y[yi] += w[wi] * x[xi]);
        if (b != null)
            for (int i = 0; i < y.Length; i++) y[i] += b[i / s.OutSpatial % s.Cout];
        return y;
    }

    /// <summary>Gradients of <see cref="DepthwiseConv3d"/> for the output gradient dy: (dx, dw, db).</summary>
    public static (double[] Dx, double[] Dw, double[] Db) DepthwiseConv3dBackward(double[] x, double[] w, double[] dy, Conv3dShape s)
    {
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[s.Cout];
        ForEachTap(s, (yi, xi, wi) =>
        {
            dx[xi] += w[wi] * dy[yi];
            dw[wi] += x[xi] * dy[yi];
        });
        for (int i = 0; i < dy.Length; i++) db[i / s.OutSpatial % s.Cout] += dy[i];
        return (dx, dw, db);
    }

    /// <summary>Calls visit(output index, input index, weight index) for every in-bounds tap of every output voxel.</summary>
    private static void ForEachTap(Conv3dShape s, Action<int, int, int> visit)
    {
        for (int n = 0; n < s.N; n++)
            for (int c = 0; c < s.Cout; c++)
                for (int od = 0; od < s.OD; od++)
                    for (int oh = 0; oh < s.OH; oh++)
                        for (int ow = 0; ow < s.OW; ow++)
                        {
                            int yi = (((n * s.Cout + c) * s.OD + od) * s.OH + oh) * s.OW + ow;
                            for (int kd = 0; kd < s.KD; kd++)
                                for (int kh = 0; kh < s.KH; kh++)
                                    for (int kw = 0; kw < s.KW; kw++)
                                    {
                                        int id = od * s.SD - s.PD + kd, ih = oh * s.SH - s.PH + kh, iw = ow * s.SW - s.PW + kw;
                                        if (id < 0 || id >= s.D || ih < 0 || ih >= s.H || iw < 0 || iw >= s.W) continue;
                                        int xi = (((n * s.Cin + c) * s.D + id) * s.H + ih) * s.W + iw;
                                        int wi = ((c * s.KD + kd) * s.KH + kh) * s.KW + kw;
                                        visit(yi, xi, wi);
                                    }
                        }
    }
}
