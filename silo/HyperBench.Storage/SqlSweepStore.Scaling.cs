using Dapper;

namespace HyperBench.Storage;

// IScalingStore: scaling studies and their points (migration 0007, docs/scaling.md).
public sealed partial class SqlSweepStore : IScalingStore
{
    private const string StudyColumns = "study_id AS StudyId, kind AS Kind, status AS Status, layer_json AS LayerJson, ks AS Ks, repeats AS Repeats, " +
        "target AS Target, device_models AS DeviceModels, tag AS Tag, created_at_ms AS CreatedAtMs, finished_at_ms AS FinishedAtMs, detail AS Detail";
    private const string PointColumns = "study_id AS StudyId, k AS K, repetition AS Repeat, sweep_id AS SweepId, seconds AS Seconds, cases AS Cases, " +
        "device_keys AS DeviceKeys, device_models AS DeviceModels, recorded_at_ms AS RecordedAtMs";

    public Task CreateStudyAsync(ScalingStudyRow study, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("create scaling study", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO scaling_studies (study_id, kind, status, layer_json, ks, repeats, target, device_models, tag, created_at_ms, finished_at_ms, detail) " +
                "VALUES (@StudyId, @Kind, @Status, @LayerJson, @Ks, @Repeats, @Target, @DeviceModels, @Tag, @CreatedAtMs, @FinishedAtMs, @Detail)",
                new
                {
                    study.StudyId, study.Kind, study.Status, study.LayerJson, study.Ks, study.Repeats, study.Target, study.DeviceModels, study.Tag,
                    CreatedAtMs = UnixTime.ToMs(study.CreatedUtc), FinishedAtMs = study.FinishedUtc is { } f ? UnixTime.ToMs(f) : (long?)null, study.Detail,
                }, cancellationToken: ct));
            return 0;
        }, cancellationToken);

    public Task AddPointAsync(ScalingPointRow point, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("add scaling point", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO scaling_points (study_id, k, repetition, sweep_id, seconds, cases, device_keys, device_models, recorded_at_ms) " +
                "VALUES (@StudyId, @K, @Repeat, @SweepId, @Seconds, @Cases, @DeviceKeys, @DeviceModels, @RecordedAtMs) ON CONFLICT (study_id, k, repetition) DO NOTHING",
                new
                {
                    point.StudyId, point.K, point.Repeat, point.SweepId, point.Seconds, point.Cases, point.DeviceKeys, point.DeviceModels,
                    RecordedAtMs = UnixTime.ToMs(point.RecordedUtc),
                }, cancellationToken: ct));
            return 0;
        }, cancellationToken);

    public Task FinishStudyAsync(string studyId, string status, string? deviceModels, string? detail, DateTime finishedUtc,
        CancellationToken cancellationToken = default)
    {
        if (status is not (ScalingStatus.Running or ScalingStatus.Completed or ScalingStatus.Failed or ScalingStatus.Cancelled))
            throw new ArgumentException($"scaling study status '{status}' is not running, completed, failed or cancelled.", nameof(status));
        return _retry.ExecuteAsync("finish scaling study", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE scaling_studies SET status = @status, device_models = @deviceModels, detail = @detail, finished_at_ms = @finished WHERE study_id = @studyId",
                new { status, deviceModels, detail, finished = UnixTime.ToMs(finishedUtc), studyId }, cancellationToken: ct));
            return 0;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ScalingStudyRow>> ListStudiesAsync(int limit, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<ScalingStudyRow>>("list scaling studies", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. (await connection.QueryAsync<StudyData>(new CommandDefinition(
                $"SELECT {StudyColumns} FROM scaling_studies ORDER BY created_at_ms DESC, study_id DESC LIMIT @limit", new { limit },
                cancellationToken: ct))).Select(s => s.ToRow())];
        }, cancellationToken);

    public Task<ScalingStudyRow?> GetStudyAsync(string studyId, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync("get scaling study", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            var data = await connection.QueryFirstOrDefaultAsync<StudyData>(new CommandDefinition(
                $"SELECT {StudyColumns} FROM scaling_studies WHERE study_id = @studyId", new { studyId }, cancellationToken: ct));
            return data?.ToRow();
        }, cancellationToken);

    public Task<IReadOnlyList<ScalingPointRow>> GetPointsAsync(string studyId, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync<IReadOnlyList<ScalingPointRow>>("get scaling points", async ct =>
        {
            await using var connection = await _dialect.OpenAsync(ct);
            return [.. (await connection.QueryAsync<PointData>(new CommandDefinition(
                $"SELECT {PointColumns} FROM scaling_points WHERE study_id = @studyId ORDER BY k, repetition", new { studyId },
                cancellationToken: ct))).Select(p => p.ToRow())];
        }, cancellationToken);

    private sealed class StudyData
    {
        public string StudyId { get; set; } = "";
        public string Kind { get; set; } = "";
        public string Status { get; set; } = "";
        public string LayerJson { get; set; } = "";
        public string Ks { get; set; } = "";
        public long Repeats { get; set; }
        public string Target { get; set; } = "";
        public string? DeviceModels { get; set; }
        public string? Tag { get; set; }
        public long CreatedAtMs { get; set; }
        public long? FinishedAtMs { get; set; }
        public string? Detail { get; set; }

        public ScalingStudyRow ToRow() => new(StudyId, Kind, Status, LayerJson, Ks, (int)Repeats, Target, DeviceModels, Tag, UnixTime.FromMs(CreatedAtMs),
            FinishedAtMs is { } f ? UnixTime.FromMs(f) : null, Detail);
    }

    private sealed class PointData
    {
        public string StudyId { get; set; } = "";
        public long K { get; set; }
        public long Repeat { get; set; }
        public string SweepId { get; set; } = "";
        public double Seconds { get; set; }
        public long Cases { get; set; }
        public string DeviceKeys { get; set; } = "";
        public string DeviceModels { get; set; } = "";
        public long RecordedAtMs { get; set; }

        public ScalingPointRow ToRow() => new(StudyId, (int)K, (int)Repeat, SweepId, Seconds, (int)Cases, DeviceKeys, DeviceModels, UnixTime.FromMs(RecordedAtMs));
    }
}
