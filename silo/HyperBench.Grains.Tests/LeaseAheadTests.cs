using HyperBench.Contracts;
using HyperBench.Hosting;

namespace HyperBench.Grains.Tests;

/// <summary>
/// When a sweep grants a lease ahead (docs/scheduling.md, "Lease-ahead"): while every busy device without one could still get one,
/// and not once fewer cases wait than that. Made-up CUDA devices call the sweep as their workers would; the cluster's cpu worker
/// stays out (the plans are for CUDA only).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LeaseAheadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DeviceView Gpu(int i) => TinyPlans.FakeGpu(i);

    private static async Task<SweepCluster> ClusterAsync(SqliteTestStore store) =>
        // Every case stored with the sweep: these tests lease at once and count the pending ones.
        await SweepCluster.StartAsync(store, silos: 1, configureSilo: silo => silo.AddHyperBenchGrains(o => o.CasesStoredAtStart = 100),
            cancellationToken: Ct);

    [Fact]
    public async Task Continue_FewerPendingThanLeasedButOneForEachBusyDevice_StillLeasesAhead()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await ClusterAsync(store);
        var sweep = cluster.Sweep("ahead-late");
        await sweep.StartAsync(TinyPlans.Flash([64, 80, 96, 112, 128, 144], leaseSeconds: 300) with { Devices = ["cuda"] });
        var c0 = (await sweep.LeaseAsync(Gpu(0), []))!;
        var c1 = (await sweep.LeaseAsync(Gpu(1), []))!;

        // 4 pending, 2 leased: plenty.
        var a0 = await sweep.ContinueAsync(Gpu(0), null, leaseAhead: true, [c0.LeaseId]);
        Assert.NotNull(a0.Next);
        // 3 pending, 3 leased: device 1 is the one busy device without a case ahead, and 3 wait. ("More waiting than leased", the
        // rule before, said no here, and every device of a fleet sweep paid a lease round trip per case over its last two rounds.)
        var a1 = await sweep.ContinueAsync(Gpu(1), null, leaseAhead: true, [c1.LeaseId]);
        Assert.NotNull(a1.Next);

        // Device 0 ends its case and starts the one it took ahead: 2 pending, 3 leased, and it is again the only one without a case ahead.
        Assert.True(await sweep.CompleteAsync(c0.LeaseId, new CaseOutcome(null, 0.001, true)));
        var next0 = await sweep.ContinueAsync(Gpu(0), a0.Next.LeaseId, leaseAhead: true, [a0.Next.LeaseId]);
        Assert.True(next0.StillLeased);
        Assert.NotNull(next0.Next);
        Assert.Equal((1, 4), ((await sweep.GetStatusAsync()).Pending, (await sweep.GetStatusAsync()).Leased));
        await sweep.CancelAsync();
    }

    [Fact]
    public async Task Lease_CaseGivenBack_IsLeasedAgainBeforeLaterCases()
    {
        // A lease looks for a pending case from the first one that may be pending, not from the sweep's first case: a case given back
        // must move that point back, or the cases after it would run first and it last.
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await ClusterAsync(store);
        var sweep = cluster.Sweep("lease-order");
        await sweep.StartAsync(TinyPlans.Flash([64, 80, 96, 112], leaseSeconds: 300) with { Devices = ["cuda"] });
        var leases = new List<CaseLease>();
        for (int i = 0; i < 3; i++) leases.Add((await sweep.LeaseAsync(Gpu(i), []))!);
        Assert.Equal([64, 80, 96], leases.Select(l => l.Case.N));

        Assert.True(await sweep.ReturnAsync(leases[0].LeaseId));
        Assert.Equal(64, (await sweep.LeaseAsync(Gpu(3), []))!.Case.N);
        Assert.Equal(112, (await sweep.LeaseAsync(Gpu(0), []))!.Case.N);
        Assert.Null(await sweep.LeaseAsync(Gpu(4), []));
        await sweep.CancelAsync();
    }

    [Fact]
    public async Task Continue_FewerPendingThanBusyDevicesWithoutOne_LeasesNothingAhead_UntilOneFrees()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await ClusterAsync(store);
        var sweep = cluster.Sweep("ahead-end");
        await sweep.StartAsync(TinyPlans.Flash([64, 80, 96, 112, 128], leaseSeconds: 300) with { Devices = ["cuda"] });
        var leases = new List<CaseLease>();
        for (int i = 0; i < 3; i++) leases.Add((await sweep.LeaseAsync(Gpu(i), []))!);

        // 2 pending for 3 busy devices without a case ahead: a case taken ahead by device 0 could leave device 1 or 2 idle.
        var none = await sweep.ContinueAsync(Gpu(0), null, leaseAhead: true, [leases[0].LeaseId]);
        Assert.True(none.StillLeased);
        Assert.Null(none.Next);
        Assert.Equal((2, 3), ((await sweep.GetStatusAsync()).Pending, (await sweep.GetStatusAsync()).Leased));

        // Device 1 is done and holds nothing: 2 pending for the 2 busy devices, so device 0 may take one ahead.
        Assert.True(await sweep.CompleteAsync(leases[1].LeaseId, new CaseOutcome(null, 0.001, true)));
        var one = await sweep.ContinueAsync(Gpu(0), null, leaseAhead: true, [leases[0].LeaseId]);
        Assert.NotNull(one.Next);
        await sweep.CancelAsync();
    }
}
