using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using HyperBench.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HyperBench.Grains.Tests.Fleet;

/// <summary>
/// The fleet harness itself: a test-owned PostgreSQL server and a real silo process on it, with two CPU devices, running a sweep.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FleetHarnessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SiloProcess_TwoCpuDevicesOnOwnPostgres_BothRegisterAndTheSweepCompletes()
    {
        await using var server = await PostgresServer.StartOrSkipAsync(Ct, FleetDatabase.Name);
        await using var silo = SiloProcess.Start("one", new Dictionary<string, string>
        {
            ["Db"] = server.HyperBenchDb(),
            ["Clustering"] = "adonet",
            ["ClusteringConnectionString"] = server.HyperBenchDb(),
            ["Devices"] = "cpu:0-1",
        });
        using var client = await SiloProcess.ConnectAdoNetClientAsync(server.HyperBenchDb(), Bound, Ct);
        var grains = client.Services.GetRequiredService<IClusterClient>();

        var devices = await PollAsync(() => grains.GetGrain<IDeviceRegistryGrain>(0).ListAsync(), d => d.Length == 2, silo);
        Assert.Equal([$"{silo.Endpoint}/cpu:0", $"{silo.Endpoint}/cpu:1"], devices.Select(d => d.DeviceKey).Order(StringComparer.Ordinal));

        const string id = "harness";
        await grains.GetGrain<ISweepGrain>(id).StartAsync(TinyPlans.Flash([32, 64, 96, 128, 160, 192]));
        var status = await PollAsync(() => grains.GetGrain<ISweepGrain>(id).GetStatusAsync(), s => s.Finished, silo);

        Assert.Equal((SweepStatus.Completed, 6), (status.Status!.Value, status.Done));
        await using var store = SweepStoreFactory.Create(server.HyperBenchDb());
        var results = await store.GetResultsAsync(id, Ct);
        Assert.Equal(6, results.Select(r => r.CaseId).Distinct().Count());
        await client.StopAsync(Ct);
    }

    [Fact]
    public async Task PostgresServer_StopAndStart_AcceptsConnectionsAgain()
    {
        await using var server = await PostgresServer.StartOrSkipAsync(Ct, FleetDatabase.Name);
        await using (var store = SweepStoreFactory.Create(server.HyperBenchDb()))
        {
            await store.MigrateAsync(Ct);
            Assert.Empty(await store.ListSweepsAsync(cancellationToken: Ct));
        }

        await server.StopAsync(Ct);
        await using (var down = SweepStoreFactory.Create(server.HyperBenchDb(), options: new SweepStoreOptions { RetryWindow = TimeSpan.Zero }))
            await Assert.ThrowsAnyAsync<StorageUnavailableException>(() => down.ListSweepsAsync(cancellationToken: Ct));
        await server.StartAsync(Ct);

        await using var again = SweepStoreFactory.Create(server.HyperBenchDb());
        Assert.Empty(await again.ListSweepsAsync(cancellationToken: Ct));
    }

    private static Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, SiloProcess silo) =>
        Poll.UntilAsync(read, done, Bound, TimeSpan.FromMilliseconds(100), Ct, () => silo.Log, () => SiloProcess.Exited([silo]));
}
