using System.Diagnostics;
using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains.Tests;

/// <summary>
/// A lease granted and stored whose answer never reaches its device (the silo hosting the sweep grain dies in between, or the call
/// times out): the device lists the leases it holds with its next lease call, and the sweep hands back the one it does not list at
/// once, without costing an attempt, instead of after the lease's term.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class UndeliveredLeaseTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DeviceView Gpu(int i) => TinyPlans.FakeGpu(i);

    [Fact]
    public async Task Lease_NotListedByItsDevice_GoesBackAtItsNextCall_AsNoAttempt_AndOtherDevicesLeasesStay()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        // Only (made-up) CUDA devices may lease: the cluster's own cpu worker stays out of it.
        var plan = TinyPlans.Flash([64, 96, 128, 160, 192, 224], leaseSeconds: 300) with { Devices = ["cuda"] };
        var sweep = cluster.Sweep("undelivered");
        await sweep.StartAsync(plan);

        // Granted to cuda:0, whose answer is lost: the device never learns this lease id.
        var lost = await sweep.LeaseAsync(Gpu(0), []);
        var others = await sweep.LeaseAsync(Gpu(1), []);
        Assert.NotNull(lost);
        Assert.NotNull(others);

        // cuda:0 asks again, holding nothing: its lost lease is handed back and, being the first pending case, leased to it anew.
        var first = await sweep.LeaseAsync(Gpu(0), []);
        Assert.NotNull(first);
        Assert.Equal(lost.Case.Id, first.Case.Id);
        Assert.NotEqual(lost.LeaseId, first.LeaseId);
        Assert.Equal(1, first.Attempt);
        Assert.False(await sweep.RenewAsync(lost.LeaseId));
        Assert.True(await sweep.RenewAsync(others.LeaseId));

        // Lease-ahead: as its case starts, cuda:0 is granted the next case, and that answer is lost too.
        var ahead = await sweep.ContinueAsync(Gpu(0), null, leaseAhead: true, holding: [first.LeaseId]);
        Assert.NotNull(ahead.Next);
        var status = await sweep.GetStatusAsync();
        Assert.Equal((3, 3), (status.Leased, status.Pending));

        // Its next call lists only the running case: the grant it never received goes back, the running one stays.
        var again = await sweep.ContinueAsync(Gpu(0), first.LeaseId, leaseAhead: false, holding: [first.LeaseId]);
        Assert.True(again.StillLeased);
        Assert.Null(again.Next);
        Assert.False(await sweep.RenewAsync(ahead.Next.LeaseId));
        status = await sweep.GetStatusAsync();
        Assert.Equal((2, 4), (status.Leased, status.Pending));

        var rows = (await store.GetCasesAsync("undelivered", Ct)).ToDictionary(r => r.CaseId);
        Assert.Equal((CaseStatus.Pending, 0, null), (rows[ahead.Next.Case.Id].Status, rows[ahead.Next.Case.Id].Attempts, rows[ahead.Next.Case.Id].LeaseId));
        Assert.Equal((CaseStatus.Leased, 1, first.LeaseId), (rows[first.Case.Id].Status, rows[first.Case.Id].Attempts, rows[first.Case.Id].LeaseId));
        Assert.Equal((CaseStatus.Leased, others.LeaseId), (rows[others.Case.Id].Status, rows[others.Case.Id].LeaseId));

        // A call without the list (a tool's) checks nothing: cuda:0's two leases stand.
        Assert.NotNull(await sweep.LeaseAsync(Gpu(0)));
        Assert.Equal(3, (await sweep.GetStatusAsync()).Leased);
        Assert.True(await sweep.RenewAsync(first.LeaseId));
        await sweep.CancelAsync();
    }

    [Fact]
    public async Task Sweep_WhoseLeaseAheadAnswersAreLost_FinishesLongBeforeALeaseTerm_EveryCaseOnceAndOneAttemptEach()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        int answers = 0;
        var lost = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Every third lease granted ahead is stored by the sweep grain, and then its answer fails, as when the grain's silo dies
        // between the two.
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, configureSilo: silo => silo.AddIncomingGrainCallFilter(async context =>
        {
            await context.Invoke();
            if (context.MethodName == nameof(ISweepGrain.ContinueAsync) && context.Result is ContinueAnswer { Next: { } next }
                && Interlocked.Increment(ref answers) % 3 == 1)
            {
                lost.Enqueue(next.LeaseId);
                throw new SiloUnavailableException($"test: the answer granting lease {next.LeaseId} is lost");
            }
        }), cancellationToken: Ct);
        // A 60 s lease: one lost grant left to expire would hold the sweep back a minute.
        var plan = TinyPlans.Flash([.. Enumerable.Range(1, 12).Select(i => 32 * i)], budgetSeconds: 0.05, leaseSeconds: 60);

        var clock = Stopwatch.StartNew();
        await cluster.Sweep("lost-answers").StartAsync(plan);
        var status = await cluster.WaitFinishedAsync("lost-answers", Timeout, Ct);
        clock.Stop();

        Assert.Equal((SweepStatus.Completed, 12), (status.Status, status.Done));
        Assert.NotEmpty(lost);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"{lost.Count} grant(s) lost; finished in {clock.Elapsed.TotalSeconds:F1} s: a lost grant waited out its term");
        var rows = await store.GetCasesAsync("lost-answers", Ct);
        // A grant that never reached its device never started: handed back, it did not cost an attempt.
        Assert.All(rows, r => Assert.Equal(1, r.Attempts));
        var results = await store.GetResultsAsync("lost-answers", Ct);
        Assert.Equal(plan.Grid.Expand().Select(c => c.Id).Order(), results.Select(r => r.CaseId).Order());
        TestContext.Current.SendDiagnosticMessage($"{lost.Count} grant(s) lost; finished in {clock.Elapsed.TotalSeconds:F1} s");
    }
}
