using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using HyperBench.Kernels.Measurement;
using HyperBench.Kernels.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HyperBench.Storage;

/// <summary>
/// <see cref="ISweepStore"/> over Dapper and plain SQL, one text for SQLite and PostgreSQL. Each operation opens its own
/// (pooled) connection, so the store is safe to share between threads, and runs through <see cref="StoreRetry"/>.
/// Create it with <see cref="SweepStoreFactory.Create"/>.
/// </summary>
public sealed partial class SqlSweepStore : ISweepStore, IRegressionStore, IScheduleStore, IScalingStore, IAsyncDisposable
{
    // A running sweep's counts come from its case rows (see LiveCount).
    private static readonly string SweepColumns =
        "sweep_id AS SweepId, tag AS Tag, plan_json AS PlanJson, measurement_json AS MeasurementJson, status AS StatusWord, " +
        "created_at_ms AS CreatedAtMs, finished_at_ms AS FinishedAtMs, case_count AS CaseCount, " +
        $"{LiveCount(CaseStatus.Done, "done_count")} AS DoneCount, {LiveCount(CaseStatus.Failed, "failed_count")} AS FailedCount, " +
        $"{LiveCount(CaseStatus.Skipped, "skipped_count")} AS SkippedCount, parent_sweep_id AS ParentSweepId, service_id AS ServiceId";

    private static readonly string Running = Word(SweepStatus.Running);

    private readonly StoreDialect _dialect;
    private readonly StoreRetry _retry;
    private readonly ILogger<SqlSweepStore> _logger;
    private readonly string _description;

    internal SqlSweepStore(StoreDialect dialect, SweepStoreOptions? options, ILoggerFactory? loggerFactory)
    {
        _dialect = dialect;
        _description = dialect.Description;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SqlSweepStore>();
        _retry = new StoreRetry(dialect, options ?? new SweepStoreOptions(), _logger);
    }

    public string Provider => _dialect.Provider;

    public string Description => _description;

    /// <summary>For tests: raw connections to the same database.</summary>
    internal StoreDialect Dialect => _dialect;

    /// <summary>The retry pipeline, for readers beside this class (HistoryQueries).</summary>
    internal StoreRetry Retry => _retry;

    public Task MigrateAsync(CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("migrate", async ct =>
        {
            var migrations = Migration.LoadEmbedded();
            await using var connection = await _dialect.OpenAsync(ct);
            await using var transaction = await _dialect.BeginMigrationTransactionAsync(connection, ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)",
                transaction: transaction, cancellationToken: ct));
            var applied = (await connection.QueryAsync<(int Version, string Checksum)>(new CommandDefinition(
                "SELECT version, checksum FROM schema_migrations", transaction: transaction, cancellationToken: ct))).ToDictionary(r => r.Version, r => r.Checksum);
            foreach (var migration in migrations)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum && _logger.IsEnabled(LogLevel.Warning))
                        _logger.LogWarning("Migration {Migration} changed after it was applied to {Database}; the change is not applied (add a new migration)",
                            migration.Name, _description);
                    continue;
                }
                if (_logger.IsEnabled(LogLevel.Information))
                    _logger.LogInformation("Applying migration {Migration} to {Database}", migration.Name, _description);
                await connection.ExecuteAsync(new CommandDefinition(migration.TextFor(Provider), transaction: transaction, cancellationToken: ct));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at_ms) VALUES (@Version, @Name, @Checksum, @At)",
                    new { migration.Version, migration.Name, migration.Checksum, At = UnixTime.ToMs(DateTime.UtcNow) }, transaction, cancellationToken: ct));
            }
            await transaction.CommitAsync(ct);
        }, cancellationToken);

    /// <summary>Checks, changing nothing, that the database holds the HyperBench schema (what a reader needs; a writer migrates instead).</summary>
    /// <exception cref="InvalidStoreException">It does not (an empty file, another application's database, a fresh PostgreSQL database).</exception>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        long tables;
        try
        {
            tables = await _retry.ExecuteAsync("check schema", async ct =>
            {
                await using var connection = await _dialect.OpenAsync(ct);
                return await connection.ExecuteScalarAsync<long>(new CommandDefinition(_dialect.SchemaTableExistsSql, cancellationToken: ct));
            }, cancellationToken);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode is 26 or 14)
        {
            // 26 SQLITE_NOTADB (e.g. encrypted or damaged), 14 SQLITE_CANTOPEN.
            throw new InvalidStoreException($"database {_description} cannot be read as SQLite: {e.Message}", e);
        }
        if (tables == 0)
            throw new InvalidStoreException($"database {_description} has no HyperBench schema (no schema_migrations table): " +
                "it is empty or belongs to something else; `hyperbench sweep --db` creates one.");
    }

    public Task CreateSweepAsync(SweepRow sweep, IReadOnlyList<SweepCaseRow> cases, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("create sweep", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO sweeps (sweep_id, tag, plan_json, measurement_json, status, created_at_ms, finished_at_ms, case_count, done_count, failed_count, " +
                "skipped_count, parent_sweep_id, service_id) VALUES (@SweepId, @Tag, @PlanJson, @MeasurementJson, @Status, @CreatedAtMs, @FinishedAtMs, " +
                "@CaseCount, @DoneCount, @FailedCount, @SkippedCount, @ParentSweepId, @ServiceId)",
                SweepParameters(sweep), transaction, cancellationToken: ct));
            await InsertCasesAsync(connection, transaction, sweep.SweepId, cases, ignoreStored: false, ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);

    public Task AddCasesAsync(string sweepId, IReadOnlyList<SweepCaseRow> cases, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("add sweep cases", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await InsertCasesAsync(connection, transaction, sweepId, cases, ignoreStored: true, ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);

    /// <summary>Inserts case rows; with <paramref name="ignoreStored"/>, a case already stored is left as it is (not an error).</summary>
    private async Task InsertCasesAsync(DbConnection connection, DbTransaction transaction, string sweepId, IReadOnlyList<SweepCaseRow> cases,
        bool ignoreStored, CancellationToken ct)
    {
        if (cases.Count == 0) return;
        long now = UnixTime.ToMs(DateTime.UtcNow);
        string onConflict = ignoreStored ? " ON CONFLICT (sweep_id, case_id) DO NOTHING" : "";
        if (_dialect.Provider == "postgresql")
        {
            // One statement over one array per column: a sweep of thousands of cases is one round trip, not one per case.
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO sweep_cases (sweep_id, case_id, ordinal, case_json, status, attempts, lease_id, device_key, lease_expires_at_ms, error, " +
                "skip_reason, updated_at_ms) SELECT @SweepId, u.* FROM unnest(@CaseIds, @Ordinals, @CaseJsons, @Statuses, @Attempts, @LeaseIds, " +
                "@DeviceKeys, @Expires, @Errors, @SkipReasons, @Updated) AS u" + onConflict,
                new
                {
                    SweepId = sweepId,
                    CaseIds = cases.Select(r => r.CaseId).ToArray(),
                    Ordinals = cases.Select(r => r.Ordinal).ToArray(),
                    CaseJsons = cases.Select(r => r.CaseJson).ToArray(),
                    Statuses = cases.Select(r => Word(r.Status)).ToArray(),
                    Attempts = cases.Select(r => r.Attempts).ToArray(),
                    LeaseIds = cases.Select(r => r.LeaseId).ToArray(),
                    DeviceKeys = cases.Select(r => r.DeviceKey).ToArray(),
                    Expires = cases.Select(r => UnixTime.ToMs(r.LeaseExpiresUtc)).ToArray(),
                    Errors = cases.Select(r => r.Error).ToArray(),
                    SkipReasons = cases.Select(r => r.SkipReason).ToArray(),
                    Updated = cases.Select(r => r.UpdatedUtc == default ? now : UnixTime.ToMs(r.UpdatedUtc)).ToArray(),
                }, transaction, cancellationToken: ct));
            return;
        }
        // Dapper runs the statement once per element: one prepared insert in the transaction.
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO sweep_cases (sweep_id, case_id, ordinal, case_json, status, attempts, lease_id, device_key, lease_expires_at_ms, error, " +
            "skip_reason, updated_at_ms) VALUES (@SweepId, @CaseId, @Ordinal, @CaseJson, @Status, @Attempts, @LeaseId, @DeviceKey, @LeaseExpiresAtMs, " +
            "@Error, @SkipReason, @UpdatedAtMs)" + onConflict,
            cases.Select(c => CaseParameters(c, sweepId, now)).ToList(), transaction, cancellationToken: ct));
    }

    public Task<SweepRow?> GetSweepAsync(string sweepId, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("get sweep", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return await connection.QuerySingleOrDefaultAsync<SweepRow>(new CommandDefinition(
                $"SELECT {SweepColumns} FROM sweeps WHERE sweep_id = @sweepId", new { sweepId }, cancellationToken: ct));
        }, cancellationToken);

    public Task<SweepRow?> GetChildSweepAsync(string parentSweepId, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("get child sweep", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return await connection.QueryFirstOrDefaultAsync<SweepRow>(new CommandDefinition(
                $"SELECT {SweepColumns} FROM sweeps WHERE parent_sweep_id = @parentSweepId ORDER BY created_at_ms, sweep_id", new { parentSweepId },
                cancellationToken: ct));
        }, cancellationToken);

    public Task LabelNoisyAsync(IReadOnlyList<string> sweepIds, IReadOnlyDictionary<string, bool> noisyByCase, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("label noisy results", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE results SET noisy = @Noisy WHERE sweep_id = @SweepId AND case_id = @CaseId",
                sweepIds.SelectMany(s => noisyByCase.Select(c => new { SweepId = s, CaseId = c.Key, Noisy = c.Value })).ToList(), transaction,
                cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }, cancellationToken);

    public Task<IReadOnlyList<SweepRow>> ListSweepsAsync(int limit = 50, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<SweepRow>>("list sweeps", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. await connection.QueryAsync<SweepRow>(new CommandDefinition(
                $"SELECT {SweepColumns} FROM sweeps ORDER BY created_at_ms DESC, sweep_id DESC LIMIT @limit", new { limit }, cancellationToken: ct))];
        }, cancellationToken);

    public Task<IReadOnlyList<SweepRow>> ListUnfinishedSweepsAsync(CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<SweepRow>>("list unfinished sweeps", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. await connection.QueryAsync<SweepRow>(new CommandDefinition(
                $"SELECT {SweepColumns} FROM sweeps WHERE status = @Running ORDER BY created_at_ms, sweep_id", new { Running }, cancellationToken: ct))];
        }, cancellationToken);

    public Task<IReadOnlyList<SweepCaseRow>> GetCasesAsync(string sweepId, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<SweepCaseRow>>("get cases", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. await connection.QueryAsync<SweepCaseRow>(new CommandDefinition(
                "SELECT sweep_id AS SweepId, case_id AS CaseId, ordinal AS Ordinal, case_json AS CaseJson, status AS StatusWord, attempts AS Attempts, " +
                "lease_id AS LeaseId, device_key AS DeviceKey, lease_expires_at_ms AS LeaseExpiresAtMs, error AS Error, skip_reason AS SkipReason, " +
                "updated_at_ms AS UpdatedAtMs " +
                "FROM sweep_cases WHERE sweep_id = @sweepId ORDER BY ordinal", new { sweepId }, cancellationToken: ct))];
        }, cancellationToken);

    public Task UpdateCaseAsync(SweepCaseRow row, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("update case", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            int updated = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE sweep_cases SET status = @Status, attempts = @Attempts, lease_id = @LeaseId, device_key = @DeviceKey, " +
                "lease_expires_at_ms = @LeaseExpiresAtMs, error = @Error, skip_reason = @SkipReason, updated_at_ms = @UpdatedAtMs " +
                "WHERE sweep_id = @SweepId AND case_id = @CaseId",
                CaseParameters(row, row.SweepId, UnixTime.ToMs(DateTime.UtcNow)), cancellationToken: ct));
            if (updated == 0)
                throw new InvalidOperationException($"case {row.CaseId} of sweep {row.SweepId} is not stored in {Description}.");
        }, cancellationToken);

    /// <summary>
    /// One transaction: on PostgreSQL one UPDATE joined to <c>unnest</c> of the rows' columns as arrays (one round trip), on SQLite
    /// the single-row UPDATE once per row (in-process, no round trips). Every row must exist and belong to one sweep.
    /// </summary>
    public Task UpdateCasesAsync(IReadOnlyList<SweepCaseRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) return Task.CompletedTask;
        if (rows.Count == 1) return UpdateCaseAsync(rows[0], cancellationToken);
        string sweepId = rows[0].SweepId;
        if (rows.Any(r => r.SweepId != sweepId))
            throw new ArgumentException($"a batch of case updates belongs to one sweep ({sweepId}); it also names {rows.First(r => r.SweepId != sweepId).SweepId}.", nameof(rows));
        return _retry.ExecuteAsync("update cases", async ct =>
        {
            long now = UnixTime.ToMs(DateTime.UtcNow);
            await using var connection = await _dialect.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            int updated;
            if (_dialect.Provider == "postgresql")
            {
                updated = await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE sweep_cases AS c SET status = u.status, attempts = u.attempts, lease_id = u.lease_id, device_key = u.device_key, " +
                    "lease_expires_at_ms = u.lease_expires_at_ms, error = u.error, skip_reason = u.skip_reason, updated_at_ms = u.updated_at_ms " +
                    "FROM unnest(@CaseIds, @Statuses, @Attempts, @LeaseIds, @DeviceKeys, @Expires, @Errors, @SkipReasons, @Updated) " +
                    "AS u(case_id, status, attempts, lease_id, device_key, lease_expires_at_ms, error, skip_reason, updated_at_ms) " +
                    "WHERE c.sweep_id = @SweepId AND c.case_id = u.case_id",
                    new
                    {
                        SweepId = sweepId,
                        CaseIds = rows.Select(r => r.CaseId).ToArray(),
                        Statuses = rows.Select(r => Word(r.Status)).ToArray(),
                        Attempts = rows.Select(r => r.Attempts).ToArray(),
                        LeaseIds = rows.Select(r => r.LeaseId).ToArray(),
                        DeviceKeys = rows.Select(r => r.DeviceKey).ToArray(),
                        Expires = rows.Select(r => UnixTime.ToMs(r.LeaseExpiresUtc)).ToArray(),
                        Errors = rows.Select(r => r.Error).ToArray(),
                        SkipReasons = rows.Select(r => r.SkipReason).ToArray(),
                        Updated = rows.Select(r => r.UpdatedUtc == default ? now : UnixTime.ToMs(r.UpdatedUtc)).ToArray(),
                    }, transaction, cancellationToken: ct));
            }
            else
            {
                updated = await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE sweep_cases SET status = @Status, attempts = @Attempts, lease_id = @LeaseId, device_key = @DeviceKey, " +
                    "lease_expires_at_ms = @LeaseExpiresAtMs, error = @Error, skip_reason = @SkipReason, updated_at_ms = @UpdatedAtMs " +
                    "WHERE sweep_id = @SweepId AND case_id = @CaseId",
                    rows.Select(r => CaseParameters(r, sweepId, now)).ToList(), transaction, cancellationToken: ct));
            }
            if (updated != rows.Count)
                throw new InvalidOperationException($"{rows.Count - updated} of {rows.Count} cases of sweep {sweepId} are not stored in {Description} (or are listed twice).");
            await transaction.CommitAsync(ct);
        }, cancellationToken);
    }

    public Task UpdateSweepAsync(SweepRow sweep, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("update sweep", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            int updated = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE sweeps SET status = @Status, finished_at_ms = @FinishedAtMs, case_count = @CaseCount, done_count = @DoneCount, " +
                "failed_count = @FailedCount, skipped_count = @SkippedCount WHERE sweep_id = @SweepId", SweepParameters(sweep), cancellationToken: ct));
            if (updated == 0)
                throw new InvalidOperationException($"sweep {sweep.SweepId} is not stored in {Description}.");
        }, cancellationToken);

    public async Task<bool> SaveResultAsync(string sweepId, CaseResult result, EnvironmentInfo environment, string deviceKey, int attempt,
        CancellationToken cancellationToken = default) =>
        (await SaveResultsAsync([new ResultToStore(sweepId, result, environment, deviceKey, attempt)], cancellationToken))[0];

    public Task<IReadOnlyList<bool>> SaveResultsAsync(IReadOnlyList<ResultToStore> results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0) return Task.FromResult<IReadOnlyList<bool>>([]);
        return _retry.ExecuteAsync<IReadOnlyList<bool>>("save results", async ct =>
        {
            long now = UnixTime.ToMs(DateTime.UtcNow);
            await using var connection = await _dialect.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var stored = new bool[results.Count];
            // A case that already has a result is skipped whole (not even its environment or device is written). Two attempts storing
            // at the same moment are still kept apart by the result's key: the second inserts no result and nothing of its own.
            var existing = new HashSet<(string, string)>();
            foreach (var group in results.GroupBy(r => r.SweepId, StringComparer.Ordinal))
                foreach (var caseId in await connection.QueryAsync<string>(new CommandDefinition(
                    // Dapper expands the list for SQLite; Npgsql takes it as one array parameter.
                    _dialect.Provider == "postgresql"
                        ? "SELECT case_id FROM results WHERE sweep_id = @SweepId AND case_id = ANY(@CaseIds)"
                        : "SELECT case_id FROM results WHERE sweep_id = @SweepId AND case_id IN @CaseIds",
                    new { SweepId = group.Key, CaseIds = group.Select(r => r.Result.CaseId).Distinct(StringComparer.Ordinal).ToArray() },
                    transaction, cancellationToken: ct)))
                    existing.Add((group.Key, caseId));
            var candidates = new List<(int Index, ResultToStore Item)>(results.Count);
            for (int i = 0; i < results.Count; i++)
            {
                var item = results[i];
                if (existing.Contains((item.SweepId, item.Result.CaseId)))
                {
                    // Already stored (a retried case, or a commit whose acknowledgement was lost): keep the first, store nothing.
                    if (_logger.IsEnabled(LogLevel.Information))
                        _logger.LogInformation("Result of case {CaseId} in sweep {SweepId} is already stored; attempt {Attempt} not stored",
                            item.Result.CaseId, item.SweepId, item.Attempt);
                    continue;
                }
                candidates.Add((i, item));
            }
            // PostgreSQL: a few statements over arrays for the whole batch (round trips are its cost); SQLite: row by row, in-process.
            if (_dialect.Provider == "postgresql")
                await SaveBatchPostgresAsync(connection, transaction, candidates, stored, now, ct);
            else
            {
                var environments = new HashSet<string>(StringComparer.Ordinal);
                var devices = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (i, item) in candidates)
                    stored[i] = await SaveOneAsync(connection, transaction, item, now, environments, devices, ct);
            }
            await transaction.CommitAsync(ct);
            return stored;
        }, cancellationToken);
    }

    /// <summary>One result of a batch, in the batch's transaction; false when (sweep, case) already has a result (nothing of it stored).</summary>
    private async Task<bool> SaveOneAsync(DbConnection connection, DbTransaction transaction, ResultToStore item, long now,
        HashSet<string> environmentsDone, HashSet<string> devicesDone, CancellationToken ct)
    {
        var (sweepId, result, environment, deviceKey, attempt) = item;
        var fields = CaseFields.Of(result.Case);
        string caseId = fields.CaseId;
        string environmentId = EnvironmentId(environment);
        // Environment and device first (the result references them), once per batch; they stay even when the result is a
        // duplicate (they describe a real device and host, and other results may share them).
        if (environmentsDone.Add(environmentId))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO environments (environment_id, host_name, os, architecture, cpu_model, logical_cores, dotnet_version, ilgpu_version, " +
                "hyperbench_version, git_commit, device_id, device_name, device_memory_bytes, device_detail, device_peak_fp32_flops, first_captured_at_ms) " +
                "VALUES (@environmentId, @HostName, @Os, @Architecture, @CpuModel, @LogicalCores, @DotNetVersion, @IlgpuVersion, @HyperBenchVersion, " +
                "@GitCommit, @DeviceId, @DeviceName, @DeviceMemoryBytes, @DeviceDetail, @DevicePeakFp32Flops, @CapturedAtMs) " +
                "ON CONFLICT (environment_id) DO NOTHING",
                new
                {
                    environmentId,
                    environment.HostName,
                    environment.Os,
                    environment.Architecture,
                    environment.CpuModel,
                    environment.LogicalCores,
                    environment.DotNetVersion,
                    environment.IlgpuVersion,
                    environment.HyperBenchVersion,
                    environment.GitCommit,
                    environment.DeviceId,
                    environment.DeviceName,
                    environment.DeviceMemoryBytes,
                    environment.DeviceDetail,
                    environment.DevicePeakFp32Flops,
                    CapturedAtMs = UnixTime.ToMs(environment.CapturedUtc),
                }, transaction, cancellationToken: ct));
        }
        if (devicesDone.Add(deviceKey))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO devices (device_key, device_name, memory_bytes, detail, host_name, last_seen_at_ms) " +
                "VALUES (@deviceKey, @DeviceName, @DeviceMemoryBytes, @DeviceDetail, @HostName, @now) " +
                "ON CONFLICT (device_key) DO UPDATE SET device_name = excluded.device_name, memory_bytes = excluded.memory_bytes, " +
                "detail = excluded.detail, host_name = excluded.host_name, last_seen_at_ms = excluded.last_seen_at_ms",
                new { deviceKey, environment.DeviceName, environment.DeviceMemoryBytes, environment.DeviceDetail, environment.HostName, now },
                transaction, cancellationToken: ct));
        }
        int inserted = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO results (sweep_id, case_id, kernel, n, causal, pass, batch, heads, d, dtype, distribution, seed, hyper_parameters, " +
            "status, error, invalid_reason, attempt, device_key, environment_id, first_run_seconds, flops, tflops, memory_bytes_estimate, recorded_at_ms, " +
            "started_at_ms, ended_at_ms, telemetry_note) " +
            "VALUES (@sweepId, @CaseId, @Kernel, @N, @Causal, @Pass, @Batch, @Heads, @D, @Dtype, @Distribution, @Seed, @HyperParameters, " +
            "@Status, @Error, @InvalidReason, @attempt, @deviceKey, @environmentId, @FirstRunSeconds, @Flops, @Tflops, @MemoryBytesEstimate, @now, " +
            "@StartedAtMs, @EndedAtMs, @TelemetryNote) " +
            "ON CONFLICT (sweep_id, case_id) DO NOTHING",
            new
            {
                sweepId,
                CaseId = caseId,
                fields.Kernel,
                fields.N,
                fields.Causal,
                fields.Pass,
                fields.Batch,
                fields.Heads,
                fields.D,
                fields.Dtype,
                fields.Distribution,
                Seed = unchecked((long)fields.Seed), // a signed BIGINT column
                HyperParameters = fields.Hyper?.Canonical,
                Status = Word(result.Status),
                result.Error,
                result.InvalidReason,
                attempt,
                deviceKey,
                environmentId,
                result.FirstRunSeconds,
                result.Flops,
                Tflops = result.Statistics is null ? (double?)null : result.Tflops,
                result.MemoryBytesEstimate,
                now,
                StartedAtMs = UnixTime.ToMs(result.StartedUtc),
                EndedAtMs = UnixTime.ToMs(result.EndedUtc),
                TelemetryNote = result.Telemetry?.UnavailableReason,
            }, transaction, cancellationToken: ct));
        if (inserted == 0)
        {
            // Stored by another attempt since the batch looked (or earlier in this batch): keep the first.
            if (_logger.IsEnabled(LogLevel.Information))
                _logger.LogInformation("Result of case {CaseId} in sweep {SweepId} is already stored; attempt {Attempt} not stored",
                    caseId, sweepId, attempt);
            return false;
        }
        if (result.Samples.Count > 0)
            await _dialect.InsertSamplesAsync(connection, transaction, sweepId, caseId, result.Samples, ct);
        if (result.Telemetry is { Samples.Count: > 0 } telemetry)
            await _dialect.InsertTelemetryAsync(connection, transaction, sweepId, caseId, telemetry.Samples, ct);
        if (result.Statistics is { } s)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO statistics (sweep_id, case_id, sample_count, median_seconds, mean_seconds, min_seconds, max_seconds, p20_seconds, " +
                "p80_seconds, stddev_seconds, cv, ci_low_seconds, ci_high_seconds, ci_level) VALUES (@sweepId, @CaseId, @Count, @Median, @Mean, " +
                "@Min, @Max, @P20, @P80, @StdDev, @CoefficientOfVariation, @MedianCiLower, @MedianCiUpper, @MedianCiLevel)",
                new
                {
                    sweepId,
                    CaseId = caseId,
                    s.Count,
                    s.Median,
                    s.Mean,
                    s.Min,
                    s.Max,
                    s.P20,
                    s.P80,
                    s.StdDev,
                    s.CoefficientOfVariation,
                    s.MedianCiLower,
                    s.MedianCiUpper,
                    s.MedianCiLevel,
                }, transaction, cancellationToken: ct));
        }
        if (result.Accuracy is { } accuracy && accuracy.Metrics.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO accuracy (sweep_id, case_id, tensor, relative_frobenius, spectral_over_v, mean_row_cosine, heads_measured, heads_total, reference) " +
                "VALUES (@SweepId, @CaseId, @Tensor, @RelativeFrobenius, @SpectralOverV, @MeanRowCosine, @HeadsMeasured, @HeadsTotal, @Reference)",
                accuracy.Metrics.Select(m => new
                {
                    SweepId = sweepId,
                    CaseId = caseId,
                    Tensor = m.Tensor.ToLowerInvariant(),
                    m.RelativeFrobenius,
                    m.SpectralOverV,
                    m.MeanRowCosine,
                    accuracy.HeadsMeasured,
                    accuracy.HeadsTotal,
                    accuracy.Reference,
                }).ToList(), transaction, cancellationToken: ct));
        }
        return true;
    }

    public Task<IReadOnlyList<ResultSummaryRow>> GetResultsAsync(string sweepId, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<ResultSummaryRow>>("get results", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. await connection.QueryAsync<ResultSummaryRow>(new CommandDefinition(
                "SELECT r.sweep_id AS SweepId, r.case_id AS CaseId, r.kernel AS Kernel, r.n AS N, r.causal AS Causal, r.pass AS Pass, r.batch AS Batch, " +
                "r.heads AS Heads, r.d AS D, r.dtype AS Dtype, r.distribution AS Distribution, r.seed AS Seed, r.hyper_parameters AS HyperParameters, " +
                "r.device_key AS DeviceKey, e.device_name AS DeviceName, e.device_id AS DeviceId, e.device_detail AS DeviceDetail, " +
                "e.device_memory_bytes AS DeviceMemoryBytes, e.host_name AS HostName, e.git_commit AS GitCommit, " +
                "r.status AS StatusWord, r.error AS Error, r.invalid_reason AS InvalidReason, " +
                "COALESCE(s.sample_count, 0) AS SampleCount, s.median_seconds AS MedianSeconds, s.mean_seconds AS MeanSeconds, s.min_seconds AS MinSeconds, " +
                "s.p20_seconds AS P20Seconds, s.p80_seconds AS P80Seconds, s.stddev_seconds AS StdDevSeconds, s.max_seconds AS MaxSeconds, " +
                "s.cv AS CoefficientOfVariation, s.ci_low_seconds AS CiLowSeconds, " +
                "s.ci_high_seconds AS CiHighSeconds, r.flops AS Flops, r.tflops AS Tflops, r.first_run_seconds AS FirstRunSeconds, " +
                "a.relative_frobenius AS RelativeError, a.spectral_over_v AS SpectralOverV, a.mean_row_cosine AS MeanRowCosine, " +
                "a.heads_measured AS HeadsMeasured, a.heads_total AS HeadsTotal, r.attempt AS Attempt, r.recorded_at_ms AS RecordedAtMs, " +
                "r.started_at_ms AS StartedAtMs, r.ended_at_ms AS EndedAtMs, r.telemetry_note AS TelemetryNote, r.noisy AS Noisy " +
                "FROM results r " +
                "JOIN environments e ON e.environment_id = r.environment_id " +
                "LEFT JOIN statistics s ON s.sweep_id = r.sweep_id AND s.case_id = r.case_id " +
                "LEFT JOIN accuracy a ON a.sweep_id = r.sweep_id AND a.case_id = r.case_id AND a.tensor = 'o' " +
                "LEFT JOIN sweep_cases c ON c.sweep_id = r.sweep_id AND c.case_id = r.case_id " +
                // Plan order; results of cases outside the plan last (COALESCE: the dialects sort NULLs differently).
                "WHERE r.sweep_id = @sweepId ORDER BY COALESCE(c.ordinal, 2147483647), r.case_id",
                new { sweepId }, cancellationToken: ct))];
        }, cancellationToken);

    public Task<IReadOnlyList<double>> GetSamplesAsync(string sweepId, string caseId, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<double>>("get samples", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. await connection.QueryAsync<double>(new CommandDefinition(
                "SELECT seconds FROM samples WHERE sweep_id = @sweepId AND case_id = @caseId ORDER BY ordinal", new { sweepId, caseId }, cancellationToken: ct))];
        }, cancellationToken);

    public Task<IReadOnlyDictionary<string, IReadOnlyList<TelemetrySample>>> GetTelemetryAsync(string sweepId, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyDictionary<string, IReadOnlyList<TelemetrySample>>>("get telemetry", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            var rows = await connection.QueryAsync<TelemetryRow>(new CommandDefinition(
                "SELECT case_id AS CaseId, sampled_at_ms AS SampledAtMs, sm_clock_mhz AS SmClockMhz, memory_clock_mhz AS MemoryClockMhz, " +
                "temperature_c AS TemperatureC, power_w AS PowerW, throttle_reasons AS ThrottleReasons " +
                "FROM telemetry_samples WHERE sweep_id = @sweepId ORDER BY case_id, ordinal", new { sweepId }, cancellationToken: ct));
            return rows.GroupBy(r => r.CaseId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<TelemetrySample>)[.. g.Select(r => r.ToSample())], StringComparer.Ordinal);
        }, cancellationToken);

    public ValueTask DisposeAsync() => _dialect.DisposeAsync();

    /// <summary>A telemetry_samples row as Dapper reads it (SQLite gives every INTEGER as a 64-bit value).</summary>
    private sealed class TelemetryRow
    {
        public string CaseId { get; set; } = "";
        public long SampledAtMs { get; set; }
        public long? SmClockMhz { get; set; }
        public long? MemoryClockMhz { get; set; }
        public long? TemperatureC { get; set; }
        public double? PowerW { get; set; }
        public long? ThrottleReasons { get; set; }

        public TelemetrySample ToSample() => new(UnixTime.FromMs(SampledAtMs), (int?)SmClockMhz, (int?)MemoryClockMhz, (int?)TemperatureC, PowerW,
            ThrottleReasons is { } mask ? unchecked((ulong)mask) : null);
    }

    private static object SweepParameters(SweepRow sweep) => new
    {
        sweep.SweepId,
        sweep.Tag,
        sweep.PlanJson,
        sweep.MeasurementJson,
        Status = Word(sweep.Status),
        CreatedAtMs = UnixTime.ToMs(sweep.CreatedUtc == default ? DateTime.UtcNow : sweep.CreatedUtc),
        FinishedAtMs = UnixTime.ToMs(sweep.FinishedUtc),
        sweep.CaseCount,
        sweep.DoneCount,
        sweep.FailedCount,
        sweep.SkippedCount,
        sweep.ParentSweepId,
        sweep.ServiceId,
    };

    private static object CaseParameters(SweepCaseRow row, string sweepId, long now) => new
    {
        SweepId = sweepId,
        row.CaseId,
        row.Ordinal,
        row.CaseJson,
        Status = Word(row.Status),
        row.Attempts,
        row.LeaseId,
        row.DeviceKey,
        LeaseExpiresAtMs = UnixTime.ToMs(row.LeaseExpiresUtc),
        row.Error,
        row.SkipReason,
        UpdatedAtMs = row.UpdatedUtc == default ? now : UnixTime.ToMs(row.UpdatedUtc),
    };

    private static string Word<TStatus>(TStatus status) where TStatus : struct, Enum => StatusWords.Word(status);

    /// <summary>
    /// A running sweep's count of cases in one status comes from its case rows: the sweep row's are written on the grain's timer, and a
    /// killed process leaves them behind the cases it finished. A finished sweep's were written when it ended. (The words are the
    /// enums' own, never user input.)
    /// </summary>
    private static string LiveCount(CaseStatus status, string storedColumn) =>
        $"CASE WHEN status = '{Word(SweepStatus.Running)}' THEN (SELECT COUNT(*) FROM sweep_cases c WHERE c.sweep_id = sweeps.sweep_id " +
        $"AND c.status = '{Word(status)}') ELSE {storedColumn} END";

    /// <summary>
    /// Hash of every fingerprint field but the capture time: the same machine and build share one environments row. A device advertises
    /// it (DeviceView.Fingerprint) so that a plan can ask for an environment by a prefix of it.
    /// </summary>
    public static string EnvironmentId(EnvironmentInfo e)
    {
        string text = string.Join('\u001f',
            e.HostName, e.Os, e.Architecture, e.CpuModel, e.LogicalCores.ToString(CultureInfo.InvariantCulture), e.DotNetVersion, e.IlgpuVersion,
            e.HyperBenchVersion, e.GitCommit, e.DeviceId, e.DeviceName, e.DeviceMemoryBytes.ToString(CultureInfo.InvariantCulture), e.DeviceDetail,
            e.DevicePeakFp32Flops.ToString("R", CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }
}
