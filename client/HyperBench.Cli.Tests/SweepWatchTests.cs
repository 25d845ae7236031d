using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Microsoft.Extensions.Configuration;

namespace HyperBench.Cli.Tests;

/// <summary>`sweep watch ID`: follows a sweep another process runs, read-only, as a real process on a SQLite file.</summary>
public sealed class SweepWatchTests
{
    // 8 cases of at least 0.3 s each: the sweep is still running when the watcher attaches.
    private static readonly string[] SlowPlan =
    [
        "sweep", "--device", "cpu", "--kernel", "flash", "--n", "64,128,256,512", "--causal", "both", "--pass", "fwd",
        "--min-samples", "2", "--budget", "0.3", "--warmup", "0", "--warmup-time", "0", "--tag", "watched",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Watch_SweepOfAnotherProcess_ReturnsWhenItCompletesWithItsCountsAndTakesNoLease()
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "hyperbench-results", "hyperbench.db");
        using var runner = CliProcess.Start(dir, SlowPlan);
        var runnerOutput = Task.WhenAll(runner.StandardOutput.ReadToEndAsync(Ct), runner.StandardError.ReadToEndAsync(Ct));
        string sweepId = await WaitForRunningSweepAsync(db, runner);

        var watch = await Task.Run(() => CliProcess.Run(dir, "sweep", "watch", sweepId), Ct);
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            bound.CancelAfter(TimeSpan.FromMinutes(2));
            await runner.WaitForExitAsync(bound.Token);
        }
        string ran = string.Concat(await runnerOutput);

        Assert.True(runner.ExitCode == 0, ran);
        Assert.True(watch.ExitCode == 0, watch.Output);
        Assert.Contains($"watching sweep {sweepId}", watch.Output, StringComparison.Ordinal);
        Assert.Contains($"sweep {sweepId} completed: 8 done, 0 failed, 0 skipped, 0 cancelled of 8", watch.Output, StringComparison.Ordinal);
        // Not a terminal: one line per change of the counts, the last one the finished sweep.
        Assert.Contains($"sweep {sweepId}: 8/8 done (completed)", watch.Output, StringComparison.Ordinal);
        await using var store = SweepStoreFactory.Create(db);
        var cases = await store.GetCasesAsync(sweepId, Ct);
        Assert.Equal(8, cases.Count);
        // The watcher leased nothing and handed nothing back: every case ran once, on the runner's only device.
        Assert.All(cases, c => Assert.True(c.Status == CaseStatus.Done && c.Attempts == 1, $"{c.CaseId}: {c.Status}, {c.Attempts} attempt(s)"));
        Assert.Single(cases.Select(c => c.DeviceKey).Distinct());
        Assert.Equal(8, (await store.GetResultsAsync(sweepId, Ct)).Count);
    }

    [Fact]
    public async Task Watch_FinishedSweep_PrintsItsSummaryAndLeavesTheFileAsItWas()
    {
        string dir = CliProcess.TempDirectory();
        var run = CliProcess.Run(dir, [.. SlowPlan[..6], "64", .. SlowPlan[7..]]);
        Assert.True(run.ExitCode == 0, run.Output);
        string db = Path.Combine(dir, "hyperbench-results", "hyperbench.db");
        await using (var store = SweepStoreFactory.Create(db))
        {
            string sweepId = (await store.ListSweepsAsync(1, Ct)).Single().SweepId;
            byte[] before = await HashAsync(db);

            var watch = CliProcess.Run(dir, "sweep", "watch", sweepId);

            Assert.True(watch.ExitCode == 0, watch.Output);
            Assert.Contains($"sweep {sweepId} completed: 2 done, 0 failed, 0 skipped, 0 cancelled of 2", watch.Output, StringComparison.Ordinal);
            Assert.Contains("flash", watch.Output, StringComparison.Ordinal); // the summary table
            Assert.Equal(before, await HashAsync(db));
        }

        var unknown = CliProcess.Run(dir, "sweep", "watch", "no-such-sweep");
        Assert.True(unknown.ExitCode == 2, unknown.Output);
        Assert.Contains("no-such-sweep", unknown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_ClusterMode_FollowsTheGrainUntilCompletedAndLeasesNothing()
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "cluster.db");
        int gateway;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            gateway = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HyperBench:Db"] = db,
            ["HyperBench:Devices"] = "cpu",
        }).Build();
        await using var cluster = await EmbeddedCluster.StartAsync(settings, new EmbeddedClusterOptions { GatewayPort = gateway }, Ct);
        const string id = "watched-remote";
        var plan = new SweepPlan
        {
            Grid = new BenchmarkGrid
            {
                Kernels = [KernelKind.Flash], SeqLens = [.. Enumerable.Range(1, 10).Select(i => 32 * i)], Causal = [false], Passes = [AttentionPass.Forward],
                Batches = [1], Heads = [1], HeadDims = [64],
            },
            Measurement = MeasurementOptions.ForMinSamples(2, 0.3, 0, 0),
            LeaseSeconds = 60,
            MaxAttempts = 3,
        };
        await cluster.Sweep(id).StartAsync(plan);
        string address = "localhost:" + gateway.ToString(CultureInfo.InvariantCulture);

        var watch = await Task.Run(() => CliProcess.Run(dir, "sweep", "watch", id, "--cluster", address, "--db", db), Ct);
        var unknown = await Task.Run(() => CliProcess.Run(dir, "sweep", "watch", "no-such-sweep", "--cluster", address), Ct);

        Assert.True(watch.ExitCode == 0, watch.Output);
        Assert.Contains($"sweep {id} completed: 10 done, 0 failed, 0 skipped, 0 cancelled of 10", watch.Output, StringComparison.Ordinal);
        var cases = await cluster.Store.GetCasesAsync(id, Ct);
        Assert.All(cases, c => Assert.True(c.Status == CaseStatus.Done && c.Attempts == 1, $"{c.CaseId}: {c.Status}, {c.Attempts} attempt(s)"));
        Assert.True(unknown.ExitCode == 2, unknown.Output);
        Assert.Contains("no-such-sweep", unknown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Watch_UnreachableDatabase_Exits3NamingIt()
    {
        string dir = CliProcess.TempDirectory();
        // A port nothing listens on (loopback): refused at once; the retry window shortened so the test stays quick.
        var watch = CliProcess.Run(dir, new Dictionary<string, string?> { ["HYPERBENCH_DB_RETRY_SECONDS"] = "1" },
            "sweep", "watch", "some-sweep", "--db", "Host=127.0.0.1;Port=1;Database=hyperbench;Username=nobody;Password=secret;Timeout=2");

        Assert.True(watch.ExitCode == 3, watch.Output);
        Assert.Contains("127.0.0.1", watch.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", watch.Output, StringComparison.Ordinal);
    }

    private static async Task<byte[]> HashAsync(string file)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return await SHA256.HashDataAsync(stream, Ct);
    }

    /// <summary>The runner's sweep once it is stored and running with at least one case done (the watcher attaches mid-sweep).</summary>
    private static async Task<string> WaitForRunningSweepAsync(string db, Process runner)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90) && !runner.HasExited)
        {
            await Task.Delay(200, Ct);
            if (!File.Exists(db)) continue;
            await using var probe = SweepStoreFactory.Create(db);
            try
            {
                var sweeps = await probe.ListSweepsAsync(1, Ct);
                if (sweeps.Count == 1 && (await probe.GetCasesAsync(sweeps[0].SweepId, Ct)).Any(c => c.Status == CaseStatus.Done)) return sweeps[0].SweepId;
            }
            catch (System.Data.Common.DbException)
            {
                // The file exists before the runner's migrations have created the tables: look again.
            }
        }
        Assert.Fail("the runner's sweep did not start within 90 s (or the runner exited)");
        return "";
    }
}
