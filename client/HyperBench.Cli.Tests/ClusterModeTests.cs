using System.Net;
using System.Net.Sockets;
using HyperBench.Hosting;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Microsoft.Extensions.Configuration;

namespace HyperBench.Cli.Tests;

/// <summary>`sweep --cluster` and `devices --cluster` as real processes against a running silo (this test's, on loopback).</summary>
public sealed class ClusterModeTests
{
    [Fact]
    public async Task SweepAndDevices_AgainstRunningSilo_RunOnItsDeviceAndStoreInItsDatabase()
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "cluster.db");
        int gateway = FreePort();
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HyperBench:Db"] = db,
            ["HyperBench:Devices"] = "cpu",
        }).Build();
        await using var cluster = await EmbeddedCluster.StartAsync(settings, new EmbeddedClusterOptions { GatewayPort = gateway },
            TestContext.Current.CancellationToken);

        var devices = CliProcess.Run(dir, "devices", "--cluster", $"localhost:{gateway}");
        Assert.True(devices.ExitCode == 0, devices.Output);
        Assert.Contains("/cpu", (await cluster.DevicesAsync()).Single().DeviceKey, StringComparison.Ordinal);
        Assert.Contains("1 device(s) in the cluster", devices.Output, StringComparison.Ordinal);

        var sweep = CliProcess.Run(dir, "sweep", "--cluster", $"localhost:{gateway}", "--db", db, "--kernel", "flash", "--n", "64,128",
            "--causal", "false", "--pass", "fwd", "--min-samples", "2", "--budget", "0", "--warmup", "0", "--warmup-time", "0", "--tag", "remote");
        Assert.True(sweep.ExitCode == 0, sweep.Output);

        var stored = Assert.Single(await cluster.Store.ListSweepsAsync(10, TestContext.Current.CancellationToken));
        Assert.Equal("remote", stored.Tag);
        Assert.Equal(SweepStatus.Completed, stored.Status);
        Assert.Contains(stored.SweepId, sweep.Output, StringComparison.Ordinal);
        var results = await cluster.Store.GetResultsAsync(stored.SweepId, TestContext.Current.CancellationToken);
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.EndsWith("/cpu", r.DeviceKey, StringComparison.Ordinal));

        // schedule run-now --cluster: the schedule's run goes to the running silo's device, stored once in its database.
        var saved = CliProcess.Run(dir, "sweep", "--kernel", "flash", "--n", "64", "--causal", "false", "--pass", "fwd", "--min-samples", "2",
            "--budget", "0", "--warmup", "0", "--warmup-time", "0", "--save-plan", "p.json", "--dry-run");
        Assert.True(saved.ExitCode == 0, saved.Output);
        var added = CliProcess.Run(dir, "schedule", "add", "--name", "remote-nightly", "--cron", "0 2 * * *", "--plan", "p.json", "--db", db);
        Assert.True(added.ExitCode == 0, added.Output);
        var runNow = CliProcess.Run(dir, "schedule", "run-now", "remote-nightly", "--cluster", $"localhost:{gateway}", "--db", db);
        Assert.True(runNow.ExitCode == 0, runNow.Output);
        var run = Assert.Single(await ((IScheduleStore)cluster.Store).ListScheduleRunsAsync("remote-nightly", 10, TestContext.Current.CancellationToken));
        Assert.Equal(ScheduleRunStatus.Completed, run.Status);
        var scheduled = Assert.Single(await cluster.Store.GetResultsAsync(run.SweepId!, TestContext.Current.CancellationToken));
        Assert.EndsWith("/cpu", scheduled.DeviceKey, StringComparison.Ordinal);

        var refused = CliProcess.Run(dir, "sweep", "--cluster", "nowhere:x");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("nowhere:x", refused.Output, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
