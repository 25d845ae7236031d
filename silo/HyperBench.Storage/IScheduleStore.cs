namespace HyperBench.Storage;

/// <summary>
/// Schedules and their runs (tables <c>schedules</c> and <c>schedule_runs</c>, migration 0006; docs/schedules.md).
/// <see cref="SqlSweepStore"/> implements it.
/// </summary>
public interface IScheduleStore
{
    /// <summary>Stores a new schedule; false (nothing changed) when one of that name exists.</summary>
    Task<bool> AddScheduleAsync(ScheduleRow schedule, CancellationToken cancellationToken = default);

    /// <summary>Every schedule, by name, of every service (the scheduler keeps its own service's, <see cref="ScheduleRow.ServiceId"/>).</summary>
    Task<IReadOnlyList<ScheduleRow>> ListSchedulesAsync(CancellationToken cancellationToken = default);

    /// <summary>The schedule of that name, or null.</summary>
    Task<ScheduleRow?> GetScheduleAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Removes a schedule (its runs stay, for history and compare); false when there is none of that name.</summary>
    Task<bool> RemoveScheduleAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims one due time of a schedule: inserts its run row (status started) unless a row for (schedule, due time) exists.
    /// True only for the one caller whose insert took: that caller runs the sweep; every other caller leaves it.
    /// </summary>
    Task<bool> TryClaimRunAsync(string scheduleName, DateTime dueUtc, string sweepId, DateTime startedUtc, CancellationToken cancellationToken = default);

    /// <summary>Sets a run's status (<see cref="ScheduleRunStatus"/>), the comparison its verdicts were stored under and a detail line.</summary>
    Task FinishRunAsync(string scheduleName, DateTime dueUtc, string status, string? comparisonId, string? detail, CancellationToken cancellationToken = default);

    /// <summary>A schedule's runs, newest due time first (at most <paramref name="limit"/>).</summary>
    Task<IReadOnlyList<ScheduleRunRow>> ListScheduleRunsAsync(string scheduleName, int limit, CancellationToken cancellationToken = default);

    /// <summary>The schedule's newest completed run due before <paramref name="dueBeforeUtc"/>, or null.</summary>
    Task<ScheduleRunRow?> FindPreviousCompletedRunAsync(string scheduleName, DateTime dueBeforeUtc, CancellationToken cancellationToken = default);
}

/// <summary>
/// One row of <c>schedules</c>: cron is five fields in UTC; the plan is plan-file JSON; baseline a compare spec or null (the previous
/// run); the service whose scheduler fires it (HyperBench:ServiceId of the `schedule add` that stored it, migration 0008).
/// </summary>
public sealed record ScheduleRow(string Name, string Cron, string PlanJson, string? Baseline, DateTime CreatedUtc,
    string ServiceId = SweepRow.DefaultServiceId);

/// <summary>One row of <c>schedule_runs</c>: one due time of one schedule.</summary>
public sealed record ScheduleRunRow(string ScheduleName, DateTime DueUtc, string? SweepId, DateTime StartedUtc, string Status, string? ComparisonId, string? Detail);

/// <summary>The one spelling of schedule_runs.status.</summary>
public static class ScheduleRunStatus
{
    public const string Started = "started";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
