using HyperBench.Hosting;
using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains.Tests;

/// <summary>
/// The sweep grain's group commit (docs/scheduling.md): concurrent leases share writes, every answered lease is in SQL, and a failed
/// write is undone in memory together with everything queued after it, so memory and SQL agree.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SweepGroupCommitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DeviceView Gpu(int i) => TinyPlans.FakeGpu(i);

    [Fact]
    public async Task Lease_ManyAtOnce_ShareWritesAndAFailedWriteIsUndoneInMemory()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        // All 60 cases stored with the sweep: this test leases 50 of them the moment it starts (PartlyStoredSweepTests covers the other way).
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1,
            configureSilo: silo => silo.AddHyperBenchGrains(o => o.CasesStoredAtStart = 60), cancellationToken: Ct);
        // Only (made-up) CUDA devices may lease: the cluster's own cpu worker stays out of it.
        var plan = TinyPlans.Flash([.. Enumerable.Range(64, 60)], leaseSeconds: 300) with { Devices = ["cuda"] };
        var sweep = cluster.Sweep("group");
        await sweep.StartAsync(plan);
        int writesBefore = store.CaseWrites;

        // The first write is held until all 30 leases are made in memory (the status counts them at once), so however the calls are
        // spread in time, the ones that arrive while a write is in flight must share the next one: two writes in all.
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.HoldCaseWrites = hold;
        var leasing = Task.WhenAll(Enumerable.Range(0, 30).Select(i => sweep.LeaseAsync(Gpu(i))));
        await cluster.WaitUntilAsync("group", s => s.Leased == 30, Timeout, Ct);
        store.HoldCaseWrites = null;
        hold.SetResult();
        var first = await leasing;

        Assert.All(first, Assert.NotNull);
        Assert.Equal(30, first.Select(l => l!.Case.Id).Distinct().Count());
        Assert.True(store.CaseWrites - writesBefore <= 2, $"30 leases took {store.CaseWrites - writesBefore} writes: the ones queued behind a write were not shared");

        store.FailCaseWrites = 1;
        var second = await Task.WhenAll(Enumerable.Range(30, 20).Select(async i =>
        {
            try
            {
                return await sweep.LeaseAsync(Gpu(i));
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("database is gone", StringComparison.Ordinal))
            {
                return null;
            }
        }));
        int refused = second.Count(l => l is null);
        Assert.InRange(refused, 1, 20);

        // Every lease a caller got is in SQL with its id; the refused ones left no trace in memory or SQL.
        var leases = first.Concat(second).OfType<CaseLease>().ToList();
        var rows = await store.GetCasesAsync("group", Ct);
        var leasedRows = rows.Where(r => r.Status == CaseStatus.Leased).ToList();
        Assert.Equal(leases.Select(l => l.LeaseId).Order(StringComparer.Ordinal), leasedRows.Select(r => r.LeaseId!).Order(StringComparer.Ordinal));
        var status = await sweep.GetStatusAsync();
        Assert.Equal((leasedRows.Count, 60 - leasedRows.Count), (status.Leased, status.Pending));

        // The undone cases are leased again normally, and a refused caller's retry works.
        var again = await sweep.LeaseAsync(Gpu(99));
        Assert.NotNull(again);
        Assert.DoesNotContain(again.Case.Id, leases.Select(l => l.Case.Id));
        Assert.True(await sweep.CompleteAsync(leases[0].LeaseId, new CaseOutcome("test", null)));
        Assert.Equal(CaseStatus.Failed, (await store.GetCasesAsync("group", Ct)).Single(r => r.CaseId == leases[0].Case.Id).Status);
        await sweep.CancelAsync();
        Assert.Equal(SweepStatus.Cancelled, (await sweep.GetStatusAsync()).Status);
    }
}
