using System.Data.Common;
using Dapper;
using HyperBench.Kernels.Measurement;
using Microsoft.Extensions.Logging;

namespace HyperBench.Storage;

public sealed partial class SqlSweepStore
{
    /// <summary>
    /// PostgreSQL: a batch of results in a fixed number of statements, each over arrays of the rows' columns (<c>unnest</c>), whatever
    /// the batch's size: environments, devices, results (returning the ones inserted), then samples, telemetry, statistics and accuracy
    /// of those. Row by row a result took five round trips, so a silo storing the last round of a fleet's cases (64 results arriving
    /// together) spent most of its time waiting on them. Same outcome as <see cref="SaveOneAsync"/> row by row: a result whose case
    /// already has one (listed twice in the batch, or stored meanwhile by another attempt) stores nothing of its own.
    /// </summary>
    /// <param name="candidates">The batch's results whose case had no stored result when the batch looked, with their index.</param>
    private async Task SaveBatchPostgresAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(int Index, ResultToStore Item)> candidates,
        bool[] stored, long now, CancellationToken ct)
    {
        // The first of a case listed twice is the one stored, as row by row.
        var seen = new HashSet<(string, string)>();
        var rows = candidates.Where(c => seen.Add((c.Item.SweepId, c.Item.Result.CaseId)))
            .Select(c => (c.Index, c.Item, Fields: CaseFields.Of(c.Item.Result.Case), EnvironmentId: EnvironmentId(c.Item.Environment))).ToList();
        if (rows.Count == 0) return;

        // Environment and device first (the result references them), one row each; they stay even when the result is a duplicate.
        var environments = rows.DistinctBy(r => r.EnvironmentId, StringComparer.Ordinal).Select(r => (Id: r.EnvironmentId, E: r.Item.Environment)).ToList();
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO environments (environment_id, host_name, os, architecture, cpu_model, logical_cores, dotnet_version, ilgpu_version, " +
            "hyperbench_version, git_commit, device_id, device_name, device_memory_bytes, device_detail, device_peak_fp32_flops, first_captured_at_ms) " +
            "SELECT * FROM unnest(@Ids, @HostNames, @Oses, @Architectures, @CpuModels, @LogicalCores, @DotNetVersions, @IlgpuVersions, " +
            "@HyperBenchVersions, @GitCommits, @DeviceIds, @DeviceNames, @DeviceMemoryBytes, @DeviceDetails, @DevicePeakFp32Flops, @CapturedAtMs) " +
            "ON CONFLICT (environment_id) DO NOTHING",
            new
            {
                Ids = environments.Select(e => e.Id).ToArray(),
                HostNames = environments.Select(e => e.E.HostName).ToArray(),
                Oses = environments.Select(e => e.E.Os).ToArray(),
                Architectures = environments.Select(e => e.E.Architecture).ToArray(),
                CpuModels = environments.Select(e => e.E.CpuModel).ToArray(),
                LogicalCores = environments.Select(e => e.E.LogicalCores).ToArray(),
                DotNetVersions = environments.Select(e => e.E.DotNetVersion).ToArray(),
                IlgpuVersions = environments.Select(e => e.E.IlgpuVersion).ToArray(),
                HyperBenchVersions = environments.Select(e => e.E.HyperBenchVersion).ToArray(),
                GitCommits = environments.Select(e => e.E.GitCommit).ToArray(),
                DeviceIds = environments.Select(e => e.E.DeviceId).ToArray(),
                DeviceNames = environments.Select(e => e.E.DeviceName).ToArray(),
                DeviceMemoryBytes = environments.Select(e => e.E.DeviceMemoryBytes).ToArray(),
                DeviceDetails = environments.Select(e => e.E.DeviceDetail).ToArray(),
                DevicePeakFp32Flops = environments.Select(e => e.E.DevicePeakFp32Flops).ToArray(),
                CapturedAtMs = environments.Select(e => UnixTime.ToMs(e.E.CapturedUtc)).ToArray(),
            }, transaction, cancellationToken: ct));
        // One row per device (an upsert may not touch a row twice): its first result's environment describes it, as row by row.
        var devices = rows.DistinctBy(r => r.Item.DeviceKey, StringComparer.Ordinal).Select(r => r.Item).ToList();
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO devices (device_key, device_name, memory_bytes, detail, host_name, last_seen_at_ms) " +
            "SELECT k, n, m, d, h, @now FROM unnest(@Keys, @Names, @Memory, @Details, @Hosts) AS u (k, n, m, d, h) " +
            "ON CONFLICT (device_key) DO UPDATE SET device_name = excluded.device_name, memory_bytes = excluded.memory_bytes, " +
            "detail = excluded.detail, host_name = excluded.host_name, last_seen_at_ms = excluded.last_seen_at_ms",
            new
            {
                now,
                Keys = devices.Select(d => d.DeviceKey).ToArray(),
                Names = devices.Select(d => d.Environment.DeviceName).ToArray(),
                Memory = devices.Select(d => d.Environment.DeviceMemoryBytes).ToArray(),
                Details = devices.Select(d => d.Environment.DeviceDetail).ToArray(),
                Hosts = devices.Select(d => d.Environment.HostName).ToArray(),
            }, transaction, cancellationToken: ct));

        var inserted = (await connection.QueryAsync<(string SweepId, string CaseId)>(new CommandDefinition(
            "INSERT INTO results (sweep_id, case_id, kernel, n, causal, pass, batch, heads, d, dtype, distribution, seed, hyper_parameters, " +
            "status, error, invalid_reason, attempt, device_key, environment_id, first_run_seconds, flops, tflops, memory_bytes_estimate, recorded_at_ms, " +
            "started_at_ms, ended_at_ms, telemetry_note) " +
            "SELECT s, c, k, n, ca, p, b, h, d, dt, di, se, hy, st, er, iv, a, dk, e, fr, f, tf, m, @now, sa, ea, tn " +
            "FROM unnest(@Sweeps, @Cases, @Kernels, @Ns, @Causals, @Passes, @Batches, @Heads, @Ds, @Dtypes, @Distributions, @Seeds, @Hypers, " +
            "@Statuses, @Errors, @InvalidReasons, @Attempts, @DeviceKeys, @EnvironmentIds, @FirstRuns, @Flops, @Tflops, @MemoryBytes, " +
            "@StartedAtMs, @EndedAtMs, @TelemetryNotes) " +
            "AS u (s, c, k, n, ca, p, b, h, d, dt, di, se, hy, st, er, iv, a, dk, e, fr, f, tf, m, sa, ea, tn) " +
            "ON CONFLICT (sweep_id, case_id) DO NOTHING RETURNING sweep_id, case_id",
            new
            {
                now,
                Sweeps = rows.Select(r => r.Item.SweepId).ToArray(),
                Cases = rows.Select(r => r.Fields.CaseId).ToArray(),
                Kernels = rows.Select(r => r.Fields.Kernel).ToArray(),
                Ns = rows.Select(r => r.Fields.N).ToArray(),
                Causals = rows.Select(r => r.Fields.Causal).ToArray(),
                Passes = rows.Select(r => r.Fields.Pass).ToArray(),
                Batches = rows.Select(r => r.Fields.Batch).ToArray(),
                Heads = rows.Select(r => r.Fields.Heads).ToArray(),
                Ds = rows.Select(r => r.Fields.D).ToArray(),
                Dtypes = rows.Select(r => r.Fields.Dtype).ToArray(),
                Distributions = rows.Select(r => r.Fields.Distribution).ToArray(),
                Seeds = rows.Select(r => unchecked((long)r.Fields.Seed)).ToArray(), // a signed BIGINT column
                Hypers = rows.Select(r => r.Fields.Hyper?.Canonical).ToArray(),
                Statuses = rows.Select(r => Word(r.Item.Result.Status)).ToArray(),
                Errors = rows.Select(r => r.Item.Result.Error).ToArray(),
                InvalidReasons = rows.Select(r => r.Item.Result.InvalidReason).ToArray(),
                Attempts = rows.Select(r => r.Item.Attempt).ToArray(),
                DeviceKeys = rows.Select(r => r.Item.DeviceKey).ToArray(),
                EnvironmentIds = rows.Select(r => r.EnvironmentId).ToArray(),
                FirstRuns = rows.Select(r => r.Item.Result.FirstRunSeconds).ToArray(),
                Flops = rows.Select(r => r.Item.Result.Flops).ToArray(),
                Tflops = rows.Select(r => r.Item.Result.Statistics is null ? (double?)null : r.Item.Result.Tflops).ToArray(),
                MemoryBytes = rows.Select(r => r.Item.Result.MemoryBytesEstimate).ToArray(),
                StartedAtMs = rows.Select(r => UnixTime.ToMs(r.Item.Result.StartedUtc)).ToArray(),
                EndedAtMs = rows.Select(r => UnixTime.ToMs(r.Item.Result.EndedUtc)).ToArray(),
                TelemetryNotes = rows.Select(r => r.Item.Result.Telemetry?.UnavailableReason).ToArray(),
            }, transaction, cancellationToken: ct))).ToHashSet();

        var mine = new List<(string SweepId, string CaseId, CaseResult Result)>(rows.Count);
        foreach (var r in rows)
        {
            if (inserted.Contains((r.Item.SweepId, r.Fields.CaseId)))
            {
                stored[r.Index] = true;
                mine.Add((r.Item.SweepId, r.Fields.CaseId, r.Item.Result));
            }
            else if (_logger.IsEnabled(LogLevel.Information))
            {
                // Stored by another attempt since the batch looked: keep the first.
                _logger.LogInformation("Result of case {CaseId} in sweep {SweepId} is already stored; attempt {Attempt} not stored",
                    r.Fields.CaseId, r.Item.SweepId, r.Item.Attempt);
            }
        }
        if (mine.Count == 0) return;

        var withSamples = mine.Where(m => m.Result.Samples.Count > 0).ToList();
        if (withSamples.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO samples (sweep_id, case_id, ordinal, seconds) SELECT * FROM unnest(@Sweeps, @Cases, @Ordinals, @Seconds)",
                new
                {
                    Sweeps = withSamples.SelectMany(m => Enumerable.Repeat(m.SweepId, m.Result.Samples.Count)).ToArray(),
                    Cases = withSamples.SelectMany(m => Enumerable.Repeat(m.CaseId, m.Result.Samples.Count)).ToArray(),
                    Ordinals = withSamples.SelectMany(m => Enumerable.Range(0, m.Result.Samples.Count)).ToArray(),
                    Seconds = withSamples.SelectMany(m => m.Result.Samples).ToArray(),
                }, transaction, cancellationToken: ct));
        }
        // Telemetry comes only from GPUs with a management library: rare, and few per batch.
        foreach (var m in mine.Where(m => m.Result.Telemetry is { Samples.Count: > 0 }))
            await _dialect.InsertTelemetryAsync(connection, transaction, m.SweepId, m.CaseId, m.Result.Telemetry!.Samples, ct);

        var withStatistics = mine.Where(m => m.Result.Statistics is not null).Select(m => (m.SweepId, m.CaseId, S: m.Result.Statistics!)).ToList();
        if (withStatistics.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO statistics (sweep_id, case_id, sample_count, median_seconds, mean_seconds, min_seconds, max_seconds, p20_seconds, " +
                "p80_seconds, stddev_seconds, cv, ci_low_seconds, ci_high_seconds, ci_level) " +
                "SELECT * FROM unnest(@Sweeps, @Cases, @Counts, @Medians, @Means, @Mins, @Maxes, @P20s, @P80s, @StdDevs, @Cvs, @CiLows, @CiHighs, @CiLevels)",
                new
                {
                    Sweeps = withStatistics.Select(w => w.SweepId).ToArray(),
                    Cases = withStatistics.Select(w => w.CaseId).ToArray(),
                    Counts = withStatistics.Select(w => w.S.Count).ToArray(),
                    Medians = withStatistics.Select(w => w.S.Median).ToArray(),
                    Means = withStatistics.Select(w => w.S.Mean).ToArray(),
                    Mins = withStatistics.Select(w => w.S.Min).ToArray(),
                    Maxes = withStatistics.Select(w => w.S.Max).ToArray(),
                    P20s = withStatistics.Select(w => w.S.P20).ToArray(),
                    P80s = withStatistics.Select(w => w.S.P80).ToArray(),
                    StdDevs = withStatistics.Select(w => w.S.StdDev).ToArray(),
                    Cvs = withStatistics.Select(w => w.S.CoefficientOfVariation).ToArray(),
                    CiLows = withStatistics.Select(w => w.S.MedianCiLower).ToArray(),
                    CiHighs = withStatistics.Select(w => w.S.MedianCiUpper).ToArray(),
                    CiLevels = withStatistics.Select(w => w.S.MedianCiLevel).ToArray(),
                }, transaction, cancellationToken: ct));
        }

        var accuracy = mine.Where(m => m.Result.Accuracy is { Metrics.Count: > 0 })
            .SelectMany(m => m.Result.Accuracy!.Metrics.Select(x => (m.SweepId, m.CaseId, A: m.Result.Accuracy!, M: x))).ToList();
        if (accuracy.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO accuracy (sweep_id, case_id, tensor, relative_frobenius, spectral_over_v, mean_row_cosine, heads_measured, heads_total, reference) " +
                "SELECT * FROM unnest(@Sweeps, @Cases, @Tensors, @Frobenius, @Spectral, @Cosine, @HeadsMeasured, @HeadsTotal, @References)",
                new
                {
                    Sweeps = accuracy.Select(a => a.SweepId).ToArray(),
                    Cases = accuracy.Select(a => a.CaseId).ToArray(),
                    Tensors = accuracy.Select(a => a.M.Tensor.ToLowerInvariant()).ToArray(),
                    Frobenius = accuracy.Select(a => a.M.RelativeFrobenius).ToArray(),
                    Spectral = accuracy.Select(a => a.M.SpectralOverV).ToArray(),
                    Cosine = accuracy.Select(a => a.M.MeanRowCosine).ToArray(),
                    HeadsMeasured = accuracy.Select(a => a.A.HeadsMeasured).ToArray(),
                    HeadsTotal = accuracy.Select(a => a.A.HeadsTotal).ToArray(),
                    References = accuracy.Select(a => a.A.Reference).ToArray(),
                }, transaction, cancellationToken: ct));
        }
    }
}
