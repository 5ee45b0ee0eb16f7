namespace ILGpuNet.Training.Runs;

/// <summary>Progress of one training epoch, fed by the training loop as it reads the loss back; disposing ends it.</summary>
public interface IEpochProgress : IDisposable
{
    /// <summary>Reports <paramref name="samples"/> more finished samples with mean loss <paramref name="loss"/>.</summary>
    void Advance(int samples, double loss);

    /// <summary>Seconds the epoch has waited for the loader so far (a starving device shows here).</summary>
    void ReportDataWait(double seconds) { }
}
