namespace ILGpuNet.Training.Runs;

/// <summary>Progress of one training epoch, fed by the training loop after each batch; disposing ends it.</summary>
public interface IEpochProgress : IDisposable
{
    /// <summary>Reports a finished batch of <paramref name="samples"/> samples with mean loss <paramref name="loss"/>.</summary>
    void Advance(int samples, double loss);
}
