using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains.Tests;

/// <summary>
/// Two clusters with different service ids (HyperBench:ServiceId) on one PostgreSQL database: each leases and resumes only its own
/// service's sweeps (sweeps.service_id, migration 0008; docs/security.md).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ServiceIsolationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoServices_OneDatabase_EachRunsOnlyItsOwnSweep()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(Ct);
        await using var store = SweepStoreFactory.Create(db.ConnectionString);
        await store.MigrateAsync(Ct);
        await using var a = await SweepCluster.StartAsync(store, silos: 1, serviceId: "team-a", cancellationToken: Ct);
        await using var b = await SweepCluster.StartAsync(store, silos: 1, serviceId: "team-b", cancellationToken: Ct);

        await Task.WhenAll(a.Sweep("iso-a").StartAsync(TinyPlans.Flash([64, 96, 128, 160])), b.Sweep("iso-b").StartAsync(TinyPlans.Flash([64, 96, 128])));
        var statuses = await Task.WhenAll(a.WaitFinishedAsync("iso-a", Bound, Ct), b.WaitFinishedAsync("iso-b", Bound, Ct));

        Assert.All(statuses, s => Assert.Equal(SweepStatus.Completed, s.Status));
        Assert.Equal("team-a", (await store.GetSweepAsync("iso-a", Ct))!.ServiceId);
        Assert.Equal("team-b", (await store.GetSweepAsync("iso-b", Ct))!.ServiceId);
        // Every case measured by a device of its own cluster (device keys name the silo).
        await AssertMeasuredByAsync(await store.GetResultsAsync("iso-a", Ct), a, expected: 4);
        await AssertMeasuredByAsync(await store.GetResultsAsync("iso-b", Ct), b, expected: 3);
    }

    [Fact]
    public async Task UnfinishedSweepOfServiceA_ServiceBStarts_LeavesItPendingAndRefusesToResumeIt()
    {
        await using var db = await TestPostgres.CreateDatabaseAsync(Ct);
        await using var store = SweepStoreFactory.Create(db.ConnectionString);
        await store.MigrateAsync(Ct);
        // As a cluster of service A leaves it when it stops mid-sweep: running, every case pending.
        var plan = TinyPlans.Flash([64, 96]);
        await StoreUnfinishedAsync(store, "left-by-a", plan, "team-a");

        await using (var b = await SweepCluster.StartAsync(store, silos: 1, serviceId: "team-b", cancellationToken: Ct))
        {
            // B's worker is up and leasing: its own sweep completes while A's stays untouched.
            await b.Sweep("own-b").StartAsync(TinyPlans.Flash([64]));
            Assert.Equal(SweepStatus.Completed, (await b.WaitFinishedAsync("own-b", Bound, Ct)).Status);
            Assert.DoesNotContain("left-by-a", await b.Grains.GetGrain<IActiveSweepsGrain>(0).ListAsync());
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => b.Sweep("left-by-a").ResumeAsync());
            Assert.Contains("'team-a'", error.Message, StringComparison.Ordinal);
            Assert.Contains("'team-b'", error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<InvalidOperationException>(() => b.Sweep("left-by-a").CancelAsync());
            // A reader sees it as stored.
            Assert.Equal(SweepStatus.Running, (await b.Sweep("left-by-a").GetStatusAsync()).Status);
        }
        Assert.All(await store.GetCasesAsync("left-by-a", Ct), c => Assert.Equal(CaseStatus.Pending, c.Status));
        Assert.Empty(await store.GetResultsAsync("left-by-a", Ct));

        // Its own service picks it up at start and finishes it.
        await using var a = await SweepCluster.StartAsync(store, silos: 1, serviceId: "team-a", cancellationToken: Ct);
        var status = await a.WaitFinishedAsync("left-by-a", Bound, Ct);
        Assert.Equal(SweepStatus.Completed, status.Status);
        await AssertMeasuredByAsync(await store.GetResultsAsync("left-by-a", Ct), a, expected: 2);
    }

    private static async Task AssertMeasuredByAsync(IReadOnlyList<ResultSummaryRow> results, SweepCluster cluster, int expected)
    {
        Assert.Equal(expected, results.Select(r => r.CaseId).Distinct().Count());
        Assert.Equal(expected, results.Count);
        var devices = (await cluster.Grains.GetGrain<IDeviceRegistryGrain>(0).ListAsync()).Select(d => d.DeviceKey).ToHashSet();
        Assert.All(results, r => Assert.Contains(r.DeviceKey, devices));
    }

    private static async Task StoreUnfinishedAsync(ISweepStore store, string sweepId, SweepPlan plan, string serviceId)
    {
        var (sweep, cases) = TinyPlans.Rows(sweepId, plan, serviceId);
        await store.CreateSweepAsync(sweep, cases, Ct);
    }
}
