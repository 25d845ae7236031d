using System.Globalization;
using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Regressions;
using HyperBench.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HyperBench.Grains;

/// <summary>
/// Runs schedules (docs/schedules.md). A reminder ticks this one grain; each tick, per schedule, takes the latest due time at or before
/// now (only the latest: runs missed while the cluster was down run once) and claims it in schedule_runs (insert if absent): only
/// the claimer starts the sweep, so a due time runs once however many silos or activations tick. Runs started earlier whose sweep
/// (and noise-gate re-measure, when there is one) has finished are compared with the schedule's baseline and their verdicts stored.
/// </summary>
public sealed class SchedulerGrain(ISweepStore store, HyperBenchMetrics metrics, IOptions<SchedulerOptions> options,
    IOptions<Orleans.Configuration.ClusterOptions> cluster, ILogger<SchedulerGrain> logger)
    : Grain, ISchedulerGrain, IRemindable
{
    private const string ReminderName = "schedules";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var period = options.Value.TickPeriod;
        await this.RegisterOrUpdateReminder(ReminderName, period, period, cancellationToken);
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status) => await TickAsync();

    public async Task<IReadOnlyList<string>> TickAsync()
    {
        if (store is not IScheduleStore schedules || store is not IRegressionStore regressions) return [];
        var started = new List<string>();
        var now = options.Value.Clock.GetUtcNow().UtcDateTime;
        // Another service's schedules (a cluster sharing the database) are that service's scheduler's to fire.
        foreach (var schedule in (await schedules.ListSchedulesAsync()).Where(s => s.ServiceId == cluster.Value.ServiceId))
        {
            try
            {
                await FinishRunsAsync(schedules, regressions, schedule);
                var due = ScheduleCron.LatestDue(ScheduleCron.Parse(schedule.Cron), schedule.CreatedUtc, now);
                if (due is null) continue;
                string sweepId = due.Value.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..6];
                if (!await schedules.TryClaimRunAsync(schedule.Name, due.Value, sweepId, now)) continue; // run already (here or elsewhere)
                try
                {
                    var plan = PlanFile.Parse(schedule.PlanJson, $"schedule {schedule.Name}");
                    await GrainFactory.GetGrain<ISweepGrain>(sweepId).StartAsync(plan);
                }
                catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
                {
                    // The claim is kept (this due time is decided); the run says why it did not start.
                    await schedules.FinishRunAsync(schedule.Name, due.Value, ScheduleRunStatus.Failed, null, $"not started: {ex.Message}");
                    metrics.ScheduleRun(ScheduleRunStatus.Failed);
                    throw;
                }
                metrics.ScheduleRun(ScheduleRunStatus.Started);
                started.Add(sweepId);
                logger.LogInformation("schedule {Schedule}: due {Due:O} started as sweep {SweepId}", schedule.Name, due.Value, sweepId);
            }
            catch (Exception ex) when (ex is RegressionInputException or InvalidDataException or ArgumentException)
            {
                logger.LogWarning("schedule {Schedule} cannot run: {Reason}", schedule.Name, ex.Message);
            }
        }
        return started;
    }

    /// <summary>Compares the schedule's started runs whose sweeps (and re-measures) have finished; marks them completed or failed.</summary>
    private async Task FinishRunsAsync(IScheduleStore schedules, IRegressionStore regressions, ScheduleRow schedule)
    {
        foreach (var run in (await schedules.ListScheduleRunsAsync(schedule.Name, 10)).Where(r => r.Status == ScheduleRunStatus.Started).Reverse())
        {
            if (run.SweepId is null) continue;
            var view = await GrainFactory.GetGrain<ISweepGrain>(run.SweepId).GetStatusAsync();
            if (!view.Finished) continue;
            if (view.ChildSweepId is { } child && !(await GrainFactory.GetGrain<ISweepGrain>(child).GetStatusAsync()).Finished) continue;
            var row = await store.GetSweepAsync(run.SweepId);
            if (row is null || row.Status != SweepStatus.Completed)
            {
                metrics.ScheduleRun(ScheduleRunStatus.Failed);
                await schedules.FinishRunAsync(schedule.Name, run.DueUtc, ScheduleRunStatus.Failed, null, $"sweep {run.SweepId} {row?.Status.ToString().ToLowerInvariant() ?? "not stored"}");
                continue;
            }
            var (comparison, detail) = await ScheduledComparison.CompareAndStoreAsync(store, regressions, schedules, schedule, run.DueUtc, run.SweepId, DateTime.UtcNow);
            // Counted before the row says completed: whoever sees the row sees the counts.
            metrics.ScheduleRun(ScheduleRunStatus.Completed);
            foreach (var c in comparison?.Cases.Where(c => c.Regressed) ?? []) metrics.RegressionDetected(c.Case.Kernel, c.Case.Pass);
            await schedules.FinishRunAsync(schedule.Name, run.DueUtc, ScheduleRunStatus.Completed, comparison?.ComparisonId, detail);
            logger.LogInformation("schedule {Schedule}: sweep {SweepId} finished; {Detail}", schedule.Name, run.SweepId, detail);
        }
    }
}
