using System.Diagnostics;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace HyperBench.Grains.Tests;

/// <summary>Two silos, each with a cpu device worker, over one store: the orchestrator's promises, end to end.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SweepGrainTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sweep_TwoSilos_CompletesWithEveryCaseStoredOnce()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, cancellationToken: Ct);
        var plan = TinyPlans.Flash([64, 96, 128, 160, 192, 224, 256], budgetSeconds: 0.05);

        var started = await cluster.Sweep("s1").StartAsync(plan);
        var status = await cluster.WaitFinishedAsync("s1", Timeout, Ct);

        Assert.Equal(7, started.Total);
        Assert.Equal(SweepStatus.Completed, status.Status);
        Assert.Equal(7, status.Done);
        Assert.Equal(0, status.Failed + status.Pending + status.Leased);
        var results = await store.GetResultsAsync("s1", Ct);
        Assert.Equal(plan.Grid.Expand().Select(c => c.Id).Order(), results.Select(r => r.CaseId).Order());
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.All(results, r => Assert.True(r.SampleCount >= 2));
        Assert.Equal(7, store.SaveCalls);
        var sweep = await store.GetSweepAsync("s1", Ct);
        Assert.Equal(SweepStatus.Completed, sweep!.Status);
        Assert.Equal(7, sweep.DoneCount);
        Assert.NotNull(sweep.FinishedUtc);
        var devices = await cluster.Grains.GetGrain<IDeviceRegistryGrain>(0).ListAsync();
        Assert.Equal(2, devices.Length);
    }

    [Fact]
    public async Task Start_SameIdTwice_CreatesOnceAndRefusesAnotherPlan()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        var plan = TinyPlans.Flash([64, 128]);

        await cluster.Sweep("same").StartAsync(plan);
        var again = await cluster.Sweep("same").StartAsync(plan);
        await cluster.WaitFinishedAsync("same", Timeout, Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Sweep("same").StartAsync(plan with { Grid = plan.Grid with { SeqLens = [64, 256] } }));
        Assert.Equal(2, again.Total);
        Assert.Single(await store.ListSweepsAsync(cancellationToken: Ct));
        Assert.Equal(2, (await store.GetResultsAsync("same", Ct)).Count);
    }

    [Fact]
    public async Task Start_InvalidPlan_ThrowsNamingTheValue()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);

        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => cluster.Sweep("bad").StartAsync(WithGrid(TinyPlans.Flash([64]), g => g with { Distributions = ["sideways"] })));

        Assert.Contains("sideways", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListSweepsAsync(cancellationToken: Ct));
    }

    [Fact]
    public async Task Lease_WorkerDiesHoldingIt_ExpiresAndCompletesElsewhere()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        // The first silo's worker dies on its first lease: nothing renews or completes it.
        await using var cluster = await SweepCluster.StartAsync(store, dieAfterLeases: [1, 0], cancellationToken: Ct);
        var plan = TinyPlans.Flash([64, 96, 128, 160], budgetSeconds: 0.3, leaseSeconds: 3);

        await cluster.Sweep("dies").StartAsync(plan);
        var status = await cluster.WaitFinishedAsync("dies", Timeout, Ct);

        Assert.Equal(SweepStatus.Completed, status.Status);
        Assert.Equal(4, status.Done);
        var rows = await store.GetCasesAsync("dies", Ct);
        var retried = Assert.Single(rows, r => r.Attempts > 1);
        Assert.Equal(2, retried.Attempts);
        Assert.All(rows.Where(r => r != retried), r => Assert.Equal(1, r.Attempts));
        var results = await store.GetResultsAsync("dies", Ct);
        Assert.Equal(4, results.Count);
        var reissued = Assert.Single(results, r => r.CaseId == retried.CaseId);
        Assert.Equal(2, reissued.Attempt);
        Assert.Null(reissued.Error);
        Assert.Equal(retried.DeviceKey, reissued.DeviceKey);
        Assert.Equal(4, store.SaveCalls);
    }

    [Fact]
    public async Task Case_TooBigForEveryDevice_SkippedWithReasonAndSweepCompletes()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, cancellationToken: Ct);
        // n = 64k with 8 heads of 64: 4 x 128 MiB of fp32 tensors, more than the 256 MiB each test device advertises; n = 64 is tiny.
        var plan = WithGrid(TinyPlans.Flash([64, 65536]), g => g with { Heads = [8] });

        await cluster.Sweep("big").StartAsync(plan);
        var status = await cluster.WaitFinishedAsync("big", Timeout, Ct);

        Assert.Equal(SweepStatus.Completed, status.Status);
        Assert.Equal(1, status.Done);
        Assert.Equal(0, status.Failed);
        Assert.Equal(1, status.Skipped);
        // Only the measured case has a result: no row for a made-up device stands in for the skipped one.
        var result = Assert.Single(await store.GetResultsAsync("big", Ct));
        Assert.Equal(64, result.N);
        Assert.Equal(ResultStatus.Ok, result.Status);
        Assert.NotEqual("scheduler", result.DeviceKey);
        var rows = await store.GetCasesAsync("big", Ct);
        var skipped = Assert.Single(rows, r => r.Status == CaseStatus.Skipped);
        Assert.Equal(65536, CaseJson.Deserialize(skipped.CaseJson).N);
        Assert.StartsWith("no device can hold it: needs 0.50 GiB, largest has 0.25 GiB (", skipped.SkipReason, StringComparison.Ordinal);
        Assert.Null(skipped.Error);
        Assert.Equal(0, skipped.Attempts);
        Assert.Null(skipped.LeaseId);
        Assert.Single(rows, r => r.Status == CaseStatus.Done);
        var sweep = await store.GetSweepAsync("big", Ct);
        Assert.Equal((SweepStatus.Completed, 1, 0, 1), (sweep!.Status, sweep.DoneCount, sweep.FailedCount, sweep.SkippedCount));
    }

    [Fact]
    public async Task Lease_AbandonedOnLastAttempt_CaseFailedWithReasonAndNoResultRow()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, cancellationToken: Ct);
        // Only CUDA devices may run it, so the cluster's cpu workers never take it: the test's made-up device is the only holder.
        var plan = TinyPlans.Flash([64]) with { MaxAttempts = 1, Devices = ["cuda"] };
        var gpu = TinyPlans.FakeGpu(0);
        var sweep = cluster.Sweep("gives-up");
        await sweep.StartAsync(plan);

        var lease = await sweep.LeaseAsync(gpu);
        Assert.NotNull(lease);
        Assert.True(await sweep.AbandonAsync(lease.LeaseId, "driver reset"));
        var status = await cluster.WaitFinishedAsync("gives-up", Timeout, Ct);

        Assert.Equal((SweepStatus.Completed, 0, 1, 0), (status.Status, status.Done, status.Failed, status.Skipped));
        var row = Assert.Single(await store.GetCasesAsync("gives-up", Ct));
        Assert.Equal(CaseStatus.Failed, row.Status);
        Assert.Equal("lease abandoned by 10.9.9.9:11111/cuda:0: driver reset; gave up after 1 attempt(s)", row.Error);
        Assert.Equal((1, (string?)null, (string?)null), (row.Attempts, row.LeaseId, row.SkipReason));
        // The failure lives with the case: no result row of a made-up "scheduler" device.
        Assert.Empty(await store.GetResultsAsync("gives-up", Ct));
    }

    [Fact]
    public async Task Lease_DeviceOutsidePlanFilter_GetsNothing()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, cancellationToken: Ct);
        var plan = TinyPlans.Flash([64]) with { Devices = ["10.9.9.9:11111/cuda:1"] };
        var sweep = cluster.Sweep("filtered");
        await sweep.StartAsync(plan);

        DeviceView Gpu(string key) => new(key, key[(key.IndexOf('/', StringComparison.Ordinal) + 1)..], "cuda", "test GPU",
            TinyPlans.DeviceMemoryBytes, "", key[..key.IndexOf('/', StringComparison.Ordinal)], DateTime.UtcNow);

        Assert.Null(await sweep.LeaseAsync(Gpu("10.9.9.9:11111/cuda:0")));
        Assert.Null(await sweep.LeaseAsync(Gpu("10.9.9.8:11111/cuda:1")));
        var lease = await sweep.LeaseAsync(Gpu("10.9.9.9:11111/cuda:1"));
        Assert.NotNull(lease);
        Assert.Equal(64, lease.Case.N);
        await sweep.CancelAsync();
    }

    [Fact]
    public async Task Cancel_MidSweep_StopsLeasing()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, cancellationToken: Ct);
        var plan = TinyPlans.Flash(Enumerable.Range(1, 30).Select(i => 32 * i).ToArray(), budgetSeconds: 0.1);

        await cluster.Sweep("cancel").StartAsync(plan);
        await cluster.WaitUntilAsync("cancel", s => s.Done >= 2, Timeout, Ct);
        var cancelled = await cluster.Sweep("cancel").CancelAsync();
        await Task.Delay(1000, Ct);
        int storedSoon = (await store.GetResultsAsync("cancel", Ct)).Count;
        await Task.Delay(1000, Ct);

        Assert.Equal(SweepStatus.Cancelled, cancelled.Status);
        Assert.True(cancelled.Finished);
        Assert.Equal(0, cancelled.Pending + cancelled.Leased);
        Assert.True(cancelled.Cancelled >= 20, $"only {cancelled.Cancelled} cancelled");
        Assert.Equal(storedSoon, (await store.GetResultsAsync("cancel", Ct)).Count);
        // Per device (two), at most two results beyond the done count: one stored whose completion had not arrived yet, and the case that
        // was running, its lease confirmed before the cancel (lease-ahead, docs/scheduling.md). A device that went on leasing would
        // store many more.
        Assert.True(storedSoon <= cancelled.Done + 4, $"{storedSoon} stored, {cancelled.Done} done at cancel");
        Assert.DoesNotContain(await store.GetCasesAsync("cancel", Ct), r => r.Status is CaseStatus.Pending or CaseStatus.Leased);
        Assert.Empty(await cluster.Grains.GetGrain<IActiveSweepsGrain>(0).ListAsync());
    }

    [Fact]
    public async Task Resume_NewClusterOnSameStore_FinishesUnfinishedSweep()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        var plan = TinyPlans.Flash(Enumerable.Range(1, 10).Select(i => 32 * i).ToArray(), budgetSeconds: 0.15);
        await using (var first = await SweepCluster.StartAsync(store, cancellationToken: Ct))
        {
            await first.Sweep("resume").StartAsync(plan);
            await first.WaitUntilAsync("resume", s => s.Done >= 2, Timeout, Ct);
        }
        var between = await store.GetSweepAsync("resume", Ct);
        int doneBetween = (await store.GetCasesAsync("resume", Ct)).Count(r => r.Status == CaseStatus.Done);

        await using var reopened = await store.ReopenAsync(Ct);
        await using var second = await SweepCluster.StartAsync(reopened, cancellationToken: Ct);
        // No call names the sweep: the second cluster's workers find it through the active list loaded from the store.
        var status = await second.WaitFinishedAsync("resume", Timeout, Ct);

        Assert.Equal(SweepStatus.Running, between!.Status);
        Assert.InRange(doneBetween, 2, 9);
        Assert.Equal(SweepStatus.Completed, status.Status);
        Assert.Equal(10, status.Done);
        var results = await reopened.GetResultsAsync("resume", Ct);
        Assert.Equal(plan.Grid.Expand().Select(c => c.Id).Order(), results.Select(r => r.CaseId).Order());
    }

    [Fact]
    public async Task Resume_AfterOwnDeviceLeased_HandsBackDeadHoldersLeaseAndCountsNoneStillLeased()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        var plan = TinyPlans.Flash(Enumerable.Range(1, 6).Select(i => 32 * i).ToArray(), budgetSeconds: 0.15, leaseSeconds: 600);
        await using (var first = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct))
        {
            await first.Sweep("orphan").StartAsync(plan);
            await first.WaitUntilAsync("orphan", s => s.Done >= 1, Timeout, Ct);
        }
        // What a killed process leaves: a case leased (for long) by a device whose silo is gone.
        var orphan = (await store.GetCasesAsync("orphan", Ct)).Where(r => r.Status == CaseStatus.Pending).OrderBy(r => r.Ordinal).Last();
        orphan.Status = CaseStatus.Leased;
        orphan.Attempts++;
        orphan.LeaseId = "lease-of-a-dead-process";
        orphan.DeviceKey = "127.0.0.1:1/cpu";
        orphan.LeaseExpiresUtc = DateTime.UtcNow.AddMinutes(10);
        await store.UpdateCaseAsync(orphan, Ct);
        var before = await store.GetCasesAsync("orphan", Ct);

        await using var second = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        // The race the resume must not mistake: this cluster's own device pulls the sweep before the resume call comes.
        await second.WaitUntilAsync("orphan", s => s.Leased >= 2, Timeout, Ct);
        var resumed = await second.Sweep("orphan").ResumeAsync();
        Assert.Equal(0, resumed.StillLeased);
        var status = await second.WaitFinishedAsync("orphan", Timeout, Ct);

        Assert.Equal(SweepStatus.Completed, status.Status);
        Assert.Equal(6, status.Done);
        var after = (await store.GetCasesAsync("orphan", Ct)).ToDictionary(r => r.CaseId);
        // Every unfinished case, the orphan included, was leased exactly once more: a lease taken from the live device shows twice.
        Assert.All(before, b => Assert.Equal(b.Status == CaseStatus.Done ? b.Attempts : b.Attempts + 1, after[b.CaseId].Attempts));
        var results = await store.GetResultsAsync("orphan", Ct);
        Assert.Equal(plan.Grid.Expand().Select(c => c.Id).Order(), results.Select(r => r.CaseId).Order());
    }

    [Fact]
    public async Task Resume_RegistryForgotBusyDevice_KeepsItsLease()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        // One case of seconds, renewed every 0.3 s (the test heartbeat).
        var plan = TinyPlans.Flash([4096], budgetSeconds: 3, leaseSeconds: 600);
        var registry = cluster.Grains.GetGrain<IDeviceRegistryGrain>(0);

        await cluster.Sweep("busy").StartAsync(plan);
        var running = await cluster.WaitUntilAsync("busy", s => s.Leased == 1, Timeout, Ct);
        string device = Assert.Single(running.Devices).DeviceKey;
        // As after the registry grain moved to another silo: its memory is gone while the device is busy.
        await registry.UnregisterAsync(device);
        while (!(await registry.ListAsync()).Any(d => d.DeviceKey == device))
        {
            var now = await cluster.Sweep("busy").GetStatusAsync();
            Assert.True(now.Leased == 1, "the registry still did not know the device when its case ended");
            await Task.Delay(20, Ct);
        }
        var resumed = await cluster.Sweep("busy").ResumeAsync();
        var status = await cluster.WaitFinishedAsync("busy", Timeout, Ct);

        Assert.Equal(1, resumed.Leased);
        Assert.Equal(1, status.Done);
        Assert.Equal(1, Assert.Single(await store.GetCasesAsync("busy", Ct)).Attempts);
    }

    [Fact]
    public async Task Lease_DeviceFilterMatchesNoDevice_LeavesCasesPending()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);

        await cluster.Sweep("cuda-only").StartAsync(TinyPlans.Flash([64, 128]) with { Devices = ["cuda"] });
        await cluster.Sweep("cpu-only").StartAsync(TinyPlans.Flash([64, 128]) with { Devices = ["cpu"] });
        var cpu = await cluster.WaitFinishedAsync("cpu-only", Timeout, Ct);
        await Task.Delay(500, Ct);
        var cuda = await cluster.Sweep("cuda-only").GetStatusAsync();

        Assert.Equal(2, cpu.Done);
        Assert.Equal(SweepStatus.Running, cuda.Status);
        Assert.Equal(2, cuda.Pending);
        Assert.Empty(await store.GetResultsAsync("cuda-only", Ct));
    }

    [Fact]
    public async Task Sweep_SiloKilledMidSweep_FinishesOnTheSurvivor()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, cancellationToken: Ct);
        var plan = TinyPlans.Flash(Enumerable.Range(1, 12).Select(i => 32 * i).ToArray(), budgetSeconds: 0.15, leaseSeconds: 3);

        await cluster.Sweep("killed").StartAsync(plan);
        await cluster.WaitUntilAsync("killed", s => s.Done >= 2, Timeout, Ct);
        // The secondary silo dies without a word: its worker's lease, and any grain it hosted, must be recovered from SQL.
        await cluster.Cluster.KillSiloAsync(cluster.Cluster.Silos[1], Ct);
        var status = await cluster.WaitFinishedAsync("killed", Timeout, Ct);

        Assert.Equal(SweepStatus.Completed, status.Status);
        Assert.Equal(12, status.Done);
        var results = await store.GetResultsAsync("killed", Ct);
        Assert.Equal(plan.Grid.Expand().Select(c => c.Id).Order(), results.Select(r => r.CaseId).Order());
    }

    [Fact]
    public async Task Lease_HolderSiloKilled_HandedBackSoonAfterMembershipDeclaresItDead()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        // The secondary silo's worker freezes on its first lease (the test hook): the lease stays with that silo, whose kill then
        // gives nothing back (a stopping worker would abandon its lease; a crashed process does not).
        await using var cluster = await SweepCluster.StartAsync(store, dieAfterLeases: [0, 1], cancellationToken: Ct);
        // Default lease (60 s).
        var plan = TinyPlans.Flash(Enumerable.Range(1, 8).Select(i => 32 * i).ToArray(), budgetSeconds: 1, leaseSeconds: 60);
        Assert.Equal(60, plan.LeaseSeconds);
        var victim = cluster.Cluster.Silos.Single(h => h.Name == "Silo_1");
        string victimSilo = victim.SiloAddress.Endpoint.ToString();

        await cluster.Sweep("dead-holder").StartAsync(plan);
        var holding = await cluster.WaitUntilAsync("dead-holder",
            s => s.Devices.Any(d => d.DeviceKey.StartsWith(victimSilo + "/", StringComparison.Ordinal) && d.CurrentCase is not null), Timeout, Ct);
        // The victim's worker is frozen on this lease, so it is still the one it holds at the kill. Read before the kill: membership may
        // declare the silo dead, and the sweep hand the lease back, before a read after the kill could see it leased.
        string caseId = holding.Devices.Single(d => d.DeviceKey.StartsWith(victimSilo + "/", StringComparison.Ordinal)).CurrentCaseId!;
        var clock = Stopwatch.StartNew();
        await cluster.Cluster.KillSiloAsync(victim, Ct);

        var membership = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<IClusterMembershipService>();
        while (!membership.CurrentSnapshot.Members.Values.Any(m => m.SiloAddress.Equals(victim.SiloAddress) && m.Status == SiloStatus.Dead))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(50), "membership did not declare the killed silo dead in 50 s");
            await Task.Delay(50, Ct);
        }
        var declaredDead = clock.Elapsed;
        // Handed back: pending again (or already re-leased to the survivor), no longer waiting out the 60 s lease.
        while ((await store.GetCasesAsync("dead-holder", Ct)).Single(r => r.CaseId == caseId) is { Status: CaseStatus.Leased } row && row.Attempts < 2)
        {
            Assert.True(clock.Elapsed < declaredDead + TimeSpan.FromSeconds(5),
                $"the dead silo's lease was not handed back within 5 s of its death declaration ({declaredDead.TotalSeconds:F1} s after the kill)");
            await Task.Delay(50, Ct);
        }
        var handedBack = clock.Elapsed;
        var status = await cluster.WaitFinishedAsync("dead-holder", Timeout, Ct);

        TestContext.Current.SendDiagnosticMessage($"declared dead {declaredDead.TotalSeconds:F1} s, handed back {handedBack.TotalSeconds:F1} s after the kill");
        Assert.True(handedBack < TimeSpan.FromSeconds(40), $"handed back {handedBack.TotalSeconds:F1} s after the kill; the lease is 60 s");
        Assert.Equal(SweepStatus.Completed, status.Status);
        Assert.Equal(8, status.Done);
        var results = await store.GetResultsAsync("dead-holder", Ct);
        Assert.Equal(plan.Grid.Expand().Select(c => c.Id).Order(), results.Select(r => r.CaseId).Order());
        Assert.DoesNotContain(results, r => r.DeviceKey.StartsWith(victimSilo + "/", StringComparison.Ordinal) && r.CaseId == caseId);
    }

    [Fact]
    public async Task Sweep_SiloHostingItsGrainKilled_WatcherAndLiveWorkerFinishEveryCaseOnce()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, cancellationToken: Ct);
        // Default lease (60 s): a completion lost to the dead grain would show as a second attempt after a minute.
        var plan = TinyPlans.Flash(Enumerable.Range(1, 16).Select(i => 32 * i).ToArray(), budgetSeconds: 0.2, leaseSeconds: 60);
        var victim = cluster.Cluster.Silos[1];
        var management = cluster.Grains.GetGrain<IManagementGrain>(0);
        string? id = null;
        for (int i = 0; i < 64 && id is null; i++)
        {
            // Placement is the cluster's choice: activate candidates until one lives on the silo that will die.
            var candidate = cluster.Sweep($"hosted-{i}");
            await candidate.GetStatusAsync();
            if (victim.SiloAddress.Equals(await management.GetActivationAddress(candidate, Ct))) id = $"hosted-{i}";
        }
        Assert.NotNull(id);

        await cluster.Sweep(id).StartAsync(plan);
        await cluster.WaitUntilAsync(id, s => s.Done >= 2, Timeout, Ct);
        await cluster.Cluster.KillSiloAsync(victim, Ct);
        // The watcher polls as the CLI does: rejected or timed-out calls are retried while the grain is re-activated on the survivor.
        int retries = 0;
        SweepStatusView status;
        var clock = Stopwatch.StartNew();
        do
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), "the sweep did not finish in 90 s after its grain's silo died");
            await Task.Delay(100, Ct);
            status = await ClusterRetry.CallAsync(cluster.Sweep(id).GetStatusAsync, (_, _) => retries++, cancellationToken: Ct);
        }
        while (!status.Finished);

        TestContext.Current.SendDiagnosticMessage($"finished {clock.Elapsed.TotalSeconds:F1} s after the kill; {retries} poll(s) retried");
        Assert.Equal(SweepStatus.Completed, status.Status);
        Assert.Equal(16, status.Done);
        // A completion lost to the dead grain would leave its case leased until the 60 s lease ran out, then measure it again.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), $"finished {clock.Elapsed.TotalSeconds:F1} s after the kill: a lease ran out");
        var rows = await store.GetCasesAsync(id, Ct);
        // The dead silo's device held at most three leases (lease-ahead, docs/scheduling.md): the case whose completion was in flight, the
        // running one and the one leased ahead. Only those may have a second attempt.
        Assert.True(rows.Count(r => r.Attempts > 1) <= 3, "only the cases the dead silo's device held may run twice: " +
            string.Join(", ", rows.Where(r => r.Attempts > 1).Select(r => $"{r.CaseId} x{r.Attempts}")));
        var results = await store.GetResultsAsync(id, Ct);
        Assert.Equal(plan.Grid.Expand().Select(c => c.Id).Order(), results.Select(r => r.CaseId).Order());
    }

    [Fact]
    public async Task Complete_RejectedAsByADyingGrainSilo_RetriedSoNoCaseIsMeasuredTwice()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        var rejected = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, rejectFirstCompletion: rejected, cancellationToken: Ct);
        // Default lease (60 s): a completion given up on would leave its case leased for a minute, then measure it again.
        var plan = TinyPlans.Flash([64, 96, 128, 160], budgetSeconds: 0.05, leaseSeconds: 60);

        await cluster.Sweep("rejected").StartAsync(plan);
        var status = await cluster.WaitFinishedAsync("rejected", TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(SweepStatus.Completed, status.Status);
        Assert.Equal(4, status.Done);
        Assert.Equal(4, rejected.Count);
        Assert.All(await store.GetCasesAsync("rejected", Ct), r => Assert.Equal(1, r.Attempts));
        Assert.Equal(4, store.SaveCalls);
    }

    private static SweepPlan WithGrid(SweepPlan plan, Func<BenchmarkGrid, BenchmarkGrid> change) => plan with { Grid = change(plan.Grid) };
}
