namespace ILGpuNet.Training.Runs;

/// <summary>
/// The learning rate of every optimizer step: linear warm-up from lr/steps over the warm-up, then
/// cosine decay to zero, a step decay (x0.1 at 1/2 and 3/4 of the remaining steps), or constant. A pure
/// function of the step, so a resumed run follows the same schedule.
/// </summary>
public sealed class LearningRateSchedule(ScheduleKind kind, double baseRate, long totalSteps, long warmupSteps)
{
    public double At(long step)
    {
        if (warmupSteps > 0 && step < warmupSteps) return baseRate * (step + 1) / warmupSteps;
        long decaySteps = Math.Max(1, totalSteps - warmupSteps);
        double t = Math.Clamp((double)(step - warmupSteps) / decaySteps, 0, 1);
        return kind switch
        {
            ScheduleKind.Cosine => baseRate * 0.5 * (1 + Math.Cos(Math.PI * t)),
            ScheduleKind.Step => baseRate * (t < 0.5 ? 1 : t < 0.75 ? 0.1 : 0.01),
            ScheduleKind.Constant => baseRate,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a schedule"),
        };
    }
}
