using ILGpuNet.Tensors;

namespace ILGpuNet.Layers;

/// <summary>
/// nn.BatchNorm3d(affine, track_running_stats): weight 1, bias 0, buffers running_mean 0, running_var 1 and
/// num_batches_tracked 0 (a one-element float tensor of shape [] like PyTorch's scalar; float counts exactly
/// up to 2^24 training forwards). Momentum 0.1 and eps 1e-5 by default. Training mode normalises with the
/// batch statistics and updates the running ones on the device; evaluation mode uses the running ones.
/// The forward exposes the op's fusions (SiLU, residual add, per-sample branch scale).
/// </summary>
public sealed class BatchNorm3d : Module
{
    public BatchNorm3d(Device device, int channels, float momentum = 0.1f, float eps = 1e-5f)
    {
        if (channels <= 0) throw new ArgumentException($"BatchNorm3d: channels must be positive, got {channels}");
        Channels = channels;
        Momentum = momentum;
        Eps = eps;
        Weight = Parameter("weight", Tensor.Full(device, 1f, channels));
        Bias = Parameter("bias", Tensor.Zeros(device, channels));
        RunningMean = Buffer("running_mean", Tensor.Zeros(device, channels));
        RunningVar = Buffer("running_var", Tensor.Full(device, 1f, channels));
        NumBatchesTracked = Buffer("num_batches_tracked", Tensor.Zeros(device));
    }

    public int Channels { get; }

    public float Momentum { get; }

    public float Eps { get; }

    public Tensor Weight { get; }

    public Tensor Bias { get; }

    public Tensor RunningMean { get; }

    public Tensor RunningVar { get; }

    public Tensor NumBatchesTracked { get; }

    /// <summary>
    /// y = branchScale[n] * act(bn(x)) + residual (see <see cref="Ops.BatchNorm3d"/>); act is SiLU with
    /// <paramref name="silu"/>. A training forward counts itself in num_batches_tracked (on the device, in the statistics pass).
    /// </summary>
    public Tensor Forward(Tensor x, bool silu = false, Tensor? residual = null, Tensor? branchScale = null) =>
        Ops.BatchNorm3d(x, Weight, Bias, RunningMean, RunningVar, Training, Momentum, Eps, silu, residual, branchScale, NumBatchesTracked);
}
