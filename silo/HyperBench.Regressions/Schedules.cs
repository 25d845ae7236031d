using Cronos;
using HyperBench.Storage;

namespace HyperBench.Regressions;

/// <summary>Cron expressions of schedules (docs/schedules.md): five fields (minute hour day month weekday), evaluated in UTC, parsed by Cronos.</summary>
public static class ScheduleCron
{
    /// <summary>The parsed expression; <exception cref="RegressionInputException">not a five-field cron expression, naming it.</exception></summary>
    public static CronExpression Parse(string cron)
    {
        try
        {
            return CronExpression.Parse((cron ?? "").Trim(), CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            throw new RegressionInputException($"--cron: '{cron}' is not a cron expression of five fields (minute hour day month weekday, UTC): {ex.Message}");
        }
    }

    /// <summary>
    /// The latest due time at or before <paramref name="nowUtc"/> and after <paramref name="sinceUtc"/>, or null: only the latest,
    /// so due times missed while every silo was down run once, not once each.
    /// </summary>
    public static DateTime? LatestDue(CronExpression cron, DateTime sinceUtc, DateTime nowUtc)
    {
        DateTime? latest = null;
        // Step from a window start near now: a minutely schedule over a year of downtime is not walked minute by minute.
        var from = sinceUtc > nowUtc.AddDays(-1) ? sinceUtc : nowUtc.AddDays(-1);
        foreach (var due in cron.GetOccurrences(from, nowUtc, fromInclusive: false, toInclusive: true)) latest = due;
        if (latest is null && from > sinceUtc)
            foreach (var due in cron.GetOccurrences(sinceUtc, from, fromInclusive: false, toInclusive: true)) latest = due;
        return latest;
    }
}

/// <summary>
/// The automatic comparison of a finished scheduled run (docs/schedules.md): against the schedule's --baseline when it has one,
/// otherwise its previous completed run; verdicts stored under a new comparison id with the default thresholds.
/// </summary>
public static class ScheduledComparison
{
    /// <summary>The comparison, or null with the reason when there is nothing to compare with (the first run, no common case).</summary>
    public static async Task<(SweepComparison? Comparison, string Detail)> CompareAndStoreAsync(ISweepStore sweeps, IRegressionStore regressions,
        IScheduleStore schedules, ScheduleRow schedule, DateTime dueUtc, string sweepId, DateTime decidedUtc, CancellationToken cancellationToken = default)
    {
        string baselineId;
        var candidate = await sweeps.GetSweepAsync(sweepId, cancellationToken);
        if (candidate is null) return (null, $"sweep {sweepId} is not stored");
        if (schedule.Baseline is { } spec)
        {
            try
            {
                baselineId = (await SweepReference.ResolveAsync(sweeps, regressions, spec, sweepId, cancellationToken)).Baseline.SweepId;
            }
            catch (RegressionInputException ex)
            {
                return (null, $"baseline {spec}: {ex.Message}");
            }
        }
        else
        {
            var previous = await schedules.FindPreviousCompletedRunAsync(schedule.Name, dueUtc, cancellationToken);
            if (previous?.SweepId is null) return (null, "first run: nothing to compare with");
            baselineId = previous.SweepId;
        }
        var baseline = await sweeps.GetSweepAsync(baselineId, cancellationToken);
        if (baseline is null) return (null, $"baseline sweep {baselineId} is not stored");
        // The same detector as `hyperbench compare` (one code path): each case judged against its noise floor from earlier runs.
        var (comparison, _) = await SweepComparer.CompareStoredAsync(regressions, baseline, candidate, CompareThresholds.Default, decidedUtc, cancellationToken);
        if (comparison.Cases.Count == 0) return (null, $"no measured case in common with {baselineId}");
        await regressions.SaveVerdictsAsync(comparison.ToRows(), cancellationToken);
        var counts = comparison.Cases.GroupBy(c => c.Time.Verdict).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.Name()}");
        return (comparison, $"against {baselineId}: {string.Join(", ", counts)}");
    }
}
