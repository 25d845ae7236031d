using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace HyperBench.Grains.Tests;

/// <summary>
/// Schedules end to end on two in-process silos with in-memory reminders ticking every second (docs/schedules.md): a due time
/// missed before the cluster started runs once (both silos start, one row in schedule_runs, one sweep), and the next due time
/// runs and is compared with the first, its verdicts stored. The scheduler's clock is a test clock, so no test waits a minute.
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
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HyperBenchMetrics.MeterName && instrument.Name == "hyperbench_schedule_runs") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags) if (tag.Key == "status") statuses.Enqueue((string)tag.Value!);
        });
        listener.Start();
        var clock = new TestClock(new DateTime(2026, 12, 1, 2, 0, 30, DateTimeKind.Utc));
        var plan = TinyPlans.Flash([64]) with { CvLimit = double.PositiveInfinity };
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

            clock.Now = new DateTime(2026, 12, 1, 2, 1, 10, DateTimeKind.Utc);
            var second = await WaitRunAsync(store, new DateTime(2026, 12, 1, 2, 1, 0, DateTimeKind.Utc), needComparison: true);
            var runs = await store.ListScheduleRunsAsync("minutely", 100, Ct);
            Assert.Equal(2, runs.Count);
            var verdict = Assert.Single(await store.GetVerdictsAsync(second.ComparisonId!, Ct));
            Assert.Equal((first.SweepId, second.SweepId), (verdict.BaselineSweepId, verdict.CandidateSweepId));

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
