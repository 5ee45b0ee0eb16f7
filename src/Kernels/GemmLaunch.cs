namespace ILGpuNet.Kernels;
public static class GemmLaunch { }
