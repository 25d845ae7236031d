using Dapper;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Storage;

// IRegressionStore: the reads and writes of regression detection (docs/regressions.md).
public sealed partial class SqlSweepStore
{
    private const string VerdictColumns =
        "comparison_id AS ComparisonId, baseline_sweep_id AS BaselineSweepId, candidate_sweep_id AS CandidateSweepId, case_id AS CaseId, " +
        "kernel AS Kernel, n AS N, causal AS Causal, pass AS Pass, dtype AS Dtype, baseline_samples AS BaselineSamples, " +
        "candidate_samples AS CandidateSamples, baseline_median_seconds AS BaselineMedianSeconds, candidate_median_seconds AS CandidateMedianSeconds, " +
        "change AS Change, p_value AS PValue, baseline_cv AS BaselineCv, candidate_cv AS CandidateCv, verdict AS Verdict, " +
        "baseline_relative_error AS BaselineRelativeError, candidate_relative_error AS CandidateRelativeError, error_change AS ErrorChange, " +
        "error_regressed AS ErrorRegressed, detail AS Detail, effect_threshold AS EffectThreshold, alpha AS Alpha, cv_limit AS CvLimit, " +
        "error_threshold AS ErrorThreshold, error_floor AS ErrorFloor, decided_at_ms AS DecidedAtMs, label AS Label, " +
        "labelled_at_ms AS LabelledAtMs, label_note AS LabelNote, baseline_robust_cv AS BaselineRobustCv, candidate_robust_cv AS CandidateRobustCv, " +
        "history_runs AS HistoryRuns, noise_floor AS NoiseFloor, applied_threshold AS AppliedThreshold, noise_k AS NoiseK";

    public Task<IReadOnlyList<StoredCaseSamples>> GetCaseSamplesAsync(string sweepId, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<StoredCaseSamples>>("get case samples", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            var cases = (await connection.QueryAsync<CaseRow>(new CommandDefinition(
                "SELECT r.case_id AS CaseId, r.kernel AS Kernel, r.n AS N, r.causal AS Causal, r.pass AS Pass, r.dtype AS Dtype, " +
                "r.hyper_parameters AS HyperParameters, e.device_name AS DeviceName, e.device_detail AS DeviceDetail, a.relative_frobenius AS RelativeError " +
                "FROM results r JOIN environments e ON e.environment_id = r.environment_id " +
                "LEFT JOIN accuracy a ON a.sweep_id = r.sweep_id AND a.case_id = r.case_id AND a.tensor = 'o' " +
                "WHERE r.sweep_id = @sweepId AND r.status = @Ok ORDER BY r.case_id",
                new { sweepId, Ok = Word(ResultStatus.Ok) }, cancellationToken: ct))).ToList();
            // One round trip for every sample of the sweep (100 cases x 1,000 samples is 100k small rows), grouped here.
            var samples = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            foreach (var (caseId, seconds) in await connection.QueryAsync<(string, double)>(new CommandDefinition(
                "SELECT case_id, seconds FROM samples WHERE sweep_id = @sweepId ORDER BY case_id, ordinal", new { sweepId }, cancellationToken: ct)))
            {
                if (!samples.TryGetValue(caseId, out var list)) samples[caseId] = list = [];
                list.Add(seconds);
            }
            return [.. cases.Select(c => new StoredCaseSamples(c.CaseId, c.Kernel, (int)c.N, c.Causal, c.Pass, c.Dtype, c.HyperParameters,
                c.DeviceName, c.DeviceDetail, c.RelativeError, samples.TryGetValue(c.CaseId, out var s) ? s : []))];
        }, cancellationToken);

    public Task<SweepRow?> FindTaggedSweepAsync(string tag, DateTime? createdBefore = null, string? excludeSweepId = null,
        CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("find tagged sweep", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return await connection.QueryFirstOrDefaultAsync<SweepRow>(new CommandDefinition(
                // A noise gate's re-measure (parent_sweep_id set) carries its parent's tag but only some of its cases: never a run of its own.
                $"SELECT {SweepColumns} FROM sweeps WHERE tag = @tag AND status = @Completed AND parent_sweep_id IS NULL " +
                "AND (@before IS NULL OR created_at_ms < @before) AND (@exclude IS NULL OR sweep_id <> @exclude) " +
                "ORDER BY created_at_ms DESC, sweep_id DESC LIMIT 1",
                new { tag, Completed = Word(SweepStatus.Completed), before = UnixTime.ToMs(createdBefore), exclude = excludeSweepId },
                cancellationToken: ct));
        }, cancellationToken);

    public Task<IReadOnlyList<string>?> GetScheduleRunsAsync(string scheduleName, int limit = 2, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<string>?>("get schedule runs", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            long exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(_dialect.TableExistsSql, new { table = "schedule_runs" }, cancellationToken: ct));
            if (exists == 0) return null;
            return [.. await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT sweep_id FROM schedule_runs WHERE schedule_name = @scheduleName AND sweep_id IS NOT NULL ORDER BY due_at_ms DESC LIMIT @limit",
                new { scheduleName, limit }, cancellationToken: ct))];
        }, cancellationToken);

    public Task<IReadOnlyList<CaseMedian>> GetCaseMediansAsync(IReadOnlyCollection<string> caseIds, DateTime createdBefore,
        IReadOnlyCollection<string> excludeSweepIds, string? tag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caseIds);
        ArgumentNullException.ThrowIfNull(excludeSweepIds);
        if (caseIds.Count == 0) return Task.FromResult<IReadOnlyList<CaseMedian>>([]);
        var parameters = new DynamicParameters();
        parameters.Add("Ok", Word(ResultStatus.Ok));
        parameters.Add("before", UnixTime.ToMs(createdBefore));
        parameters.Add("tag", tag, System.Data.DbType.String);
        // Lists spelled out one parameter per value: Npgsql takes no array in IN (see HistoryQueries).
        string cases = string.Join(", ", caseIds.Select((id, i) => { parameters.Add($"c{i}", id); return $"@c{i}"; }));
        string excluded = excludeSweepIds.Count == 0 ? "" :
            " AND r.sweep_id NOT IN (" + string.Join(", ", excludeSweepIds.Select((id, i) => { parameters.Add($"x{i}", id); return $"@x{i}"; })) + ")";
        string sql =
            "SELECT r.case_id AS CaseId, r.sweep_id AS SweepId, e.device_name AS DeviceName, e.device_detail AS DeviceDetail, " +
            "s.median_seconds AS MedianSeconds, w.created_at_ms AS CreatedAtMs " +
            "FROM results r JOIN sweeps w ON w.sweep_id = r.sweep_id " +
            "JOIN environments e ON e.environment_id = r.environment_id " +
            "JOIN statistics s ON s.sweep_id = r.sweep_id AND s.case_id = r.case_id " +
            $"WHERE r.status = @Ok AND w.created_at_ms < @before AND w.parent_sweep_id IS NULL AND (@tag IS NULL OR w.tag = @tag) " +
            $"AND r.case_id IN ({cases}){excluded} ORDER BY w.created_at_ms, r.sweep_id, r.case_id";
        return _retry.ExecuteAsync<IReadOnlyList<CaseMedian>>("get case medians", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. (await connection.QueryAsync<CaseMedianRow>(new CommandDefinition(sql, parameters, cancellationToken: ct)))
                .Select(r => new CaseMedian(r.CaseId, r.SweepId, r.DeviceName, r.DeviceDetail, r.MedianSeconds, UnixTime.FromMs(r.CreatedAtMs)))];
        }, cancellationToken);
    }

    private sealed class CaseMedianRow
    {
        public string CaseId { get; set; } = "";
        public string SweepId { get; set; } = "";
        public string DeviceName { get; set; } = "";
        public string DeviceDetail { get; set; } = "";
        public double MedianSeconds { get; set; }
        public long CreatedAtMs { get; set; }
    }

    public Task SaveVerdictsAsync(IReadOnlyList<RegressionVerdictRow> verdicts, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("save verdicts", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO regression_verdicts (comparison_id, baseline_sweep_id, candidate_sweep_id, case_id, kernel, n, causal, pass, dtype, " +
                "baseline_samples, candidate_samples, baseline_median_seconds, candidate_median_seconds, change, p_value, baseline_cv, candidate_cv, " +
                "verdict, baseline_relative_error, candidate_relative_error, error_change, error_regressed, detail, effect_threshold, alpha, cv_limit, " +
                "error_threshold, error_floor, decided_at_ms, label, labelled_at_ms, label_note, baseline_robust_cv, candidate_robust_cv, history_runs, " +
                "noise_floor, applied_threshold, noise_k) VALUES (@ComparisonId, @BaselineSweepId, " +
                "@CandidateSweepId, @CaseId, @Kernel, @N, @Causal, @Pass, @Dtype, @BaselineSamples, @CandidateSamples, @BaselineMedianSeconds, " +
                "@CandidateMedianSeconds, @Change, @PValue, @BaselineCv, @CandidateCv, @Verdict, @BaselineRelativeError, @CandidateRelativeError, " +
                "@ErrorChange, @ErrorRegressed, @Detail, @EffectThreshold, @Alpha, @CvLimit, @ErrorThreshold, @ErrorFloor, @DecidedAtMs, @Label, " +
                "@LabelledAtMs, @LabelNote, @BaselineRobustCv, @CandidateRobustCv, @HistoryRuns, @NoiseFloor, @AppliedThreshold, @NoiseK) ON CONFLICT (comparison_id, case_id) DO NOTHING",
                verdicts.Select(v => new
                {
                    v.ComparisonId,
                    v.BaselineSweepId,
                    v.CandidateSweepId,
                    v.CaseId,
                    v.Kernel,
                    v.N,
                    v.Causal,
                    v.Pass,
                    v.Dtype,
                    v.BaselineSamples,
                    v.CandidateSamples,
                    BaselineMedianSeconds = Finite(v.BaselineMedianSeconds),
                    CandidateMedianSeconds = Finite(v.CandidateMedianSeconds),
                    Change = Finite(v.Change),
                    PValue = Finite(v.PValue),
                    BaselineCv = Finite(v.BaselineCv),
                    CandidateCv = Finite(v.CandidateCv),
                    v.Verdict,
                    BaselineRelativeError = Finite(v.BaselineRelativeError),
                    CandidateRelativeError = Finite(v.CandidateRelativeError),
                    ErrorChange = Finite(v.ErrorChange),
                    v.ErrorRegressed,
                    v.Detail,
                    v.EffectThreshold,
                    v.Alpha,
                    v.CvLimit,
                    v.ErrorThreshold,
                    v.ErrorFloor,
                    v.DecidedAtMs,
                    v.Label,
                    v.LabelledAtMs,
                    v.LabelNote,
                    BaselineRobustCv = Finite(v.BaselineRobustCv),
                    CandidateRobustCv = Finite(v.CandidateRobustCv),
                    v.HistoryRuns,
                    NoiseFloor = Finite(v.NoiseFloor),
                    AppliedThreshold = Finite(v.AppliedThreshold),
                    NoiseK = Finite(v.NoiseK),
                }).ToList(), transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }, cancellationToken);

    public Task<IReadOnlyList<RegressionVerdictRow>> GetVerdictsAsync(string comparisonId, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<RegressionVerdictRow>>("get verdicts", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. await connection.QueryAsync<RegressionVerdictRow>(new CommandDefinition(
                $"SELECT {VerdictColumns} FROM regression_verdicts WHERE comparison_id = @comparisonId ORDER BY case_id", new { comparisonId },
                cancellationToken: ct))];
        }, cancellationToken);

    public Task<bool> LabelVerdictAsync(string comparisonId, string caseId, string label, string? note, DateTime labelledUtc,
        CancellationToken cancellationToken = default)
    {
        if (!VerdictLabels.All.Contains(label))
            throw new ArgumentException($"label '{label}' is not one of: {string.Join(", ", VerdictLabels.All)}.", nameof(label));
        return _retry.ExecuteAsync("label verdict", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            int updated = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE regression_verdicts SET label = @label, labelled_at_ms = @at, label_note = @note " +
                "WHERE comparison_id = @comparisonId AND case_id = @caseId",
                new { label, at = UnixTime.ToMs(labelledUtc), note, comparisonId, caseId }, cancellationToken: ct));
            return updated > 0;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<RegressionVerdictRow>> ListVerdictsAsync(bool labelledOnly, int limit, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<RegressionVerdictRow>>("list verdicts", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. await connection.QueryAsync<RegressionVerdictRow>(new CommandDefinition(
                $"SELECT {VerdictColumns} FROM regression_verdicts WHERE (@labelledOnly = FALSE OR label IS NOT NULL) " +
                "ORDER BY decided_at_ms DESC, comparison_id, case_id LIMIT @limit", new { labelledOnly, limit }, cancellationToken: ct))];
        }, cancellationToken);

    // NaN (a median of no samples, a CV of a zero mean) is stored as NULL: PostgreSQL would keep NaN, SQLite would not.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    /// <summary>A results row as Dapper reads it (SQLite gives every INTEGER as a 64-bit value).</summary>
    private sealed class CaseRow
    {
        public string CaseId { get; set; } = "";
        public string Kernel { get; set; } = "";
        public long N { get; set; }
        public bool Causal { get; set; }
        public string Pass { get; set; } = "";
        public string Dtype { get; set; } = "";
        public string? HyperParameters { get; set; }
        public string DeviceName { get; set; } = "";
        public string DeviceDetail { get; set; } = "";
        public double? RelativeError { get; set; }
    }
}
