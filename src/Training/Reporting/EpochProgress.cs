using System.Diagnostics;
using System.Globalization;
using ILGpuNet.Training.Runs;
using Spectre.Console;

namespace ILGpuNet.Training.Reporting;

/// <summary>
/// Progress of one epoch: a live Spectre.Console bar when writing to an interactive terminal, otherwise one plain
/// line to the output about every quarter of the epoch (logs and redirected output stay readable).
/// Advance is called from the training thread; the live bar's own refresh thread only reads the counters.
/// </summary>
public sealed class EpochProgress : IEpochProgress
{
    private const int LinesPerEpoch = 4;

    private readonly object gate = new();
    private readonly TextWriter output;
    private readonly Func<TimeSpan> elapsed;
    private readonly LiveEpochBar? live;
    private long samplesDone;
    private double lossTimesSamples;
    private int linesWritten;
    private bool disposed;

    private EpochProgress(int epoch, int epochs, int totalSamples, TextWriter output, Func<TimeSpan> elapsed, IAnsiConsole? liveConsole)
    {
        if (epoch < 1 || epoch > epochs) throw new ArgumentOutOfRangeException(nameof(epoch), $"epoch {epoch} is not in 1..{epochs}");
        if (totalSamples < 1) throw new ArgumentOutOfRangeException(nameof(totalSamples), "an epoch needs at least one sample");
        Epoch = epoch;
        Epochs = epochs;
        TotalSamples = totalSamples;
        this.output = output;
        this.elapsed = elapsed;
        if (liveConsole != null) live = LiveEpochBar.Start(this, liveConsole);
    }

    /// <summary>Starts the progress of epoch <paramref name="epoch"/> (1-based) of <paramref name="epochs"/>.</summary>
    public static EpochProgress Start(int epoch, int epochs, int totalSamples, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        return new EpochProgress(epoch, epochs, totalSamples, output, () => clock.Elapsed,
            IsInteractiveConsole(output) ? AnsiConsole.Console : null);
    }

    /// <summary>Plain-line progress timed by <paramref name="elapsed"/> (time since the epoch started): for tests and logs.</summary>
    public static EpochProgress StartPlain(int epoch, int epochs, int totalSamples, TextWriter output, Func<TimeSpan> elapsed) =>
        new(epoch, epochs, totalSamples, output, elapsed, liveConsole: null);

    /// <summary>A live bar on <paramref name="console"/> whatever it is attached to (a custom or captured console).</summary>
    public static EpochProgress StartLive(int epoch, int epochs, int totalSamples, IAnsiConsole console)
    {
        var clock = Stopwatch.StartNew();
        return new EpochProgress(epoch, epochs, totalSamples, TextWriter.Null, () => clock.Elapsed, console);
    }

    public int Epoch { get; }

    public int Epochs { get; }

    public int TotalSamples { get; }

    public string Description => $"epoch {Epoch}/{Epochs}";

    public long SamplesDone
    {
        get { lock (gate) return samplesDone; }
    }

    /// <summary>Mean loss per sample so far (batch losses weighted by batch size); NaN before the first batch.</summary>
    public double MeanLoss
    {
        get { lock (gate) return samplesDone == 0 ? double.NaN : lossTimesSamples / samplesDone; }
    }

    /// <summary>Samples per second since the start; NaN while no time has passed.</summary>
    public double SamplesPerSecond
    {
        get
        {
            double seconds = elapsed().TotalSeconds;
            return seconds > 0 ? SamplesDone / seconds : double.NaN;
        }
    }

    private double dataWait;

    public void ReportDataWait(double seconds)
    {
        lock (gate) dataWait = seconds;
    }

    /// <summary>Seconds this epoch has waited for the loader, as last reported.</summary>
    public double DataWaitSeconds
    {
        get { lock (gate) return dataWait; }
    }

    public void Advance(int samples, double loss)
    {
        if (samples < 0) throw new ArgumentOutOfRangeException(nameof(samples), "a batch cannot have a negative size");
        lock (gate)
        {
            if (disposed) return;
            samplesDone += samples;
            lossTimesSamples += loss * samples;
        }
        if (live != null)
        {
            live.Advance(samples);
            return;
        }
        int quarter = (int)Math.Min(LinesPerEpoch, SamplesDone * LinesPerEpoch / TotalSamples);
        if (quarter <= linesWritten) return;
        linesWritten = quarter;
        output.WriteLine(PlainLine());
    }

    /// <summary>The plain progress line, e.g. "  epoch 3/12  50%  128/256 samples  41.2 samples/s  loss 0.6123  eta 6 s".</summary>
    public string PlainLine()
    {
        long done = SamplesDone;
        double rate = SamplesPerSecond;
        double percent = 100.0 * Math.Min(done, TotalSamples) / TotalSamples;
        var text = FormattableString.Invariant(
            $"  {Description}  {percent:0}%  {done}/{TotalSamples} samples  {RateText(rate)} samples/s  loss {MeanLoss:0.0000}");
        double wait = DataWaitSeconds;
        // Shown once the loader has held the device back noticeably.
        if (wait >= 0.05) text += FormattableString.Invariant($"  data wait {wait:0.0} s");
        return text + "  eta " + EtaText(Math.Max(0, TotalSamples - done), rate);
    }

    internal static string RateText(double rate) =>
        double.IsFinite(rate) ? rate.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static string EtaText(long remaining, double rate)
    {
        if (remaining == 0) return "0 s";
        if (!double.IsFinite(rate) || rate <= 0) return "-";
        return Math.Round(remaining / rate).ToString("0", CultureInfo.InvariantCulture) + " s";
    }

    /// <summary>Ends the epoch's progress: completes the live bar (waiting for its last refresh); later Advance calls do nothing.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
        }
        live?.Complete();
    }

    // Only the real console attached to a terminal gets the live bar: a redirected or captured writer gets lines.
    private static bool IsInteractiveConsole(TextWriter output) =>
        ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected &&
        AnsiConsole.Profile.Capabilities.Interactive;
}
