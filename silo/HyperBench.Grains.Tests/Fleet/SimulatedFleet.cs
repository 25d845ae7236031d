using System.Diagnostics;
using System.Globalization;
using HyperBench.Contracts;
using HyperBench.Kernels;
using HyperBench.Kernels.Backends.Simulated;
using HyperBench.Kernels.Measurement;
using HyperBench.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace HyperBench.Grains.Tests.Fleet;

/// <summary>
/// A simulated cluster: a test-owned PostgreSQL, several real silo processes each running simulated devices (sim:0-K) on a model
/// file the test writes, and a cluster client. Results are counted in SQL by case id.
/// </summary>
internal sealed class SimulatedFleet : IAsyncDisposable
{
    private readonly PostgresServer _server;
    private readonly List<SiloProcess> _silos;
    private readonly IHost _client;
    private readonly string _folder;

    private SimulatedFleet(PostgresServer server, List<SiloProcess> silos, IHost client, string folder, SimModel model, string db)
    {
        _server = server;
        _silos = silos;
        _client = client;
        _folder = folder;
        Model = model;
        Db = db;
    }

    public SimModel Model { get; }

    /// <summary>The silos' database (pooled, unlike the harness's default, whose pool is off for outage tests).</summary>
    public string Db { get; }

    public IReadOnlyList<SiloProcess> Silos => _silos;

    public IClusterClient Grains => _client.Services.GetRequiredService<IClusterClient>();

    /// <summary>A model in which every run of every flash fwd fp32 case takes <paramref name="secondsPerRun"/> (B = 0), no noise.</summary>
    public static SimModel ConstantModel(string name, double secondsPerRun) => new()
    {
        Name = name,
        CalibratedFrom = "a test: constant time",
        Groups = [new SimGroup("flash", "fwd", false, "fp32", new SimFit(secondsPerRun, 0))],
        Fallback = new SimFit(secondsPerRun, 0),
    };

    /// <summary>Starts PostgreSQL and <paramref name="silos"/> silos of <paramref name="devicesPerSilo"/> simulated devices each; waits until all registered.</summary>
    public static async Task<SimulatedFleet> StartAsync(int silos, int devicesPerSilo, SimModel model, TimeSpan bound, CancellationToken cancellationToken)
    {
        var server = await PostgresServer.StartOrSkipAsync(cancellationToken, FleetDatabase.Name);
        var started = new List<SiloProcess>();
        try
        {
            string folder = Directory.CreateTempSubdirectory("hyperbench-simfleet-").FullName;
            string modelPath = Path.Combine(folder, "model.json");
            await File.WriteAllTextAsync(modelPath, model.ToJson(), cancellationToken);
            // Each silo at most 20 connections: 4 silos and the membership stay under PostgreSQL's default 100.
            string db = new NpgsqlConnectionStringBuilder(server.HyperBenchDb()) { Pooling = true, MaxPoolSize = 20, Timeout = 15 }.ConnectionString;
            for (int i = 0; i < silos; i++)
            {
                started.Add(SiloProcess.Start($"sim{i}", new Dictionary<string, string>
                {
                    ["Db"] = db,
                    ["Clustering"] = "adonet",
                    ["ClusteringConnectionString"] = server.HyperBenchDb(),
                    ["Devices"] = string.Create(CultureInfo.InvariantCulture, $"sim:0-{devicesPerSilo - 1}"),
                    ["SimModel"] = modelPath,
                }));
            }
            var client = await SiloProcess.ConnectAdoNetClientAsync(server.HyperBenchDb(), bound, cancellationToken);
            var fleet = new SimulatedFleet(server, started, client, folder, model, db);
            var clock = Stopwatch.StartNew();
            while ((await fleet.Grains.GetGrain<IDeviceRegistryGrain>(0).ListAsync()).Length < silos * devicesPerSilo)
            {
                if (clock.Elapsed > bound || started.Any(s => s.HasExited))
                    throw new TimeoutException($"the simulated devices did not all register in {bound.TotalSeconds:F0} s:\n" +
                        string.Join("\n", started.Select(s => $"--- {s.Name} (exited: {s.HasExited})\n{Tail(s.Log)}")));
                await Task.Delay(200, cancellationToken);
            }
            return fleet;
        }
        catch
        {
            foreach (var silo in started) await silo.DisposeAsync();
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary><paramref name="cases"/> distinct flash fwd cases (n = 16, 17, ...), one sample each, no warm-up.</summary>
    public static SweepPlan Plan(int cases, string tag) => new()
    {
        Grid = new BenchmarkGrid
        {
            Kernels = [KernelKind.Flash],
            SeqLens = [.. Enumerable.Range(16, cases)],
            Causal = [false],
            Passes = [AttentionPass.Forward],
            Batches = [1],
            Heads = [1],
            HeadDims = [64],
        },
        Measurement = MeasurementOptions.ForMinSamples(1, 0, 0, 0),
        LeaseSeconds = 30,
        MaxAttempts = 3,
        Devices = ["sim"],
        Tag = tag,
    };

    /// <summary>Starts the sweep and waits until it is finished; answers its status, the wall time from start to finish, and when it was started.</summary>
    public async Task<(SweepStatusView Status, TimeSpan Wall, DateTime StartedUtc)> RunAsync(string sweepId, SweepPlan plan, TimeSpan bound, CancellationToken cancellationToken)
    {
        var sweep = Grains.GetGrain<ISweepGrain>(sweepId);
        var startedUtc = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        await sweep.StartAsync(plan);
        while (true)
        {
            var status = await sweep.GetStatusAsync();
            if (status.Finished) return (status, clock.Elapsed, startedUtc);
            if (clock.Elapsed > bound || _silos.Any(s => s.HasExited))
                throw new TimeoutException($"sweep {sweepId} not finished in {bound.TotalSeconds:F0} s ({status.Done} done, {status.Pending} pending, " +
                    $"{status.Leased} leased):\n" + string.Join("\n", _silos.Select(s => $"--- {s.Name} (exited: {s.HasExited})\n{Tail(s.Log)}")));
            await Task.Delay(20, cancellationToken); // fine-grained: the benchmark times sweeps of ~10 s to 1%;
        }
    }

    /// <summary>Result rows per case id, and the device models they name, straight from SQL.</summary>
    public async Task<(Dictionary<string, int> RowsByCase, string[] DeviceModels)> ResultsAsync(string sweepId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_server.HyperBenchDb());
        await connection.OpenAsync(cancellationToken);
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT case_id, count(*) FROM results WHERE sweep_id = @s GROUP BY case_id", connection))
        {
            command.Parameters.AddWithValue("s", sweepId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) rows[reader.GetString(0)] = (int)reader.GetInt64(1);
        }
        var models = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT DISTINCT e.device_name FROM results r JOIN environments e ON e.environment_id = r.environment_id WHERE r.sweep_id = @s", connection))
        {
            command.Parameters.AddWithValue("s", sweepId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) models.Add(reader.GetString(0));
        }
        return (rows, [.. models]);
    }

    /// <summary>
    /// Where a sweep's wall time went, from the stored times (ms): from its creation to the first device's first case and to the last
    /// device's first case (the start's spread), the gaps between two cases of one device (mean, median, 99th percentile, largest,
    /// and the largest sum on one device), the spread of the devices' last case ends, from the last case ending to the sweep's
    /// completion, creation to completion as stored, a case's mean stored duration, the longest time from a device's first case start
    /// to its last case end; the end split in two: from the last case's end to its completion reaching the sweep grain (its result
    /// stored, then the call), and from the last completion to the sweep's completion (the last transitions and the sweep's row
    /// stored); the sweep's stored creation and completion (ms since 1970), to set against the client's clock; and the most time one
    /// device spent in its cases (the sum of their stored durations), which no scheduler could beat for that assignment of cases.
    /// </summary>
    public async Task<Timeline> TimelineAsync(string sweepId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_server.HyperBenchDb());
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "WITH r AS (SELECT r.device_key, r.started_at_ms, r.ended_at_ms, c.updated_at_ms AS completed_at_ms, " +
            "r.started_at_ms - lag(r.ended_at_ms) OVER (PARTITION BY r.device_key ORDER BY r.started_at_ms) AS gap " +
            "FROM results r JOIN sweep_cases c ON c.sweep_id = r.sweep_id AND c.case_id = r.case_id WHERE r.sweep_id = @s), " +
            "d AS (SELECT device_key, min(started_at_ms) AS first_start, max(ended_at_ms) AS last_end, coalesce(sum(gap), 0) AS gaps, " +
            "sum(ended_at_ms - started_at_ms) AS busy FROM r GROUP BY device_key) " +
            "SELECT min(d.first_start) - s.created_at_ms, max(d.first_start) - s.created_at_ms, (SELECT avg(gap) FROM r), (SELECT max(gap) FROM r), " +
            "max(d.gaps), max(d.last_end) - min(d.last_end), s.finished_at_ms - max(d.last_end), s.finished_at_ms - s.created_at_ms, " +
            "(SELECT avg(ended_at_ms - started_at_ms) FROM r), max(d.last_end - d.first_start), " +
            "(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) FROM r), (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY gap) FROM r), " +
            "(SELECT completed_at_ms - ended_at_ms FROM r ORDER BY ended_at_ms DESC LIMIT 1), s.finished_at_ms - (SELECT max(completed_at_ms) FROM r), " +
            "s.created_at_ms, s.finished_at_ms, max(d.busy) " +
            "FROM d CROSS JOIN sweeps s WHERE s.sweep_id = @s GROUP BY s.created_at_ms, s.finished_at_ms", connection);
        command.Parameters.AddWithValue("s", sweepId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        double At(int i) => Convert.ToDouble(reader.GetValue(i), CultureInfo.InvariantCulture);
        return new Timeline(At(0), At(1), At(2), At(3), At(4), At(5), At(6), At(7), At(8), At(9), At(10), At(11), At(12), At(13), At(14), At(15), At(16));
    }

    /// <summary>Every result's device, case start and end (ms since the sweep's creation) as CSV lines, for a closer look at a timeline.</summary>
    public async Task<List<string>> CaseTimesAsync(string sweepId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_server.HyperBenchDb());
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT r.device_key, r.started_at_ms - s.created_at_ms, r.ended_at_ms - s.created_at_ms FROM results r JOIN sweeps s ON s.sweep_id = r.sweep_id " +
            "WHERE r.sweep_id = @s ORDER BY r.device_key, r.started_at_ms", connection);
        command.Parameters.AddWithValue("s", sweepId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var lines = new List<string> { "device_key,started_ms,ended_ms" };
        while (await reader.ReadAsync(cancellationToken))
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetString(0)},{reader.GetValue(1)},{reader.GetValue(2)}"));
        return lines;
    }

    /// <summary>A sweep's stored timeline in ms (<see cref="TimelineAsync"/>).</summary>
    public sealed record Timeline(double FirstStartMs, double LastFirstStartMs, double MeanGapMs, double MaxGapMs, double MaxGapSumMs,
        double LastEndSpreadMs, double LastEndToFinishMs, double StoredWallMs, double MeanCaseMs, double LongestDeviceSpanMs,
        double MedianGapMs, double P99GapMs, double LastEndToItsCompletionMs, double LastCompletionToFinishMs, double CreatedAtMs, double FinishedAtMs, double BusiestDeviceMs);

    private static string Tail(string log) => log.Length <= 4000 ? log : log[^4000..];

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _client.StopAsync(CancellationToken.None);
        }
        catch (Exception)
        {
            // The silos may be gone already: nothing to say goodbye to.
        }
        _client.Dispose();
        foreach (var silo in _silos) await silo.DisposeAsync();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
