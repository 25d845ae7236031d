using HyperBench.Storage;

namespace HyperBench.Regressions;

/// <summary>
/// Resolves the BASELINE and CANDIDATE of a comparison (docs/regressions.md): a sweep id; <c>tag:NAME</c>, the newest completed
/// sweep with that tag (for the baseline: the newest created before the candidate, so <c>tag:nightly tag:nightly</c> compares the
/// last two nightly sweeps); <c>schedule:NAME</c>, a schedule's last two runs (baseline the older, candidate the newer).
/// </summary>
public static class SweepReference
{
    public const string TagPrefix = "tag:";
    public const string SchedulePrefix = "schedule:";

    /// <summary>The (baseline, candidate) sweeps; <exception cref="RegressionInputException">a reference that names nothing, naming it.</exception></summary>
    public static async Task<(SweepRow Baseline, SweepRow Candidate)> ResolveAsync(ISweepStore sweeps, IRegressionStore regressions,
        string baseline, string candidate, CancellationToken cancellationToken = default)
    {
        var candidateRow = await ResolveOneAsync(sweeps, regressions, candidate, "CANDIDATE", null, newest: true, cancellationToken);
        var baselineRow = await ResolveOneAsync(sweeps, regressions, baseline, "BASELINE", candidateRow, newest: false, cancellationToken);
        if (baselineRow.SweepId == candidateRow.SweepId && IsTag(baseline) && IsTag(candidate))
            throw new RegressionInputException($"BASELINE '{baseline}': no completed sweep with that tag before the candidate {candidateRow.SweepId}.");
        return (baselineRow, candidateRow);
    }

    private static bool IsTag(string reference) => reference.StartsWith(TagPrefix, StringComparison.Ordinal);

    private static async Task<SweepRow> ResolveOneAsync(ISweepStore sweeps, IRegressionStore regressions, string reference, string role,
        SweepRow? candidate, bool newest, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reference)) throw new RegressionInputException($"{role}: an empty value is not a sweep id, tag:NAME or schedule:NAME.");
        if (reference.StartsWith(TagPrefix, StringComparison.Ordinal))
        {
            string tag = reference[TagPrefix.Length..];
            if (tag.Length == 0) throw new RegressionInputException($"{role} '{reference}': the tag name is empty (tag:NAME).");
            var row = newest || candidate is null
                ? await regressions.FindTaggedSweepAsync(tag, cancellationToken: cancellationToken)
                : await regressions.FindTaggedSweepAsync(tag, candidate.CreatedUtc, candidate.SweepId, cancellationToken);
            return row ?? throw new RegressionInputException(newest || candidate is null
                ? $"{role} '{reference}': no completed sweep has the tag '{tag}' in {sweeps.Description}."
                : $"{role} '{reference}': no completed sweep with the tag '{tag}' was created before the candidate {candidate.SweepId}.");
        }
        if (reference.StartsWith(SchedulePrefix, StringComparison.Ordinal))
        {
            string name = reference[SchedulePrefix.Length..];
            if (name.Length == 0) throw new RegressionInputException($"{role} '{reference}': the schedule name is empty (schedule:NAME).");
            var runs = await regressions.GetScheduleRunsAsync(name, 2, cancellationToken)
                ?? throw new RegressionInputException($"{role} '{reference}': schedules are not set up in {sweeps.Description} (no schedule_runs table).");
            if (runs.Count == 0) throw new RegressionInputException($"{role} '{reference}': no schedule named '{name}' has runs in {sweeps.Description}.");
            if (runs.Count < 2 && !newest) throw new RegressionInputException($"{role} '{reference}': schedule '{name}' has only one run; a comparison needs two.");
            string id = newest ? runs[0] : runs[Math.Min(1, runs.Count - 1)];
            return await sweeps.GetSweepAsync(id, cancellationToken)
                ?? throw new RegressionInputException($"{role} '{reference}': schedule '{name}' names sweep '{id}', which is not stored.");
        }
        return await sweeps.GetSweepAsync(reference, cancellationToken)
            ?? throw new RegressionInputException($"{role}: sweep '{reference}' is not in {sweeps.Description} (`hyperbench results` lists the stored sweeps).");
    }
}
