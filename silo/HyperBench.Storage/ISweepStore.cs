using HyperBench.Kernels.Measurement;
using HyperBench.Kernels.Telemetry;

namespace HyperBench.Storage;

/// <summary>
/// Everything HyperBench keeps in SQL (SQLite or PostgreSQL through Dapper): sweeps and their cases with lease state,
/// results with every raw sample, statistics, accuracy and the environment. Implementations retry transient failures.
/// </summary>
public interface ISweepStore : IAsyncDisposable
{
    /// <summary>"sqlite" or "postgresql".</summary>
    string Provider { get; }

    /// <summary>Where results go, for people (a file path, or host/database without the password).</summary>
    string Description { get; }

    /// <summary>Applies the numbered migrations under infra/sql that are not yet applied. Idempotent.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts a sweep and its cases (all pending) in one transaction.</summary>
    Task CreateSweepAsync(SweepRow sweep, IReadOnlyList<SweepCaseRow> cases, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts more case rows of a stored sweep (a large sweep stores its first cases with the sweep and the rest meanwhile) in one
    /// transaction. Idempotent: a case already stored is left as it is, so a silo that resumes a partly stored sweep can add the rest.
    /// </summary>
    Task AddCasesAsync(string sweepId, IReadOnlyList<SweepCaseRow> cases, CancellationToken cancellationToken = default);

    Task<SweepRow?> GetSweepAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>The sweep whose parent_sweep_id is <paramref name="parentSweepId"/> (the noise gate's re-measure), or null.</summary>
    Task<SweepRow?> GetChildSweepAsync(string parentSweepId, CancellationToken cancellationToken = default);

    /// <summary>Sets results.noisy of each listed case in each of <paramref name="sweepIds"/> (the noise gate's label, docs/measurement.md).</summary>
    Task LabelNoisyAsync(IReadOnlyList<string> sweepIds, IReadOnlyDictionary<string, bool> noisyByCase, CancellationToken cancellationToken = default);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<SweepRow>> ListSweepsAsync(int limit = 50, CancellationToken cancellationToken = default);

    /// <summary>Sweeps not completed or cancelled, of every service (a silo keeps its own service's, <see cref="SweepRow.ServiceId"/>).</summary>
    Task<IReadOnlyList<SweepRow>> ListUnfinishedSweepsAsync(CancellationToken cancellationToken = default);

    /// <summary>In ordinal order.</summary>
    Task<IReadOnlyList<SweepCaseRow>> GetCasesAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>Writes a case's scheduling state (status, attempts, lease, error).</summary>
    Task UpdateCaseAsync(SweepCaseRow row, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the scheduling state of several cases of one sweep at once (a sweep grain's group commit, docs/scheduling.md): all or
    /// none. A store without its own batch writes them one by one.
    /// </summary>
    async Task UpdateCasesAsync(IReadOnlyList<SweepCaseRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows) await UpdateCaseAsync(row, cancellationToken);
    }

    /// <summary>Writes status, finished time and counts.</summary>
    Task UpdateSweepAsync(SweepRow sweep, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a measured (or failed) case: the result row keyed by (sweep, case) with its start and end times, its raw samples and
    /// device telemetry in bulk, statistics, accuracy, the environment and device. Returns false, storing nothing, when (sweep, case) already has a result.
    /// </summary>
    Task<bool> SaveResultAsync(string sweepId, CaseResult result, EnvironmentInfo environment, string deviceKey, int attempt,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores several results in one transaction, each as <see cref="SaveResultAsync"/> would (a silo's devices share one writer, which
    /// stores what they finished meanwhile together, docs/scheduling.md). Answers per result, in order, true when stored and false when
    /// (sweep, case) already had a result. All or nothing: a failure stores none of them.
    /// </summary>
    Task<IReadOnlyList<bool>> SaveResultsAsync(IReadOnlyList<ResultToStore> results, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ResultSummaryRow>> GetResultsAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>Raw samples in seconds, in the order taken.</summary>
    Task<IReadOnlyList<double>> GetSamplesAsync(string sweepId, string caseId, CancellationToken cancellationToken = default);

    /// <summary>The device readings of a sweep's cases, by case id, each in the order taken; a case without any is absent.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<TelemetrySample>>> GetTelemetryAsync(string sweepId, CancellationToken cancellationToken = default);
}
