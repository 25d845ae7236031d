using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;

namespace HyperBench.Grains.Tests;

/// <summary>
/// Clustering=adonet on a real PostgreSQL database that starts empty: the silos create Orleans' membership tables themselves
/// (also when they start at the same moment), form one cluster, run a sweep; a client finds them through the same table.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AdonetClusteringTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Schema_ConcurrentFirstRuns_CreateTablesOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestPostgres.CreateDatabaseAsync(ct);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OrleansClusteringSchema.EnsureCreatedAsync(db.ConnectionString, ct)));

        // Main, clustering and the reminders of schedules (03-PostgreSQL-Reminders.sql), once; the other starts detect them.
        Assert.Equal(["01-PostgreSQL-Main.sql", "02-PostgreSQL-Clustering.sql", "03-PostgreSQL-Reminders.sql"], Assert.Single(runs, applied => applied.Count > 0));
        Assert.Equal(3, runs.Count(applied => applied.Count == 0));
        Assert.Empty(await OrleansClusteringSchema.MissingTablesAsync(db.ConnectionString, ct));
        Assert.Empty(await OrleansClusteringSchema.EnsureCreatedAsync(db.ConnectionString, ct));
    }

    [Fact]
    public async Task Silos_StartTogetherOnFreshDatabase_FormOneClusterAndRunSweep()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestPostgres.CreateDatabaseAsync(ct);

        using var first = BuildSilo(db.ConnectionString);
        using var second = BuildSilo(db.ConnectionString);
        try
        {
            await Task.WhenAll(first.StartAsync(ct), second.StartAsync(ct)).WaitAsync(Bound, ct);
            var grains = first.Services.GetRequiredService<IGrainFactory>();

            var hosts = await PollAsync(() => grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true), h => h.Count == 2, ct);
            Assert.Equal(2, hosts.Count);
            // The scheduler's reminder (docs/schedules.md) is kept in PostgreSQL: one row, however many silos started.
            long reminders = await PollAsync(async () =>
            {
                await using var connection = new NpgsqlConnection(db.ConnectionString);
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand("SELECT count(*) FROM orleansreminderstable WHERE remindername = 'schedules'", connection);
                return (long)(await command.ExecuteScalarAsync(ct))!;
            }, n => n > 0, ct);
            Assert.Equal(1, reminders);

            const string id = "adonet-two-silos";
            var plan = TinyPlans.Flash([64, 128, 192, 256]);
            await grains.GetGrain<ISweepGrain>(id).StartAsync(plan);
            var status = await PollAsync(() => grains.GetGrain<ISweepGrain>(id).GetStatusAsync(), s => s.Finished, ct);

            Assert.Equal(SweepStatus.Completed, status.Status);
            Assert.Equal(4, status.Done);
            var store = first.Services.GetRequiredService<ISweepStore>();
            var results = await store.GetResultsAsync(id, ct);
            Assert.Equal(4, results.Count);
            Assert.Equal(4, results.Select(r => r.CaseId).Distinct().Count());
            var devices = await PollAsync(() => grains.GetGrain<IDeviceRegistryGrain>(0).ListAsync(), d => d.Length == 2, ct);
            Assert.Equal(2, devices.Select(d => d.SiloAddress).Distinct().Count());
            Assert.All(devices, d => Assert.Equal("cpu", d.Kind));
        }
        finally
        {
            await Task.WhenAll(StopAsync(second), StopAsync(first));
        }
    }

    [Fact]
    public async Task Client_AdonetCluster_SubmitsAndPollsSweep()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestPostgres.CreateDatabaseAsync(ct);
        using var silo = BuildSilo(db.ConnectionString);
        try
        {
            await silo.StartAsync(ct).WaitAsync(Bound, ct);
            using var clientHost = BuildClient(db.ConnectionString);
            await clientHost.StartAsync(ct).WaitAsync(Bound, ct);
            var client = clientHost.Services.GetRequiredService<IClusterClient>();

            const string id = "adonet-client";
            await client.GetGrain<ISweepGrain>(id).StartAsync(TinyPlans.Flash([64, 128]));
            var status = await PollAsync(() => client.GetGrain<ISweepGrain>(id).GetStatusAsync(), s => s.Finished, ct);
            await clientHost.StopAsync(ct);

            Assert.Equal(SweepStatus.Completed, status.Status);
            Assert.Equal(2, status.Done);
            Assert.Equal(2, (await silo.Services.GetRequiredService<ISweepStore>().GetResultsAsync(id, ct)).Count);
        }
        finally
        {
            await StopAsync(silo);
        }
    }

    [Fact]
    public async Task Client_DatabaseWithoutTables_FailsSayingStartASilo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestPostgres.CreateDatabaseAsync(ct);
        using var clientHost = BuildClient(db.ConnectionString);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => clientHost.StartAsync(ct).WaitAsync(Bound, ct));

        Assert.Contains("HyperBench:ClusteringConnectionString", ex.Message, StringComparison.Ordinal);
        Assert.Contains("orleansmembershiptable", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Start a HyperBench silo", ex.Message, StringComparison.Ordinal);
        Assert.NotEmpty(await OrleansClusteringSchema.MissingTablesAsync(db.ConnectionString, ct));
    }

    [Fact]
    public async Task Silo_TablesAlreadyExist_StartsAgainAndJoins()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestPostgres.CreateDatabaseAsync(ct);

        for (int run = 0; run < 2; run++)
        {
            using var silo = BuildSilo(db.ConnectionString);
            try
            {
                await silo.StartAsync(ct).WaitAsync(Bound, ct);
                var management = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
                var hosts = await PollAsync(() => management.GetHosts(onlyActive: true), h => h.Count == 1, ct);
                Assert.Single(hosts);
            }
            finally
            {
                await StopAsync(silo);
            }
        }
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync(ct);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM orleansmembershiptable", connection);
        Assert.Equal(2L, (long)(await count.ExecuteScalarAsync(ct))!);
    }

    /// <summary>A standalone-silo host (as HyperBench.Silo builds it, less HTTP) with adonet clustering on loopback and a cpu worker.</summary>
    private static IHost BuildSilo(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "hyperbench-adonet-test" });
        int siloPort = LoopbackPorts.Free(), gatewayPort = LoopbackPorts.Free();
        string s = HyperBenchSiloOptions.Section + ":";
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [s + nameof(HyperBenchSiloOptions.Db)] = connectionString,
            [s + nameof(DeviceWorkerOptions.Devices)] = "cpu",
            [s + nameof(HyperBenchSiloOptions.Clustering)] = "adonet",
            [s + nameof(HyperBenchSiloOptions.ClusteringConnectionString)] = connectionString,
            [s + nameof(HyperBenchSiloOptions.AdvertisedIp)] = "127.0.0.1",
            [s + nameof(HyperBenchSiloOptions.SiloPort)] = siloPort.ToString(CultureInfo.InvariantCulture),
            [s + nameof(HyperBenchSiloOptions.GatewayPort)] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            [s + nameof(DeviceWorkerOptions.DeviceMemoryLimitBytes)] = TinyPlans.DeviceMemoryBytes.ToString(CultureInfo.InvariantCulture),
            [s + nameof(DeviceWorkerOptions.HeartbeatSeconds)] = "0.3",
            [s + nameof(DeviceWorkerOptions.IdlePollMilliseconds)] = "20",
        });
        builder.AddHyperBenchStorage();
        builder.AddHyperBenchOrleans();
        builder.AddHyperBenchDeviceWorkers();
        // Listen on loopback only (the silo's own wiring listens on any address for adonet); registered last, so it wins.
        builder.Services.Configure<EndpointOptions>(e =>
        {
            e.SiloListeningEndpoint = new IPEndPoint(IPAddress.Loopback, siloPort);
            e.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Loopback, gatewayPort);
        });
        return builder.Build();
    }

    private static IHost BuildClient(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HyperBench:Clustering"] = "adonet",
            ["HyperBench:ClusteringConnectionString"] = connectionString,
        });
        builder.AddHyperBenchClient();
        return builder.Build();
    }

    private static async Task StopAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StopAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // "not in the Running state": the silo never started; its start failure is the test's error, not this.
        }
    }

    private static Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, CancellationToken cancellationToken) =>
        Poll.UntilAsync(read, done, Bound, TimeSpan.FromMilliseconds(50), cancellationToken);
}
