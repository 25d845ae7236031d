using System.Text;
using Dapper;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Storage;

/// <summary>
/// Reads across sweeps for `hyperbench history`: every successful result of each case with its median, sweep and commit, oldest first.
/// Plain SQL that runs unchanged on SQLite and PostgreSQL, through the store's retry pipeline.
/// </summary>
public static class HistoryQueries
{
    /// <summary>Matching results ordered by case, device model, then recorded time (ties: the sweep's creation time, then its id).</summary>
    public static Task<IReadOnlyList<HistoryPoint>> GetHistoryAsync(this SqlSweepStore store, HistoryFilter filter,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sql = new StringBuilder(
            "SELECT r.sweep_id AS SweepId, w.tag AS Tag, r.case_id AS CaseId, r.kernel AS Kernel, r.n AS N, r.causal AS Causal, r.pass AS Pass, " +
            "r.batch AS Batch, r.heads AS Heads, r.d AS D, r.dtype AS Dtype, r.distribution AS Distribution, r.hyper_parameters AS HyperParameters, " +
            "e.device_name AS DeviceModel, e.git_commit AS GitCommit, s.median_seconds AS MedianSeconds, s.sample_count AS SampleCount, " +
            "s.cv AS CoefficientOfVariation, r.recorded_at_ms AS RecordedAtMs, w.created_at_ms AS SweepCreatedAtMs " +
            "FROM results r " +
            "JOIN sweeps w ON w.sweep_id = r.sweep_id " +
            "JOIN environments e ON e.environment_id = r.environment_id " +
            "JOIN statistics s ON s.sweep_id = r.sweep_id AND s.case_id = r.case_id " +
            "WHERE r.status = @Ok");
        var parameters = new DynamicParameters();
        parameters.Add("Ok", StatusWords.Word(ResultStatus.Ok));
        In(sql, parameters, "r.kernel", "Kernels", filter.Kernels);
        In(sql, parameters, "r.n", "SeqLens", filter.SeqLens);
        // One value at a time: a list of booleans is bound as 0/1 by SQLite and as true/false by PostgreSQL, both through @Causal.
        if (filter.Causal is { Count: 1 }) { sql.Append(" AND r.causal = @Causal"); parameters.Add("Causal", filter.Causal[0]); }
        In(sql, parameters, "r.pass", "Passes", filter.Passes);
        In(sql, parameters, "r.dtype", "Dtypes", filter.Dtypes);
        In(sql, parameters, "e.device_name", "DeviceModels", filter.DeviceModels);
        if (filter.Tag is not null) { sql.Append(" AND w.tag = @Tag"); parameters.Add("Tag", filter.Tag); }
        if (filter.Schedule is not null)
        {
            sql.Append(" AND r.sweep_id IN (SELECT sweep_id FROM schedule_runs WHERE schedule_name = @Schedule)");
            parameters.Add("Schedule", filter.Schedule);
        }
        sql.Append(" ORDER BY r.case_id, e.device_name, r.recorded_at_ms, w.created_at_ms, r.sweep_id");
        string text = sql.ToString();
        return store.Retry.ExecuteAsync<IReadOnlyList<HistoryPoint>>("read history", async ct =>
        {
            await using var connection = await store.Dialect.OpenAsync(ct);
            return [.. await connection.QueryAsync<HistoryPoint>(new CommandDefinition(text, parameters, cancellationToken: ct))];
        }, cancellationToken);
    }

    /// <summary>
    /// " AND column IN (@Name0, @Name1, ...)" with one parameter per value: Dapper expands a list for SQLite but hands Npgsql an array
    /// (which PostgreSQL's IN does not take), so the list is spelled out for both.
    /// </summary>
    private static void In<T>(StringBuilder sql, DynamicParameters parameters, string column, string name, IReadOnlyList<T>? values)
    {
        if (values is not { Count: > 0 }) return;
        sql.Append(" AND ").Append(column).Append(" IN (");
        for (int i = 0; i < values.Count; i++)
        {
            string parameter = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? "@" : ", @").Append(parameter);
            parameters.Add(parameter, values[i]);
        }
        sql.Append(')');
    }

    /// <summary>Whether the schedule_runs table (schedule_name, sweep_id, as `compare schedule:` reads it) exists: until schedules are set up, a schedule filter cannot resolve.</summary>
    public static Task<bool> SchedulesExistAsync(this SqlSweepStore store, CancellationToken cancellationToken = default) =>
        store.Retry.ExecuteAsync("check schedules", async ct =>
        {
            await using var connection = await store.Dialect.OpenAsync(ct);
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition(store.Dialect.TableExistsSql, new { table = "schedule_runs" },
                cancellationToken: ct)) > 0;
        }, cancellationToken);

    /// <summary>The stored tags, sorted (to name the known ones when a tag matches nothing).</summary>
    public static Task<IReadOnlyList<string>> ListTagsAsync(this SqlSweepStore store, CancellationToken cancellationToken = default) =>
        Distinct(store, "SELECT DISTINCT tag FROM sweeps WHERE tag IS NOT NULL ORDER BY tag", "list tags", cancellationToken);

    /// <summary>The device models results were measured on, sorted.</summary>
    public static Task<IReadOnlyList<string>> ListDeviceModelsAsync(this SqlSweepStore store, CancellationToken cancellationToken = default) =>
        Distinct(store, "SELECT DISTINCT device_name FROM environments ORDER BY device_name", "list device models", cancellationToken);

    private static Task<IReadOnlyList<string>> Distinct(SqlSweepStore store, string sql, string operation, CancellationToken cancellationToken) =>
        store.Retry.ExecuteAsync<IReadOnlyList<string>>(operation, async ct =>
        {
            await using var connection = await store.Dialect.OpenAsync(ct);
            return [.. await connection.QueryAsync<string>(new CommandDefinition(sql, cancellationToken: ct))];
        }, cancellationToken);
}
