using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Npgsql;

namespace HyperBench.Cli.Tests;

/// <summary>Real processes only, timing-sensitive: not run next to other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterFaultCollection
{
    public const string Name = "cluster faults (real processes)";
}

/// <summary>
/// Faults of a real cluster (issue 18): two standalone silos (HyperBench.Silo processes, adonet clustering on a fresh PostgreSQL
/// database that is also the results store, loopback only) and the CLI's `sweep --cluster` watching; the silo hosting the sweep
/// grain is killed with SIGKILL mid-sweep.
/// </summary>
[Collection(ClusterFaultCollection.Name)]
public sealed class ClusterFaultTests
{
    private const int Cases = 24;

    /// <summary>Orleans' SiloStatus.Active and SiloStatus.Dead in orleansmembershiptable.status.</summary>
    private const int Active = 3, Dead = 6;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The grain host is found from the silos' own logs ("Sweep {id} started" is written by the silo the grain activated on), so
    /// the killed silo is both the grain's host and the holder of a lease (its worker is inside a case then): the harder case.
    /// </summary>
    [Fact]
    public async Task Sweep_GrainHostSiloKilled_CliExitsZeroEveryCaseOnceAndItsLeaseReissuedAfterDeathDeclared()
    {
        string? admin = Environment.GetEnvironmentVariable("HYPERBENCH_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            const string reason = "PostgreSQL not configured: set HYPERBENCH_TEST_POSTGRES to a connection string of a server where the user may CREATE DATABASE";
            if (Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_POSTGRES") == "1") Assert.Fail(reason + " (HYPERBENCH_REQUIRE_POSTGRES=1)");
            Assert.Skip(reason);
        }
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(Bound);
        var ct = bound.Token;
        var clock = Stopwatch.StartNew();
        var timeline = new StringBuilder();
        void Mark(string what) => timeline.AppendLine(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds,6:F2} s  {DateTime.UtcNow:HH:mm:ss.fff}Z  {what}");

        string name = "hb_test_" + Guid.NewGuid().ToString("N")[..16];
        string db = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        await ExecuteAsync(admin, $"CREATE DATABASE {name}", ct);
        string dir = CliProcess.TempDirectory();
        var silos = new List<Silo>();
        Process? cli = null;
        try
        {
            silos.Add(Silo.Start(dir, db));
            silos.Add(Silo.Start(dir, db));
            await PollAsync(async () => await ScalarAsync(db, $"SELECT count(*) FROM orleansmembershiptable WHERE status = {Active}", ct) == 2,
                () => "both silos active in the membership table: " + string.Join("\n", silos.Select(s => s.Output)), ct);
            Mark("both silos active");

            cli = CliProcess.Start(dir, "sweep", "--cluster", db, "--db", db, "--kernel", "flash",
                "--n", string.Join(',', Enumerable.Range(1, Cases).Select(i => 32 * i)), "--causal", "false", "--pass", "fwd",
                "--min-samples", "2", "--budget", "0.5", "--warmup", "0", "--warmup-time", "0", "--tag", "silo-killed");
            var cliOutput = Task.WhenAll(cli.StandardOutput.ReadToEndAsync(ct), cli.StandardError.ReadToEndAsync(ct));
            var cliExited = cli.WaitForExitAsync(ct).ContinueWith(_ => clock.Elapsed, TaskScheduler.Default);

            await using var store = SweepStoreFactory.Create(db);
            string sweepId = "";
            Silo? host = null;
            SweepCaseRow? held = null;
            int doneAtKill = 0;
            var seenLeases = new HashSet<string>(StringComparer.Ordinal);
            // Until some cases are done and the grain host's worker has just leased a case (a lease not seen at the last poll, so the
            // case has most of its half-second budget left and cannot finish between this read and the kill).
            await PollAsync(async () =>
            {
                if (cli.HasExited) return true;
                sweepId = (await store.ListSweepsAsync(1, ct)).SingleOrDefault()?.SweepId ?? "";
                if (sweepId == "") return false;
                host = silos.SingleOrDefault(s => s.Output.Contains($"Sweep {sweepId} started", StringComparison.Ordinal));
                if (host is null) return false;
                var cases = await store.GetCasesAsync(sweepId, ct);
                var leased = cases.FirstOrDefault(c => c.Status == CaseStatus.Leased && host.Holds(c.DeviceKey));
                doneAtKill = cases.Count(c => c.Status == CaseStatus.Done);
                bool fresh = leased is not null && seenLeases.Add(leased.LeaseId!) && seenLeases.Count > 1;
                held = fresh ? leased : null;
                return doneAtKill >= 2 && held is not null;
            }, () => $"sweep '{sweepId}' on the silos' logs with 2 cases done and a fresh lease of the grain host\n" + string.Join("\n", silos.Select(s => s.Output)), ct,
                TimeSpan.FromMilliseconds(50));
            if (cli.HasExited) Assert.Fail("the sweep ended before the kill: " + string.Concat(await cliOutput));
            var survivor = silos.Single(s => s != host);

            host!.Process.Kill(); // SIGKILL: no hand-back, no goodbye to membership
            var killed = clock.Elapsed;
            Mark($"killed the grain host (silo port {host.SiloPort}) holding case {held!.CaseId} (lease {held.LeaseId}); {doneAtKill} of {Cases} done");
            await host.Process.WaitForExitAsync(ct);
            var atKill = (await store.GetCasesAsync(sweepId, ct)).Single(c => c.CaseId == held.CaseId);
            Assert.True(atKill.Status == CaseStatus.Leased && atKill.LeaseId == held.LeaseId,
                $"the case finished as the silo was killed ({atKill.Status}): nothing to re-issue\n{timeline}\nkilled silo:\n{host.Output}");

            TimeSpan? declaredDead = null, handedBack = null, reissued = null;
            await PollAsync(async () =>
            {
                if (declaredDead is null && await ScalarAsync(db, $"SELECT count(*) FROM orleansmembershiptable WHERE port = {host.SiloPort} AND status = {Dead}", ct) == 1)
                {
                    declaredDead = clock.Elapsed;
                    Mark("membership table: the killed silo is Dead");
                }
                var row = (await store.GetCasesAsync(sweepId, ct)).Single(c => c.CaseId == held.CaseId);
                if (handedBack is null && row.LeaseId != held.LeaseId)
                {
                    handedBack = clock.Elapsed;
                    Mark($"case {row.CaseId}: old lease gone ({row.Status})");
                }
                if (reissued is null && (row.Status == CaseStatus.Done || (row.Status == CaseStatus.Leased && row.LeaseId != held.LeaseId)))
                {
                    reissued = clock.Elapsed;
                    Mark($"case {row.CaseId}: re-issued ({row.Status} on {row.DeviceKey})");
                }
                return declaredDead is not null && reissued is not null;
            }, () => $"death declaration and re-issue of case {held.CaseId}\n{timeline}\nsurvivor:\n{survivor.Output}", ct, TimeSpan.FromMilliseconds(100));

            // When the cluster finished the sweep (the CLI's exit is measured against it).
            TimeSpan? completed = null;
            await PollAsync(async () =>
            {
                if ((await store.GetSweepAsync(sweepId, ct))?.Status == SweepStatus.Completed)
                {
                    completed = clock.Elapsed;
                    Mark("the sweep is completed in the store");
                }
                return completed is not null || cli.HasExited;
            }, () => $"the sweep's completion\n{timeline}\nsurvivor:\n{survivor.Output}", ct, TimeSpan.FromMilliseconds(100));
            var exited = await cliExited;
            Assert.True(cli.HasExited, $"the CLI was still watching {Bound.TotalSeconds} s into the test\n{timeline}");
            string output = string.Concat(await cliOutput);
            timeline.AppendLine(CultureInfo.InvariantCulture, $"{exited.TotalSeconds,6:F2} s  CLI exited {cli.ExitCode}");
            string story = $"{timeline}\nCLI:\n{output}\nsurvivor:\n{survivor.Output}";
            TestContext.Current.TestOutputHelper?.WriteLine(timeline + string.Join('\n',
                survivor.Output.Split('\n').Where(l => l.Contains("HyperBench.Grains.SweepGrain", StringComparison.Ordinal))));

            Assert.True(cli.ExitCode == 0, story);
            Assert.True(exited - completed < TimeSpan.FromSeconds(10), "the CLI went on watching a finished sweep\n" + story);
            Assert.Contains($"sweep {sweepId} completed", output, StringComparison.Ordinal);
            // Membership declared the killed silo dead, and only then did its lease go (the 60 s lease did not expire meanwhile) ...
            Assert.True(handedBack >= declaredDead - TimeSpan.FromSeconds(0.5), "the lease went before the death declaration\n" + story);
            Assert.True(reissued - killed < TimeSpan.FromSeconds(60), "the case waited out its 60 s lease\n" + story);
            // ... and within a few seconds of it: the grain is re-activated on the survivor by its next caller (the worker's or the
            // CLI's retry), hands back the dead silo's leases as it loads (later ones at its 2 s check), and the survivor leases the case.
            Assert.True(reissued - declaredDead < TimeSpan.FromSeconds(8), $"re-issued {(reissued - declaredDead)!.Value.TotalSeconds:F1} s after the death declaration\n" + story);
            Assert.True(exited > declaredDead, "the sweep was over before the death declaration: the kill tested nothing\n" + story);

            Assert.Equal(SweepStatus.Completed, (await store.GetSweepAsync(sweepId, ct))!.Status);
            var cases = await store.GetCasesAsync(sweepId, ct);
            Assert.Equal(Cases, cases.Count);
            Assert.All(cases, c => Assert.Equal(CaseStatus.Done, c.Status));
            long rows = await ScalarAsync(db, $"SELECT count(*) FROM results WHERE sweep_id = '{sweepId}'", ct);
            long distinct = await ScalarAsync(db, $"SELECT count(DISTINCT case_id) FROM results WHERE sweep_id = '{sweepId}'", ct);
            Assert.True(rows == Cases && distinct == Cases, $"{rows} result rows, {distinct} distinct cases, {Cases} in the plan\n" + story);
            Assert.Contains(await store.GetResultsAsync(sweepId, ct), r => survivor.Holds(r.DeviceKey));
        }
        finally
        {
            if (cli is { HasExited: false }) cli.Kill(entireProcessTree: true);
            cli?.Dispose();
            foreach (var s in silos) s.Dispose();
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", CancellationToken.None);
        }
    }

    /// <summary>A standalone silo process: adonet clustering on the test's database, one cpu device, loopback only.</summary>
    private sealed class Silo : IDisposable
    {
        private readonly StringBuilder _output = new();

        private Silo(Process process, int siloPort)
        {
            Process = process;
            SiloPort = siloPort;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public int SiloPort { get; }

        public string Output
        {
            get
            {
                lock (_output) return _output.ToString();
            }
        }

        public static Silo Start(string dir, string db)
        {
            int siloPort = FreePort();
            var process = SiloProcess.Start(dir, new Dictionary<string, string>
            {
                ["HYPERBENCH__DB"] = db,
                ["HYPERBENCH__DEVICES"] = "cpu",
                ["HYPERBENCH__CLUSTERING"] = "adonet",
                ["HYPERBENCH__CLUSTERINGCONNECTIONSTRING"] = db,
                ["HYPERBENCH__ADVERTISEDIP"] = "127.0.0.1",
                ["HYPERBENCH__SILOPORT"] = siloPort.ToString(CultureInfo.InvariantCulture),
                ["HYPERBENCH__GATEWAYPORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
                ["HYPERBENCH__IDLEPOLLMILLISECONDS"] = "50",
                ["HYPERBENCH__HEARTBEATSECONDS"] = "1",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}",
            });
            return new Silo(process, siloPort);
        }

        /// <summary>Whether a device key ("{silo address}/{device}") is one of this silo's devices.</summary>
        public bool Holds(string? deviceKey) => deviceKey is not null && deviceKey.Contains($"127.0.0.1:{SiloPort}", StringComparison.Ordinal);

        public void Dispose()
        {
            try
            {
                if (!Process.HasExited) Process.Kill(entireProcessTree: true);
                Process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
            }
            Process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
        }
    }

    private static async Task PollAsync(Func<Task<bool>> done, Func<string> what, CancellationToken ct, TimeSpan? interval = null)
    {
        try
        {
            while (!await done()) await Task.Delay(interval ?? TimeSpan.FromMilliseconds(200), ct);
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            Assert.Fail($"not within the test's {Bound.TotalSeconds} s: {what()}");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A count, or 0 while the table does not exist yet (the silos create it as they start).</summary>
    private static async Task<long> ScalarAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
