namespace HyperBench.Storage;

/// <summary>
/// What regression detection reads and writes (docs/regressions.md): a sweep's cases with their raw samples and accuracy, the
/// sweeps a tag or a schedule names, and the verdicts of comparisons (<c>regression_verdicts</c>, migration 0005).
/// <see cref="SqlSweepStore"/> implements it.
/// </summary>
public interface IRegressionStore
{
    /// <summary>The sweep's results with status ok, each with its samples in the order taken, its device and its relative error (tensor o); by case id.</summary>
    Task<IReadOnlyList<StoredCaseSamples>> GetCaseSamplesAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The newest completed sweep with this tag, created before <paramref name="createdBefore"/> when given and never
    /// <paramref name="excludeSweepId"/>; null when there is none.
    /// </summary>
    Task<SweepRow?> FindTaggedSweepAsync(string tag, DateTime? createdBefore = null, string? excludeSweepId = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// The sweep ids of a schedule's runs, newest first (at most <paramref name="limit"/>), read from the table <c>schedule_runs</c>
    /// (schedule_name, sweep_id, due_at_ms); null when that table does not exist (schedules are not set up in this database).
    /// </summary>
    Task<IReadOnlyList<string>?> GetScheduleRunsAsync(string scheduleName, int limit = 2, CancellationToken cancellationToken = default);

    /// <summary>Stores one comparison's verdicts in one transaction; a (comparison, case) already stored is kept, not overwritten.</summary>
    Task SaveVerdictsAsync(IReadOnlyList<RegressionVerdictRow> verdicts, CancellationToken cancellationToken = default);

    /// <summary>One comparison's verdicts, by case id.</summary>
    Task<IReadOnlyList<RegressionVerdictRow>> GetVerdictsAsync(string comparisonId, CancellationToken cancellationToken = default);
}
