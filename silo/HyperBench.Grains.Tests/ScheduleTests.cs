using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace HyperBench.Grains.Tests;

/// <summary>
/// Schedules end to end on two in-process silos with in-memory reminders ticking every second (docs/schedules.md): a due time
/// missed before the cluster started runs once (both silos start, one row in schedule_runs, one sweep), and the next due time
/// runs and is compared with the first, its verdicts stored; a less accurate second run counts in
/// hyperbench_regressions_detected_total. The scheduler's clock is a test clock, so no test waits a minute.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ScheduleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Schedule_TwoSilos_EachDueTimeRunsOnceAndTheSecondIsComparedWithTheFirst()
    {
        string folder = Directory.CreateTempSubdirectory("hyperbench-schedules-").FullName;
        await using var store = SweepStoreFactory.Create(Path.Combine(folder, "hyperbench.db"));
        await store.MigrateAsync(Ct);
        var statuses = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var regressions = new System.Collections.Concurrent.ConcurrentQueue<(string Kernel, string Pass)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HyperBenchMetrics.MeterName && instrument.Name is "hyperbench_schedule_runs" or "hyperbench_regressions_detected")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            var byKey = new Dictionary<string, string>();
            foreach (var tag in tags) byKey[tag.Key] = (string)tag.Value!;
            if (instrument.Name == "hyperbench_schedule_runs") statuses.Enqueue(byKey["status"]);
            else regressions.Enqueue((byKey["kernel"], byKey["pass"]));
        });
        listener.Start();
        var clock = new TestClock(new DateTime(2026, 12, 1, 2, 0, 30, DateTimeKind.Utc));
        // HyperAttention approximating (min_seq_len below n), so each run stores its relative error: the second run is made less
        // accurate than the first below, a regression whatever the timing does (hyperbench_regressions_detected_total).
        var tiny = TinyPlans.Flash([128]);
        var plan = tiny with
        {
            CvLimit = double.PositiveInfinity,
            Grid = tiny.Grid with { Kernels = [Kernels.KernelKind.Hyper], Hyper = Kernels.HyperParameters.Default with { BlockSize = 16, Samples = 16, MinSeqLen = 32 } },
        };
        Assert.True(await store.AddScheduleAsync(new ScheduleRow("minutely", "* * * * *", PlanFile.Serialize(plan), null,
            new DateTime(2026, 12, 1, 1, 50, 0, DateTimeKind.Utc)), Ct));

        await using (var cluster = await SweepCluster.StartAsync(store, silos: 2, cancellationToken: Ct, configureSilo: silo =>
        {
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.AddHyperBenchScheduler(o =>
            {
                o.TickPeriod = TimeSpan.FromSeconds(1);
                o.Clock = clock;
            });
        }))
        {
            // Ten due times were missed (01:51 .. 02:00): only the latest runs.
            var first = await WaitRunAsync(store, new DateTime(2026, 12, 1, 2, 0, 0, DateTimeKind.Utc), needComparison: false);
            Assert.Equal(ScheduleRunStatus.Completed, first.Status);
            Assert.Null(first.ComparisonId);
            await cluster.Grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.Key).TickAsync(); // another tick of the same due time: nothing new
            Assert.Single(await store.ListScheduleRunsAsync("minutely", 100, Ct));

            // The first run's stored error becomes 0 (as an exact build would give): the second run's real error is a rise beyond
            // both thresholds (+10% relative, +0.005 absolute).
            await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(folder, "hyperbench.db")}"))
            {
                await connection.OpenAsync(Ct);
                await using var update = connection.CreateCommand();
                update.CommandText = "UPDATE accuracy SET relative_frobenius = 0 WHERE sweep_id = $sweepId AND tensor = 'o'";
                update.Parameters.AddWithValue("$sweepId", first.SweepId);
                Assert.Equal(1, await update.ExecuteNonQueryAsync(Ct));
            }
            Assert.Empty(regressions);
            clock.Now = new DateTime(2026, 12, 1, 2, 1, 10, DateTimeKind.Utc);
            var second = await WaitRunAsync(store, new DateTime(2026, 12, 1, 2, 1, 0, DateTimeKind.Utc), needComparison: true);
            var runs = await store.ListScheduleRunsAsync("minutely", 100, Ct);
            Assert.Equal(2, runs.Count);
            var verdict = Assert.Single(await store.GetVerdictsAsync(second.ComparisonId!, Ct));
            Assert.Equal((first.SweepId, second.SweepId), (verdict.BaselineSweepId, verdict.CandidateSweepId));
            Assert.True(verdict.ErrorRegressed, $"relative error {verdict.BaselineRelativeError} -> {verdict.CandidateRelativeError}");
            Assert.True(verdict.CandidateRelativeError > 0.005);
            // hyperbench_regressions_detected_total{kernel, pass}: the less accurate case, counted once.
            Assert.Equal([("hyper", "fwd")], regressions);

            // Each run's sweep is stored once: two sweeps, one case each.
            var sweeps = await store.ListSweepsAsync(100, Ct);
            Assert.Equal([first.SweepId, second.SweepId], sweeps.Select(s => s.SweepId).Order(StringComparer.Ordinal));
            Assert.All(sweeps, s => Assert.Equal(1, s.CaseCount));

            // hyperbench_schedule_runs_total{status}: two started, two completed, nothing failed.
            Assert.Equal(["completed", "completed", "started", "started"], statuses.Order(StringComparer.Ordinal));
        }

        async Task<ScheduleRunRow> WaitRunAsync(SqlSweepStore s, DateTime due, bool needComparison)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cts.CancelAfter(Timeout);
            while (true)
            {
                var run = (await s.ListScheduleRunsAsync("minutely", 100, cts.Token)).FirstOrDefault(r => r.DueUtc == due);
                if (run is { Status: not ScheduleRunStatus.Started } && (!needComparison || run.ComparisonId is not null)) return run;
                await Task.Delay(100, cts.Token);
            }
        }
    }

    private sealed class TestClock(DateTime start) : TimeProvider
    {
        private long _ticks = start.Ticks;

        public DateTime Now
        {
            get => new(Interlocked.Read(ref _ticks), DateTimeKind.Utc);
            set => Interlocked.Exchange(ref _ticks, value.Ticks);
        }

        public override DateTimeOffset GetUtcNow() => new(Now);
    }
}
