using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains.Tests;

/// <summary>
/// A sweep of more cases than <see cref="SweepSchedulingOptions.CasesStoredAtStart"/> stores its first cases with itself, starts, and
/// stores the rest while they run (docs/scheduling.md). These clusters store 3 at start (<see cref="SweepCluster.CasesStoredAtStart"/>).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PartlyStoredSweepTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sweep_LargerThanItsFirstStore_CountsEveryCaseAtOnce_AndCompletesEachCaseOnce()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        int[] seqLens = [64, 80, 96, 112, 128, 144, 160, 176, 192];
        Assert.True(seqLens.Length > SweepCluster.CasesStoredAtStart);

        var started = await cluster.Sweep("larger").StartAsync(TinyPlans.Flash(seqLens));
        Assert.Equal(seqLens.Length, started.Total);
        Assert.Equal(seqLens.Length, started.Pending + started.Leased + started.Done);

        var status = await cluster.WaitFinishedAsync("larger", Bound, Ct);
        Assert.Equal((SweepStatus.Completed, seqLens.Length, 0), (status.Status, status.Done, status.Failed));
        var rows = await store.GetCasesAsync("larger", Ct);
        Assert.Equal(Enumerable.Range(0, seqLens.Length), rows.Select(r => r.Ordinal));
        Assert.All(rows, r => Assert.Equal((CaseStatus.Done, 1), (r.Status, r.Attempts)));
        var results = await store.GetResultsAsync("larger", Ct);
        Assert.Equal(seqLens.Length, results.Count);
        Assert.Equal(seqLens.Length, results.Select(r => r.CaseId).Distinct().Count());
        // The other 6 went in chunks of the start's size, each leasable as soon as it was in.
        Assert.Equal([3, 3], store.CasesAdded);
    }

    [Fact]
    public async Task Lease_WhileTheLastCasesAreBeingStored_OnlyStoredCases_ThenTheRestOnceStored()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        store.HoldAddCases = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Made-up CUDA devices lease by hand; the cluster's own cpu worker stays out of it.
        var sweep = cluster.Sweep("held");
        await sweep.StartAsync(TinyPlans.Flash([64, 80, 96, 112, 128, 144], leaseSeconds: 300) with { Devices = ["cuda"] });

        var first = new List<CaseLease>();
        for (int i = 0; i < SweepCluster.CasesStoredAtStart; i++) first.Add((await sweep.LeaseAsync(TinyPlans.FakeGpu(i), []))!);
        Assert.Equal([0, 1, 2], first.Select(l => l.Ordinal));
        // Cases 3-5 have no row yet: nothing to lease, though they are pending.
        Assert.Null(await sweep.LeaseAsync(TinyPlans.FakeGpu(3), []));
        Assert.Equal((3, 3), ((await sweep.GetStatusAsync()).Pending, (await sweep.GetStatusAsync()).Leased));
        Assert.Equal(3, (await store.GetCasesAsync("held", Ct)).Count);

        store.HoldAddCases.SetResult();
        CaseLease? next = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The sweep lets devices lease them once their rows are in (its own turn, just after the store answers).
        while ((next = await sweep.LeaseAsync(TinyPlans.FakeGpu(3), [])) is null && clock.Elapsed < Bound) await Task.Delay(10, Ct);
        Assert.NotNull(next);
        Assert.Equal(3, next.Ordinal);
        Assert.Equal(6, (await store.GetCasesAsync("held", Ct)).Count);
        await sweep.CancelAsync();
    }

    [Fact]
    public async Task Cancel_WhileTheLastCasesAreBeingStored_WaitsForThem_AndStoresEveryCaseCancelled()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        store.HoldAddCases = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sweep = cluster.Sweep("cancelled-early");
        await sweep.StartAsync(TinyPlans.Flash([64, 80, 96, 112, 128, 144, 160, 176]) with { Devices = ["cuda"] });

        var cancelling = sweep.CancelAsync();
        // Cancelled rows can only be written once they exist: the cancel waits for the store of cases 3-7 (a cancel that did not
        // would write rows that are not there, and fail, within this window).
        await Task.WhenAny(cancelling, Task.Delay(TimeSpan.FromMilliseconds(300), Ct));
        Assert.False(cancelling.IsCompleted);
        store.HoldAddCases.SetResult();
        var status = await cancelling;

        Assert.Equal((SweepStatus.Cancelled, 8), (status.Status, status.Cancelled));
        var rows = await store.GetCasesAsync("cancelled-early", Ct);
        Assert.Equal(8, rows.Count);
        Assert.All(rows, r => Assert.Equal(CaseStatus.Cancelled, r.Status));
    }

    [Fact]
    public async Task Sweep_WhoseSiloStoppedWhileStoringItsCases_GetsTheRestStoredAtActivation_AndCompletes()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await store.MigrateAsync(Ct);
        // As a silo that stopped between a sweep's first store and the rest leaves it: 7 cases in the plan and the row, 2 in SQL (one done).
        var (sweep, rows) = TinyPlans.Rows("half-stored", TinyPlans.Flash([64, 80, 96, 112, 128, 144, 160]));
        await store.CreateSweepAsync(sweep, rows[..2], Ct);
        rows[1].Status = CaseStatus.Cancelled;
        await store.UpdateCasesAsync([rows[1]], Ct);

        // The cluster finds the unfinished sweep at start; its grain stores the 5 missing cases as it activates, and the cluster runs them.
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        var status = await cluster.WaitFinishedAsync("half-stored", Bound, Ct);

        Assert.Equal((SweepStatus.Completed, 6, 0), (status.Status, status.Done, status.Failed));
        var stored = await store.GetCasesAsync("half-stored", Ct);
        Assert.Equal(rows.Select(r => r.CaseId), stored.Select(r => r.CaseId));
        Assert.Equal(CaseStatus.Cancelled, stored[1].Status);
        Assert.All(stored.Where(r => r.Ordinal != 1), r => Assert.Equal((CaseStatus.Done, 1), (r.Status, r.Attempts)));
        var results = await store.GetResultsAsync("half-stored", Ct);
        Assert.Equal(6, results.Select(r => r.CaseId).Distinct().Count());
        Assert.Equal(6, results.Count);
    }
}
