using System.Diagnostics;
using System.Globalization;
using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using HyperBench.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace HyperBench.Grains.Tests.Fleet;

/// <summary>
/// Faults with real processes (docs/fleet.md): HyperBench.Silo processes in an adonet cluster on a test-owned PostgreSQL server
/// (results and membership in one database), loopback only. A silo killed with SIGKILL while it holds a lease, the database stopped
/// and started under running silos, a silo started while its database is down: each sweep completes with every case stored once.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FleetFaultTests
{
    /// <summary>Orleans' SiloStatus.Active and SiloStatus.Dead in orleansmembershiptable.status.</summary>
    internal const int Active = 3, Dead = 6;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThreeSilos_OneKilledHoldingALease_SweepCompletesEveryCaseStoredOnce()
    {
        await using var server = await PostgresServer.StartOrSkipAsync(Ct, FleetDatabase.Name);
        var outcome = await KillMidSweepAsync(server, "kill9", silos: 3, membership: null, Ct);

        // The lease went back because membership declared its silo dead (the 60 s lease did not run out): the survivors' logs say so.
        Assert.True(outcome.Survivors.Any(s => s.Log.Contains($"case {outcome.HeldCaseId} goes back to pending", StringComparison.Ordinal)
            && s.Log.Contains("whose silo the cluster declared dead", StringComparison.Ordinal)), outcome.Story);
        await AssertEveryCaseOnceAsync(server, "kill9", outcome.Cases, outcome.Story);
        await using var store = SweepStoreFactory.Create(server.HyperBenchDb());
        var held = (await store.GetCasesAsync("kill9", Ct)).Single(c => c.CaseId == outcome.HeldCaseId);
        Assert.True(held.Attempts >= 2 && !held.DeviceKey!.StartsWith(outcome.Killed + "/", StringComparison.Ordinal), outcome.Story);
    }

    /// <param name="pooled">
    /// The silos' connection strings: pooled, as a connection string is unless it says otherwise (the pool then holds connections the
    /// restart broke), or unpooled (every call opens a new one).
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TwoSilos_PostgresStoppedAndStartedMidSweep_NoResultLostSweepCompletes(bool pooled)
    {
        await using var server = await PostgresServer.StartOrSkipAsync(Ct, FleetDatabase.Name);
        string id = pooled ? "outage-pooled" : "outage";
        const int cases = 16;
        string? db = pooled ? server.ConnectionString(FleetDatabase.Name, pooling: true) : null;
        await using var first = StartSilo("a", server, db: db);
        await using var second = StartSilo("b", server, db: db);
        SiloProcess[] silos = [first, second];
        await WaitForActiveAsync(server, silos, 2);
        await StartSweepAsync(server, id, TinyPlans.Flash(SeqLens(cases), budgetSeconds: 0.3, leaseSeconds: 60));

        await PollAsync(async () => await DoneAsync(server, id) >= 3, silos, () => "3 cases done");
        await server.StopAsync(Ct);
        // Long enough that every worker meets the outage (a case takes 0.3 s): results wait in the writers, leases in the grain.
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        await server.StartAsync(Ct);

        await PollAsync(async () => await SweepStatusAsync(server, id) == SweepStatus.Completed, silos, () => "the sweep completed after the outage");
        Assert.All(silos, s => Assert.False(s.HasExited, $"silo {s.Name} exited during the outage:\n{s.Log}"));
        // The outage was met: some silo logged a database it could not reach.
        Assert.Contains(silos, s => s.Log.Contains("unavailable", StringComparison.OrdinalIgnoreCase));
        await AssertEveryCaseOnceAsync(server, id, cases, string.Join("\n", silos.Select(s => $"silo {s.Name}:\n{s.Log}")));
    }

    [Fact]
    public async Task Silo_StartedWhileDatabaseDown_StartsOnceItIsBackAndRunsASweep()
    {
        await using var server = await PostgresServer.StartOrSkipAsync(Ct, FleetDatabase.Name);
        await server.StopAsync(Ct);
        await using var silo = StartSilo("late", server);

        // It waits (and says so) instead of exiting 3.
        await silo.WaitForLogAsync("database unreachable", Bound, Ct);
        Assert.False(silo.HasExited, silo.Log);
        await server.StartAsync(Ct);
        await WaitForActiveAsync(server, [silo], 1);
        const string id = "late-start";
        await StartSweepAsync(server, id, TinyPlans.Flash([32, 64, 96, 128]));

        await PollAsync(async () => await SweepStatusAsync(server, id) == SweepStatus.Completed, [silo], () => "the sweep completed");
        Assert.Contains("StartupRetrySeconds", silo.Log, StringComparison.Ordinal);
        await AssertEveryCaseOnceAsync(server, id, 4, silo.Log);
    }

    /// <summary>What a kill mid-sweep gave: the silo killed, the case it held, and seconds from the kill to each step.</summary>
    internal sealed record KillOutcome(string Killed, string HeldCaseId, int Cases, double KillToDead, double KillToReleased, double KillToRunning,
        IReadOnlyList<SiloProcess> Survivors, string Story);

    /// <summary>
    /// <paramref name="silos"/> silos run a sweep of 0.4 s cases with 60 s leases; when a few cases are done, the silo holding a
    /// lease just taken is killed (SIGKILL); returns once the sweep is completed in the store, with the seconds from the kill to its
    /// death declaration in the membership table, to its case leaving its lease, and to that case running on another silo.
    /// <paramref name="membership"/>: HyperBench:Membership:* values over the shipped defaults.
    /// </summary>
    internal static async Task<KillOutcome> KillMidSweepAsync(PostgresServer server, string id, int silos,
        IReadOnlyDictionary<string, string>? membership, CancellationToken ct)
    {
        const int cases = 24;
        var processes = Enumerable.Range(0, silos).Select(i => StartSilo(((char)('a' + i)).ToString(), server, membership)).ToList();
        try
        {
            await WaitForActiveAsync(server, processes, silos);
            await StartSweepAsync(server, id, TinyPlans.Flash(SeqLens(cases), budgetSeconds: 0.4, leaseSeconds: 60));
            await using var store = SweepStoreFactory.Create(server.HyperBenchDb());
            var seen = new HashSet<string>(StringComparer.Ordinal);
            SweepCaseRow? held = null;
            SiloProcess? victim = null;
            // A lease not seen at the last look (its case has most of its 0.4 s ahead), once some cases are done on every silo's watch.
            await PollAsync(async () =>
            {
                var rows = await store.GetCasesAsync(id, ct);
                var fresh = rows.Where(c => c.Status == CaseStatus.Leased && c.LeaseId is not null && seen.Add(c.LeaseId)).ToList();
                held = rows.Count(c => c.Status == CaseStatus.Done) >= 3 && seen.Count > fresh.Count ? fresh.FirstOrDefault() : null;
                victim = held is null ? null : processes.FirstOrDefault(p => p.Endpoint == SiloOf(held.DeviceKey));
                return victim is not null;
            }, processes, () => "3 cases done and a fresh lease", TimeSpan.FromMilliseconds(40));
            await victim!.KillAsync();
            var clock = Stopwatch.StartNew();
            // The case the dead silo holds, read after the kill: the one picked may have finished in between, the next one then runs.
            var survivors = processes.Where(p => p != victim).ToList();
            held = (await store.GetCasesAsync(id, ct)).FirstOrDefault(c => c.Status == CaseStatus.Leased && victim.Endpoint == SiloOf(c.DeviceKey));
            string Story() => $"killed {victim.Name} ({victim.Endpoint}) holding {held?.CaseId}\n" + string.Join("\n", survivors.Select(s => $"silo {s.Name}:\n{s.Log}"));
            Assert.True(held is not null, $"the killed silo held no lease at its death\n{Story()}");

            double? dead = null, released = null, running = null;
            await PollAsync(async () =>
            {
                if (dead is null && await ScalarAsync(server, $"SELECT count(*) FROM orleansmembershiptable WHERE port = {victim.SiloPort} AND status = {Dead}") == 1)
                    dead = clock.Elapsed.TotalSeconds;
                var row = (await store.GetCasesAsync(id, ct)).Single(c => c.CaseId == held.CaseId);
                if (released is null && row.LeaseId != held.LeaseId) released = clock.Elapsed.TotalSeconds;
                if (running is null && row.LeaseId != held.LeaseId && row.Status is CaseStatus.Leased or CaseStatus.Done) running = clock.Elapsed.TotalSeconds;
                return dead is not null && running is not null;
            }, survivors, () => "death declaration and re-issue\n" + Story(), TimeSpan.FromMilliseconds(50));
            await PollAsync(async () => await SweepStatusAsync(server, id) == SweepStatus.Completed, survivors, () => "the sweep completed\n" + Story());
            return new KillOutcome(victim.Endpoint, held.CaseId, cases, dead!.Value, released!.Value, running!.Value, survivors, Story());
        }
        finally
        {
            foreach (var p in processes) await p.DisposeAsync();
        }
    }

    private static string? SiloOf(string? deviceKey) => deviceKey is null ? null : deviceKey[..deviceKey.IndexOf('/', StringComparison.Ordinal)];

    /// <param name="db">The silo's connection string for results and membership; null: the server's own (unpooled).</param>
    internal static SiloProcess StartSilo(string name, PostgresServer server, IReadOnlyDictionary<string, string>? membership = null, string? db = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Db"] = db ?? server.HyperBenchDb(),
            ["Clustering"] = "adonet",
            ["ClusteringConnectionString"] = db ?? server.HyperBenchDb(),
            ["HeartbeatSeconds"] = "1",
            ["DeviceMemoryLimitBytes"] = TinyPlans.DeviceMemoryBytes.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in membership ?? new Dictionary<string, string>()) settings["Membership:" + key] = value;
        return SiloProcess.Start(name, settings);
    }

    private static int[] SeqLens(int cases) => [.. Enumerable.Range(1, cases).Select(i => 16 * i)];

    private static async Task StartSweepAsync(PostgresServer server, string id, SweepPlan plan)
    {
        using var client = await SiloProcess.ConnectAdoNetClientAsync(server.HyperBenchDb(), Bound, Ct);
        await client.Services.GetRequiredService<IClusterClient>().GetGrain<ISweepGrain>(id).StartAsync(plan);
        await client.StopAsync(Ct);
    }

    private static Task WaitForActiveAsync(PostgresServer server, IReadOnlyList<SiloProcess> silos, int count) =>
        PollAsync(async () => await ScalarAsync(server, $"SELECT count(*) FROM orleansmembershiptable WHERE status = {Active}") == count, silos,
            () => $"{count} silo(s) active in the membership table\n" + string.Join("\n", silos.Select(s => $"silo {s.Name}:\n{s.Log}")));

    private static async Task<int> DoneAsync(PostgresServer server, string id)
    {
        await using var store = SweepStoreFactory.Create(server.HyperBenchDb());
        return (await store.GetCasesAsync(id, Ct)).Count(c => c.Status == CaseStatus.Done);
    }

    private static async Task<SweepStatus?> SweepStatusAsync(PostgresServer server, string id)
    {
        await using var store = SweepStoreFactory.Create(server.HyperBenchDb(), options: new SweepStoreOptions { RetryWindow = TimeSpan.Zero });
        try
        {
            return (await store.GetSweepAsync(id, Ct))?.Status;
        }
        catch (StorageUnavailableException)
        {
            return null;
        }
    }

    /// <summary>Every case done, and exactly one result row per case id (counted in SQL).</summary>
    private static async Task AssertEveryCaseOnceAsync(PostgresServer server, string id, int cases, string story)
    {
        await using var store = SweepStoreFactory.Create(server.HyperBenchDb());
        var rows = await store.GetCasesAsync(id, Ct);
        Assert.Equal(cases, rows.Count);
        Assert.All(rows, c => Assert.True(c.Status == CaseStatus.Done, $"{c.CaseId}: {c.Status} {c.Error}\n{story}"));
        long results = await ScalarAsync(server, $"SELECT count(*) FROM results WHERE sweep_id = '{id}'");
        long maxPerCase = await ScalarAsync(server, $"SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM results WHERE sweep_id = '{id}' GROUP BY case_id) r");
        long distinct = await ScalarAsync(server, $"SELECT count(DISTINCT case_id) FROM results WHERE sweep_id = '{id}'");
        Assert.True(results == cases && distinct == cases && maxPerCase == 1, $"{results} result rows, {distinct} case ids, {cases} cases\n{story}");
        var sweep = (await store.GetSweepAsync(id, Ct))!;
        Assert.Equal((SweepStatus.Completed, cases, cases), (sweep.Status, sweep.CaseCount, sweep.DoneCount));
    }

    private static async Task<long> ScalarAsync(PostgresServer server, string sql)
    {
        try
        {
            await using var connection = new NpgsqlConnection(server.HyperBenchDb());
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
        }
        catch (NpgsqlException)
        {
            return -1; // down or not created yet: look again
        }
    }

    private static Task PollAsync(Func<Task<bool>> done, IReadOnlyList<SiloProcess> silos, Func<string> what, TimeSpan? interval = null) =>
        Poll.UntilAsync(done, Bound, interval ?? TimeSpan.FromMilliseconds(200), Ct, what, () => SiloProcess.Exited(silos));
}
