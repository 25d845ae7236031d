namespace HyperBench.Contracts;

/// <summary>
/// The one grain (key <see cref="Key"/>) that runs schedules (docs/schedules.md): a reminder ticks it; each tick starts every
/// schedule's latest due time that has no run yet and compares finished runs with the previous run.
/// </summary>
public interface ISchedulerGrain : IGrainWithStringKey
{
    public const string Key = "scheduler";

    /// <summary>One tick now (the reminder calls it; tests and `schedule run-now --cluster` may too). Returns the sweeps it started.</summary>
    Task<IReadOnlyList<string>> TickAsync();
}
