namespace ILGpuNet.Kernels;

/// <summary>
/// The geometry of one 3-D convolution (or pooling window) over NCDHW data: input (N, Cin, D, H, W),
/// weights (Cout, Cin / Groups, KD, KH, KW), per-axis stride and zero padding, output (N, Cout, OD, OH, OW)
/// with O = (I + 2 * pad - K) / stride + 1 as in PyTorch (dilation 1). A plain struct so kernels take it
/// as one parameter (ILGPU's typed loaders stop at 14 parameters).
/// </summary>
public struct Conv3dShape
{
    public int N, Cin, D, H, W;
    public int Cout, KD, KH, KW;
    public int SD, SH, SW;
    public int PD, PH, PW;
    public int Groups;
    public int OD, OH, OW;

    public static Conv3dShape Create(int n, int cin, int d, int h, int w, int cout, int kd, int kh, int kw,
        int sd = 1, int sh = 1, int sw = 1, int pd = 0, int ph = 0, int pw = 0, int groups = 1)
    {
        var s = new Conv3dShape
        {
            N = n, Cin = cin, D = d, H = h, W = w, Cout = cout, KD = kd, KH = kh, KW = kw,
            SD = sd, SH = sh, SW = sw, PD = pd, PH = ph, PW = pw, Groups = groups,
        };
        // A non-positive stride leaves the output empty; Validate names the problem.
        s.OD = sd > 0 ? (d + 2 * pd - kd) / sd + 1 : 0;
        s.OH = sh > 0 ? (h + 2 * ph - kh) / sh + 1 : 0;
        s.OW = sw > 0 ? (w + 2 * pw - kw) / sw + 1 : 0;
        return s;
    }

    /// <summary>Input channels per group.</summary>
    public readonly int CinPerGroup => Cin / Groups;

    /// <summary>Output channels per group.</summary>
    public readonly int CoutPerGroup => Cout / Groups;

    /// <summary>Voxels of one input channel.</summary>
    public readonly int InSpatial => D * H * W;

    /// <summary>Voxels of one output channel.</summary>
    public readonly int OutSpatial => OD * OH * OW;

    /// <summary>Taps of one filter over one input channel.</summary>
    public readonly int KernelVolume => KD * KH * KW;

    /// <summary>Whether every output channel reads exactly one input channel (Cout = Cin = Groups).</summary>
    public readonly bool IsDepthwise => Groups == Cin && Cout == Cin;

    /// <summary>Multiply-adds of the forward pass (PyTorch's count: each output voxel x taps x Cin / Groups).</summary>
    public readonly long MultiplyAdds => (long)N * Cout * OutSpatial * CinPerGroup * KernelVolume;

    /// <summary>Why this geometry is invalid, or null when it is fine (checked on the host before launches).</summary>
    public readonly string? Validate()
    {
        if (N <= 0 || Cin <= 0 || D <= 0 || H <= 0 || W <= 0 || Cout <= 0 || KD <= 0 || KH <= 0 || KW <= 0)
            return "sizes must be positive";
        if (SD <= 0 || SH <= 0 || SW <= 0) return "strides must be positive";
        if (PD < 0 || PH < 0 || PW < 0) return "padding must not be negative";
        if (Groups <= 0 || Cin % Groups != 0 || Cout % Groups != 0)
            return $"groups {Groups} must divide both {Cin} input and {Cout} output channels";
        if (OD <= 0 || OH <= 0 || OW <= 0)
            return $"kernel {KD}x{KH}x{KW} with padding {PD},{PH},{PW} does not fit the input {D}x{H}x{W}";
        return null;
    }

    public override readonly string ToString() =>
        $"N{N} {Cin}->{Cout} {D}x{H}x{W} k{KD}x{KH}x{KW} s{SD}{SH}{SW} p{PD}{PH}{PW} g{Groups} -> {OD}x{OH}x{OW}";
}
