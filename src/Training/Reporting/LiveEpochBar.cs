using Spectre.Console;
using Spectre.Console.Rendering;

namespace ILGpuNet.Training.Reporting;

/// <summary>
/// The Spectre.Console live bar behind <see cref="EpochProgress"/>. Spectre's progress display blocks the thread that
/// starts it, so it runs on a worker task that waits until <see cref="Complete"/>; the training thread only
/// increments the (thread-safe) progress task.
/// </summary>
internal sealed class LiveEpochBar
{
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task display = Task.CompletedTask;
    private ProgressTask bar = null!;

    private LiveEpochBar() { }

    public static LiveEpochBar Start(EpochProgress progress, IAnsiConsole console)
    {
        var live = new LiveEpochBar();
        var ready = new TaskCompletionSource<ProgressTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        var display = console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new TextColumn(() => $"{EpochProgress.RateText(progress.SamplesPerSecond)} samples/s"),
                new TextColumn(() => double.IsNaN(progress.MeanLoss) ? "loss -" : FormattableString.Invariant($"loss {progress.MeanLoss:0.0000}")),
                new TextColumn(() => FormattableString.Invariant($"data wait {progress.DataWaitSeconds:0.0} s")),
                new RemainingTimeColumn());
        live.display = Task.Run(() => display.StartAsync(async context =>
        {
            ready.SetResult(context.AddTask(progress.Description, autoStart: true, maxValue: progress.TotalSamples));
            await live.finished.Task;
            context.Refresh();
        }));
        // A display that fails to start (another live display is running, say) reports its error here.
        Task.WhenAny(ready.Task, live.display).GetAwaiter().GetResult();
        if (!ready.Task.IsCompleted) live.display.GetAwaiter().GetResult();
        live.bar = ready.Task.Result;
        return live;
    }

    public void Advance(int samples) => bar.Increment(samples);

    /// <summary>Stops the bar and waits until the display has drawn its final state and released the console.</summary>
    public void Complete()
    {
        bar.StopTask();
        finished.TrySetResult();
        display.GetAwaiter().GetResult();
    }

    private sealed class TextColumn(Func<string> text) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) => new Text(text());
    }
}
