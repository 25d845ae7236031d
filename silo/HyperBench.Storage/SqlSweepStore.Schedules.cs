using Dapper;

namespace HyperBench.Storage;

// IScheduleStore: schedules and their runs (migration 0006, docs/schedules.md).
public sealed partial class SqlSweepStore
{
    private const string ScheduleColumns = "name AS Name, cron AS Cron, plan_json AS PlanJson, baseline AS Baseline, created_at_ms AS CreatedAtMs, service_id AS ServiceId";
    private const string RunColumns = "schedule_name AS ScheduleName, due_at_ms AS DueAtMs, sweep_id AS SweepId, started_at_ms AS StartedAtMs, " +
        "status AS Status, comparison_id AS ComparisonId, detail AS Detail";

    public Task<bool> AddScheduleAsync(ScheduleRow schedule, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("add schedule", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            int inserted = await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schedules (name, cron, plan_json, baseline, created_at_ms, service_id) VALUES (@Name, @Cron, @PlanJson, @Baseline, @CreatedAtMs, @ServiceId) " +
                "ON CONFLICT (name) DO NOTHING",
                new { schedule.Name, schedule.Cron, schedule.PlanJson, schedule.Baseline, CreatedAtMs = UnixTime.ToMs(schedule.CreatedUtc), schedule.ServiceId },
                cancellationToken: ct));
            return inserted > 0;
        }, cancellationToken);

    public Task<IReadOnlyList<ScheduleRow>> ListSchedulesAsync(CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<ScheduleRow>>("list schedules", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. (await connection.QueryAsync<ScheduleData>(new CommandDefinition(
                $"SELECT {ScheduleColumns} FROM schedules ORDER BY name", cancellationToken: ct))).Select(s => s.ToRow())];
        }, cancellationToken);

    public Task<ScheduleRow?> GetScheduleAsync(string name, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("get schedule", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            var data = await connection.QueryFirstOrDefaultAsync<ScheduleData>(new CommandDefinition(
                $"SELECT {ScheduleColumns} FROM schedules WHERE name = @name", new { name }, cancellationToken: ct));
            return data?.ToRow();
        }, cancellationToken);

    public Task<bool> RemoveScheduleAsync(string name, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("remove schedule", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM schedules WHERE name = @name", new { name }, cancellationToken: ct)) > 0;
        }, cancellationToken);

    public Task<bool> TryClaimRunAsync(string scheduleName, DateTime dueUtc, string sweepId, DateTime startedUtc, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("claim schedule run", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            int inserted = await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schedule_runs (schedule_name, due_at_ms, sweep_id, started_at_ms, status) VALUES (@scheduleName, @due, @sweepId, @started, @status) " +
                "ON CONFLICT (schedule_name, due_at_ms) DO NOTHING",
                new { scheduleName, due = UnixTime.ToMs(dueUtc), sweepId, started = UnixTime.ToMs(startedUtc), status = ScheduleRunStatus.Started },
                cancellationToken: ct));
            return inserted > 0;
        }, cancellationToken);

    public Task FinishRunAsync(string scheduleName, DateTime dueUtc, string status, string? comparisonId, string? detail, CancellationToken cancellationToken = default)
    {
        if (status is not (ScheduleRunStatus.Started or ScheduleRunStatus.Completed or ScheduleRunStatus.Failed))
            throw new ArgumentException($"schedule run status '{status}' is not started, completed or failed.", nameof(status));
        return _retry.ExecuteAsync("finish schedule run", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE schedule_runs SET status = @status, comparison_id = @comparisonId, detail = @detail WHERE schedule_name = @scheduleName AND due_at_ms = @due",
                new { status, comparisonId, detail, scheduleName, due = UnixTime.ToMs(dueUtc) }, cancellationToken: ct));
            return 0;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ScheduleRunRow>> ListScheduleRunsAsync(string scheduleName, int limit, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<ScheduleRunRow>>("list schedule runs", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. (await connection.QueryAsync<RunData>(new CommandDefinition(
                $"SELECT {RunColumns} FROM schedule_runs WHERE schedule_name = @scheduleName ORDER BY due_at_ms DESC LIMIT @limit",
                new { scheduleName, limit }, cancellationToken: ct))).Select(r => r.ToRow())];
        }, cancellationToken);

    public Task<ScheduleRunRow?> FindPreviousCompletedRunAsync(string scheduleName, DateTime dueBeforeUtc, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("find previous schedule run", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            var data = await connection.QueryFirstOrDefaultAsync<RunData>(new CommandDefinition(
                $"SELECT {RunColumns} FROM schedule_runs WHERE schedule_name = @scheduleName AND status = @completed AND sweep_id IS NOT NULL " +
                "AND due_at_ms < @before ORDER BY due_at_ms DESC LIMIT 1",
                new { scheduleName, completed = ScheduleRunStatus.Completed, before = UnixTime.ToMs(dueBeforeUtc) }, cancellationToken: ct));
            return data?.ToRow();
        }, cancellationToken);

    private sealed class ScheduleData
    {
        public string Name { get; set; } = "";
        public string Cron { get; set; } = "";
        public string PlanJson { get; set; } = "";
        public string? Baseline { get; set; }
        public long CreatedAtMs { get; set; }
        public string ServiceId { get; set; } = SweepRow.DefaultServiceId;

        public ScheduleRow ToRow() => new(Name, Cron, PlanJson, Baseline, UnixTime.FromMs(CreatedAtMs), ServiceId);
    }

    private sealed class RunData
    {
        public string ScheduleName { get; set; } = "";
        public long DueAtMs { get; set; }
        public string? SweepId { get; set; }
        public long StartedAtMs { get; set; }
        public string Status { get; set; } = "";
        public string? ComparisonId { get; set; }
        public string? Detail { get; set; }

        public ScheduleRunRow ToRow() => new(ScheduleName, UnixTime.FromMs(DueAtMs), SweepId, UnixTime.FromMs(StartedAtMs), Status, ComparisonId, Detail);
    }
}
