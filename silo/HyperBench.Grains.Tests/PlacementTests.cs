using System.Collections.Concurrent;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace HyperBench.Grains.Tests;

/// <summary>
/// Placement by hardware (a plan's device model and fingerprint) and gang leasing (plan.Gang), on a real two-silo cluster over SQLite.
/// The direct LeaseAsync calls use device views of a model no real worker has, so the cluster's own workers never take those cases.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PlacementTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DeviceView Fake(string key, string model, string? fingerprint = null) =>
        new($"127.0.0.1:1/{key}", key, "cpu", model, TinyPlans.DeviceMemoryBytes, "test", "127.0.0.1:1", DateTime.UtcNow, Fingerprint: fingerprint);

    [Fact]
    public async Task Lease_ModelAndFingerprint_OnlyMatchingDevicesGetCases()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        var plan = TinyPlans.Flash([64, 96]) with { DeviceModel = "Placement Test GPU *", Fingerprint = "abc1" };
        var sweep = cluster.Sweep("placed");
        await sweep.StartAsync(plan);

        Assert.Null(await sweep.LeaseAsync(Fake("cpu:7", "Other Model", "abc1ff")));
        Assert.Null(await sweep.LeaseAsync(Fake("cpu:7", "placement test gpu X", "abd1ff")));
        Assert.Null(await sweep.LeaseAsync(Fake("cpu:7", "placement test gpu X", null)));
        var lease = await sweep.LeaseAsync(Fake("cpu:7", "placement test gpu X", "ABC1ff"));

        Assert.NotNull(lease);
        var status = await sweep.GetStatusAsync();
        // The cluster's own cpu worker (another model) took nothing: one case leased (ours), one pending.
        Assert.Equal((1, 1, 0), (status.Leased, status.Pending, status.Done));
        await sweep.CancelAsync();
    }

    [Fact]
    public async Task Sweep_ForThePresentModel_RunsAndForAnAbsentOne_LeasesNothing()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        var device = Assert.Single(await cluster.Grains.GetGrain<IDeviceRegistryGrain>(0).ListAsync());
        Assert.NotNull(device.Fingerprint);

        await cluster.Sweep("absent").StartAsync(TinyPlans.Flash([64]) with { DeviceModel = "No Such Model" });
        await cluster.Sweep("present").StartAsync(TinyPlans.Flash([64, 96]) with
        {
            DeviceModel = device.ModelName[..Math.Min(6, device.ModelName.Length)] + "*",
            Fingerprint = device.Fingerprint![..8],
        });
        var present = await cluster.WaitFinishedAsync("present", Timeout, Ct);
        // The worker asked the absent-model sweep on every idle poll while it ran the other one: still nothing leased.
        var absent = await cluster.Sweep("absent").GetStatusAsync();

        Assert.Equal((SweepStatus.Completed, 2), (present.Status, present.Done));
        Assert.Equal((SweepStatus.Running, 1, 0, 0), (absent.Status, absent.Pending, absent.Leased, absent.Done));
        Assert.Empty(await store.GetResultsAsync("absent", Ct));
        await cluster.Sweep("absent").CancelAsync();
    }

    [Fact]
    public async Task Gang_LeasesOnlyWhenEnoughDevicesAsk_ThenOneShardEach()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        var plan = TinyPlans.Flash([64]) with { DeviceModel = "Gang Test", Shards = 2, Gang = 2 };
        var sweep = cluster.Sweep("gang");
        await sweep.StartAsync(plan);
        var a = Fake("cpu:0", "Gang Test");
        var b = Fake("cpu:1", "Gang Test");

        var first = await sweep.LeaseAsync(a);
        var again = await sweep.LeaseAsync(a);
        var afterFirst = await sweep.GetStatusAsync();
        var second = await sweep.LeaseAsync(b);
        var afterSecond = await sweep.GetStatusAsync();
        var reserved = await sweep.LeaseAsync(a);

        Assert.Null(first);
        Assert.Null(again);
        Assert.Equal(0, afterFirst.Leased);
        Assert.NotNull(second);
        // Both shards leased in b's call: a's was reserved and is handed over at its next ask.
        Assert.Equal((2, 0), (afterSecond.Leased, afterSecond.Pending));
        Assert.NotNull(reserved);
        Assert.NotEqual(second!.Case.Id, reserved!.Case.Id);
        Assert.Equal(plan.ExpandCases().Select(c => c.Id).Order(), new[] { second.Case.Id, reserved.Case.Id }.Order());
        await sweep.CancelAsync();
    }

    [Fact]
    public async Task Gang_ReservedShardNeverCollected_GoesBackToPendingUnstarted_AndTheNextAskerGetsIt()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1,
            configureSilo: silo => silo.AddHyperBenchGrains(o => o.GangReservationTimeout = TimeSpan.FromSeconds(1)), cancellationToken: Ct);
        // A lease term far beyond the test: only the reservation timeout can bring the shard back.
        var plan = TinyPlans.Flash([64], leaseSeconds: 300) with { DeviceModel = "Gang Test", Shards = 2, Gang = 2 };
        var sweep = cluster.Sweep("gang-lost");
        await sweep.StartAsync(plan);
        var a = Fake("cpu:0", "Gang Test");
        var b = Fake("cpu:1", "Gang Test");
        Assert.Null(await sweep.LeaseAsync(a));
        var running = await sweep.LeaseAsync(b);
        Assert.NotNull(running);

        // a never comes back for the shard reserved for it.
        var status = await cluster.WaitUntilAsync("gang-lost", s => s.Pending == 1, TimeSpan.FromSeconds(30), Ct);

        Assert.Equal((1, 1), (status.Leased, status.Pending));
        var returned = (await store.GetCasesAsync("gang-lost", Ct)).Single(r => r.CaseId != running.Case.Id);
        Assert.Equal((CaseStatus.Pending, 0, (string?)null), (returned.Status, returned.Attempts, returned.LeaseId));
        Assert.True(await sweep.RenewAsync(running.LeaseId));
        // The next device that asks gets it (the sweep's last shard: a gang of one), at its first attempt.
        var late = await sweep.LeaseAsync(Fake("cpu:2", "Gang Test"));
        Assert.NotNull(late);
        Assert.Equal((returned.CaseId, 1), (late.Case.Id, late.Attempt));
        await sweep.CancelAsync();
    }

    [Fact]
    public async Task Gang_OnTwoSilos_BothShardsLeasedBeforeEitherEnds_OnDifferentDevices()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        var leases = new ConcurrentQueue<CaseLease>();
        await using var cluster = await SweepCluster.StartAsync(store, silos: 2,
            configureSilo: silo => silo.Services.AddSingleton<IDeviceWorkerFaults>(new RecordLeases(leases)), cancellationToken: Ct);
        var plan = TinyPlans.Flash([128]) with { Shards = 2, Gang = 2 };

        await cluster.Sweep("gang2").StartAsync(plan);
        var status = await cluster.WaitFinishedAsync("gang2", Timeout, Ct);
        var results = await store.GetResultsAsync("gang2", Ct);

        Assert.Equal((SweepStatus.Completed, 2), (status.Status, status.Done));
        Assert.Equal(2, results.Count);
        Assert.Equal(2, results.Select(r => r.DeviceKey).Distinct().Count());
        var granted = leases.Where(l => l.SweepId == "gang2")
            // to whole milliseconds, as the stored end times are
            .Select(l => l.ExpiresUtc.AddSeconds(-l.LeaseSeconds)).Select(t => new DateTime(t.Ticks - t.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc)).ToList();
        Assert.Equal(2, granted.Count);
        // The gang is leased in one grain turn, before either worker has its lease: no shard can end before both were leased.
        var firstEnd = results.Min(r => r.EndedUtc!.Value);
        Assert.All(granted, g => Assert.True(g <= firstEnd, $"lease granted at {g:O}, after a shard ended at {firstEnd:O}"));
    }

    /// <summary>Records every lease a worker takes (and never kills it).</summary>
    private sealed class RecordLeases(ConcurrentQueue<CaseLease> leases) : IDeviceWorkerFaults
    {
        public bool DiesHolding(CaseLease lease)
        {
            leases.Enqueue(lease);
            return false;
        }
    }
}
