using ILGPU;

namespace ILGpuNet.Kernels;

/// <summary>
/// Per-step bookkeeping of the training loop kept on the device: the running loss with a non-finite flag,
/// read back only every few steps.
/// </summary>
[OpKind("loss")]
public static class TrainingStepKernels
{
    /// <summary>
    /// One step's loss into the running state (float64: [0] sum of loss x samples, [1] samples, [2] first
    /// step whose loss was not finite, -1 while none, [3] that loss). Steps after a non-finite one are not
    /// added, so the sum stays the one up to the last good step. One thread.
    /// </summary>
    [Kernel]
    public static void AccumulateLoss(ArrayView<float> loss, ArrayView<double> state, int samples, long stepIndex, int chunk)
    {
        if (Work.ThreadIndex != 0) return;
        float value = loss[0];
        if (state[2] >= 0) return;
        if (value - value == 0f)  // false for NaN and for +-infinity
        {
            state[0] += (double)value * samples;
            state[1] += samples;
        }
        else
        {
            state[2] = stepIndex;
            state[3] = value;
        }
    }
}
