namespace HyperBench.Grains;

/// <summary>How often the scheduler grain looks at the schedules (docs/schedules.md); set in code (tests shorten it).</summary>
public sealed class SchedulerOptions
{
    /// <summary>The reminder's period: a due time starts at most this late. Orleans refuses periods under its MinimumReminderPeriod (1 minute by default).</summary>
    public TimeSpan TickPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The clock due times are read from (tests move it; Orleans' own timers never use it).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;
}
