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

    /// <summary>
    /// The medians of these cases (results with status ok) in sweeps created before <paramref name="createdBefore"/>, never the
    /// <paramref name="excludeSweepIds"/> and never a noise gate's re-measure; only sweeps tagged <paramref name="tag"/> when one is
    /// given. Oldest first, each with its sweep and device, so the caller keeps the same device's and the newest (docs/regressions.md,
    /// "Verdict rules": a case's noise floor is learned from its earlier runs).
    /// </summary>
    Task<IReadOnlyList<CaseMedian>> GetCaseMediansAsync(IReadOnlyCollection<string> caseIds, DateTime createdBefore,
        IReadOnlyCollection<string> excludeSweepIds, string? tag, CancellationToken cancellationToken = default);

    /// <summary>Stores one comparison's verdicts in one transaction; a (comparison, case) already stored is kept, not overwritten.</summary>
    Task SaveVerdictsAsync(IReadOnlyList<RegressionVerdictRow> verdicts, CancellationToken cancellationToken = default);

    /// <summary>One comparison's verdicts, by case id.</summary>
    Task<IReadOnlyList<RegressionVerdictRow>> GetVerdictsAsync(string comparisonId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Labels one stored verdict (<see cref="VerdictLabels"/>: true_positive = the case really regressed, false_positive = it did not)
    /// with an optional note, replacing an earlier label; false when no verdict has this (comparison, case).
    /// </summary>
    Task<bool> LabelVerdictAsync(string comparisonId, string caseId, string label, string? note, DateTime labelledUtc,
        CancellationToken cancellationToken = default);

    /// <summary>Stored verdicts, newest first (at most <paramref name="limit"/>); only labelled ones when <paramref name="labelledOnly"/>.</summary>
    Task<IReadOnlyList<RegressionVerdictRow>> ListVerdictsAsync(bool labelledOnly, int limit, CancellationToken cancellationToken = default);
}

/// <summary>The one spelling of a verdict's label (column regression_verdicts.label, migration 0005).</summary>
public static class VerdictLabels
{
    /// <summary>The case really regressed (for a slower verdict: a true positive; for any other: a missed regression).</summary>
    public const string TruePositive = "true_positive";

    /// <summary>The case did not regress (for a slower verdict: a false alarm; for any other: a true negative).</summary>
    public const string FalsePositive = "false_positive";

    public static IReadOnlyList<string> All { get; } = [TruePositive, FalsePositive];
}
