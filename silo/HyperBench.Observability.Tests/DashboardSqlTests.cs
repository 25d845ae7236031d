using System.Data.Common;
using Npgsql;

namespace HyperBench.Observability.Tests;

/// <summary>
/// Every SQL query of every dashboard (panel targets, query variables, enabled annotations) runs against a real PostgreSQL
/// holding the real schema and a real sweep, as Grafana would send it: template variables take the values their own queries
/// return from that database (in the order the dashboard lists them, so later variables see earlier ones), time macros are
/// expanded over the last day. Each must run and return at least one row.
/// </summary>
[Collection(nameof(StoredSweepCollection))]
public sealed class DashboardSqlTests(StoredSweepFixture sweep)
{
    private static readonly DateTimeOffset To = DateTimeOffset.UtcNow.AddHours(1);
    private static readonly DateTimeOffset From = DateTimeOffset.UtcNow.AddDays(-1);

    /// <summary>The dashboards with a SQL query. A file that does not parse is left to DashboardLintTests, which names it.</summary>
    public static TheoryData<string> SqlDashboards()
    {
        var names = new List<string>();
        foreach (var file in RepositoryPaths.DashboardFiles())
        {
            try
            {
                if (GrafanaDashboard.Load(file).Queries().Any(IsSql)) names.Add(Path.GetFileName(file));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or InvalidOperationException)
            {
                // Reported by the lint.
            }
        }
        return [.. names];
    }

    [Fact]
    public async Task StoredSweep_HasFlashAndHyperResultsWithAccuracy()
    {
        sweep.EnsureAvailable();
        var ct = TestContext.Current.CancellationToken;
        Assert.True(sweep.Status is { Finished: true }, $"sweep {sweep.SweepId} did not finish: {sweep.Status}");
        var counts = await RowsAsync(
            "SELECT (SELECT count(*) FROM results WHERE status = 'ok'), (SELECT count(*) FROM statistics), " +
            "(SELECT count(DISTINCT case_id) FROM accuracy WHERE tensor = 'o'), (SELECT count(*) FROM results WHERE kernel = 'hyper'), " +
            $"(SELECT count(*) FROM results WHERE telemetry_note = '{HyperBench.Kernels.Telemetry.CaseTelemetry.CpuDevice}')", ct);
        // 2 kernels x 2 n x 2 masks; each hyper case carries its error on O; on the cpu backend the Results panel's "GPU
        // telemetry" column shows why there are no readings.
        Assert.Equal(new object[] { 8L, 8L, 4L, 4L, 8L }, counts.Single());
        // The self-comparison's verdicts (History's "Regression verdicts" annotation): one per case, 3 samples a side is too few to test.
        var verdicts = await RowsAsync("SELECT count(*), count(*) FILTER (WHERE verdict = 'insufficient') FROM regression_verdicts " +
            $"WHERE baseline_sweep_id = '{sweep.SweepId}' AND candidate_sweep_id = '{sweep.SweepId}'", ct);
        Assert.Equal(new object[] { 8L, 8L }, verdicts.Single());
        Assert.Equal(8, sweep.VerdictCount);
    }

    [Fact]
    public async Task Kernels_SpeedupTable_MatchesTheStoredResultsPairedAsTheCliPairsThem()
    {
        sweep.EnsureAvailable();
        var ct = TestContext.Current.CancellationToken;
        var panel = GrafanaDashboard.Load(Path.Combine(RepositoryPaths.Dashboards, "kernels.json")).Queries()
            .Single(q => q.Where.Contains("\"HyperAttention vs flash\"", StringComparison.Ordinal));
        var values = new Dictionary<string, VariableValue>(StringComparer.Ordinal)
        {
            ["sweep"] = new([sweep.SweepId], Quoted: false),
            ["pass"] = new(["fwd"], Quoted: true),
            ["dtype"] = new(["fp32"], Quoted: true),
        };
        var rows = await RowsAsync(GrafanaSqlQuery.Expand(panel.Text, values, From, To), ct);

        // The same pairs from the store's summary rows (what `hyperbench results` reads), keyed as SweepSummary keys them.
        await using var store = Storage.SweepStoreFactory.Create(sweep.ConnectionString);
        var results = await store.GetResultsAsync(sweep.SweepId, ct);
        static string Key(Storage.ResultSummaryRow r) => $"{r.N}|{r.Causal}|{r.Pass}|{r.Batch}|{r.Heads}|{r.D}|{r.Dtype}|{r.Distribution}|{r.Seed}|{r.DeviceName}";
        var flash = results.Where(r => r.Kernel == "flash").ToDictionary(Key, r => r.MedianSeconds!.Value);
        var expected = results.Where(r => r.Kernel == "hyper")
            .Select(r => (r.N, Mask: r.Causal ? "causal" : "full", Speedup: flash[Key(r)] / r.MedianSeconds!.Value, r.SpectralOverV))
            .OrderBy(e => e.N).ThenBy(e => e.Mask == "causal").ToList();
        Assert.Equal(4, expected.Count);
        Assert.Equal(expected.Count, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            Assert.Equal(expected[i].N, Convert.ToInt32(row[0], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(expected[i].Mask, row[1]);
            Assert.Equal(expected[i].Speedup, Convert.ToDouble(row[9], System.Globalization.CultureInfo.InvariantCulture), 12);
            Assert.Equal(expected[i].SpectralOverV!.Value, Convert.ToDouble(row[11], System.Globalization.CultureInfo.InvariantCulture), 12);
            TestContext.Current.TestOutputHelper?.WriteLine($"n={expected[i].N} {expected[i].Mask}: speed-up {expected[i].Speedup:F3}, ‖E‖₂/‖V‖₂ {expected[i].SpectralOverV:G3}");
        }
    }

    [Theory]
    [MemberData(nameof(SqlDashboards))]
    public async Task Dashboard_EverySqlQuery_ReturnsRowsFromTheStoredSweep(string file)
    {
        sweep.EnsureAvailable();
        var ct = TestContext.Current.CancellationToken;
        var dashboard = GrafanaDashboard.Load(Path.Combine(RepositoryPaths.Dashboards, file));
        var values = new Dictionary<string, VariableValue>(StringComparer.Ordinal);
        var failures = new List<string>();
        int ran = 0;

        // Variables first, in the dashboard's order: each one's query sees the values picked before it.
        foreach (var variable in dashboard.Variables().Where(v => v.Type == "query" && IsSqlType(v.DataSourceType)))
        {
            var rows = await RunAsync($"variable ${variable.Name}", variable.Query!, values, failures, ct);
            ran++;
            if (rows is not { Count: > 0 }) continue;
            var picked = rows.Select(r => Convert.ToString(r.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToList();
            values[variable.Name] = variable.Multi || variable.IncludeAll ? new VariableValue(picked, Quoted: true) : new VariableValue([picked[0]], Quoted: false);
        }
        foreach (var query in dashboard.Queries().Where(q => IsSql(q) && !q.Where.StartsWith("variable ", StringComparison.Ordinal)))
        {
            if (!query.Enabled)
            {
                // A disabled annotation waits for a table a later migration adds (history.json: regression_verdicts); not run.
                TestContext.Current.TestOutputHelper?.WriteLine($"{file}: {query.Where} is disabled (enable: false): not run");
                continue;
            }
            await RunAsync(query.Where, query.Text, values, failures, ct);
            ran++;
        }
        Assert.True(failures.Count == 0, $"{file} against sweep {sweep.SweepId}:\n  " + string.Join("\n  ", failures));
        Assert.True(ran > 0, $"{file}: no SQL query ran");
    }

    private static bool IsSql(DashboardQuery q) => IsSqlType(q.DataSourceType);

    private static bool IsSqlType(string? type) => type is not null && GrafanaDashboard.PostgresTypes.Contains(type);

    /// <summary>The rows' value column (<c>__value</c> when there is one, else the first), or null after recording a failure.</summary>
    private async Task<List<(object? Value, int Columns)>?> RunAsync(string where, string sql, Dictionary<string, VariableValue> values,
        List<string> failures, CancellationToken ct)
    {
        string expanded;
        try
        {
            expanded = GrafanaSqlQuery.Expand(sql, values, From, To);
        }
        catch (InvalidOperationException e)
        {
            failures.Add($"{where}: {e.Message}");
            return null;
        }
        try
        {
            await using var connection = new NpgsqlConnection(sweep.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(expanded, connection) { CommandTimeout = 30 };
            await using var reader = await command.ExecuteReaderAsync(ct);
            int valueColumn = Enumerable.Range(0, reader.FieldCount).FirstOrDefault(i => reader.GetName(i) == "__value");
            var rows = new List<(object?, int)>();
            while (await reader.ReadAsync(ct)) rows.Add((reader.IsDBNull(valueColumn) ? null : reader.GetValue(valueColumn), reader.FieldCount));
            if (rows.Count == 0) failures.Add($"{where}: no rows\n    {expanded.ReplaceLineEndings("\n    ")}");
            return rows;
        }
        catch (DbException e)
        {
            failures.Add($"{where}: {e.Message}\n    {expanded.ReplaceLineEndings("\n    ")}");
            return null;
        }
    }

    private async Task<List<object[]>> RowsAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(sweep.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<object[]>();
        while (await reader.ReadAsync(ct))
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }
}
