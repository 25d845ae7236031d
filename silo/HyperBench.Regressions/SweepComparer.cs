using System.Globalization;
using HyperBench.Storage;

namespace HyperBench.Regressions;

/// <summary>
/// Compares two sweeps' stored cases (docs/regressions.md): matched by case id, each pair through <see cref="SampleComparer"/>.
/// Pure over its inputs; <see cref="MixedEnvironments"/> says why two sweeps should not be compared (device model, driver, dtype).
/// </summary>
public static class SweepComparer
{
    /// <param name="history">Each case's medians in earlier runs on the candidate's device, oldest first, never the baseline's or the
    /// candidate's own (<see cref="LoadHistoryAsync"/>); a case without any is judged with the plain effect threshold.</param>
    public static SweepComparison Compare(string baselineSweepId, IReadOnlyList<StoredCaseSamples> baseline, string candidateSweepId,
        IReadOnlyList<StoredCaseSamples> candidate, CompareThresholds thresholds, DateTime decidedUtc, string? comparisonId = null,
        IReadOnlyDictionary<string, IReadOnlyList<double>>? history = null)
    {
        thresholds = thresholds.Validated();
        var byId = baseline.ToDictionary(c => c.CaseId, StringComparer.Ordinal);
        var candidateIds = candidate.Select(c => c.CaseId).ToHashSet(StringComparer.Ordinal);
        var cases = candidate.Where(c => byId.ContainsKey(c.CaseId))
            .Select(c =>
            {
                var b = byId[c.CaseId];
                return new CaseComparison(c, SampleComparer.Compare(b.Samples, c.Samples, thresholds,
                    history is not null && history.TryGetValue(c.CaseId, out var h) ? h : null),
                    SampleComparer.CompareError(b.RelativeError, c.RelativeError, thresholds));
            })
            .OrderBy(c => c.Case.Kernel, StringComparer.Ordinal).ThenBy(c => c.Case.Pass, StringComparer.Ordinal).ThenBy(c => c.Case.Causal)
            .ThenBy(c => c.Case.Dtype, StringComparer.Ordinal).ThenBy(c => c.Case.N).ThenBy(c => c.Case.CaseId, StringComparer.Ordinal)
            .ToList();
        return new SweepComparison(comparisonId ?? NewComparisonId(decidedUtc), baselineSweepId, candidateSweepId, thresholds, decidedUtc, cases,
            [.. baseline.Select(c => c.CaseId).Where(id => !candidateIds.Contains(id)).Order(StringComparer.Ordinal)],
            [.. candidate.Select(c => c.CaseId).Where(id => !byId.ContainsKey(id)).Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Loads both sweeps' cases and each case's history, then compares them: the one path of `hyperbench compare` and of the
    /// scheduler's automatic comparison, so both judge with the same detector. Does not store anything.
    /// </summary>
    public static async Task<(SweepComparison Comparison, IReadOnlyList<string> Mixed)> CompareStoredAsync(IRegressionStore regressions,
        SweepRow baseline, SweepRow candidate, CompareThresholds thresholds, DateTime decidedUtc, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(regressions);
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        thresholds = thresholds.Validated();
        var baseCases = await regressions.GetCaseSamplesAsync(baseline.SweepId, cancellationToken);
        var candCases = await regressions.GetCaseSamplesAsync(candidate.SweepId, cancellationToken);
        var history = await LoadHistoryAsync(regressions, baseline, candidate, candCases, thresholds, cancellationToken);
        return (Compare(baseline.SweepId, baseCases, candidate.SweepId, candCases, thresholds, decidedUtc, history: history),
            MixedEnvironments(baseCases, candCases));
    }

    /// <summary>
    /// Each candidate case's medians in earlier runs (docs/regressions.md, "Verdict rules"): sweeps created before the candidate,
    /// with the candidate's tag when it has one, never the baseline or the candidate themselves nor a re-measure, on the same
    /// device model and detail as the candidate's case; the newest <see cref="CompareThresholds.HistoryLimit"/>, oldest first.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<double>>> LoadHistoryAsync(IRegressionStore regressions,
        SweepRow baseline, SweepRow candidate, IReadOnlyList<StoredCaseSamples> candidateCases, CompareThresholds thresholds,
        CancellationToken cancellationToken = default)
    {
        var devices = candidateCases.ToDictionary(c => c.CaseId, c => (c.DeviceName, c.DeviceDetail), StringComparer.Ordinal);
        var rows = await regressions.GetCaseMediansAsync([.. devices.Keys], candidate.CreatedUtc, [baseline.SweepId, candidate.SweepId],
            candidate.Tag, cancellationToken);
        return rows.Where(r => devices.TryGetValue(r.CaseId, out var d) && d.DeviceName == r.DeviceName && d.DeviceDetail == r.DeviceDetail)
            .GroupBy(r => r.CaseId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<double>)[.. g.Select(r => r.MedianSeconds).TakeLast(thresholds.HistoryLimit)],
                StringComparer.Ordinal);
    }

    /// <summary>
    /// Why these sweeps' results are not comparable, one line per difference (empty when they are): the device models (name),
    /// the device details (driver and compute capability, or cores and ISA) and the dtypes each side measured must be the same sets.
    /// </summary>
    public static IReadOnlyList<string> MixedEnvironments(IReadOnlyList<StoredCaseSamples> baseline, IReadOnlyList<StoredCaseSamples> candidate)
    {
        var reasons = new List<string>();
        Differ("device model", c => c.DeviceName);
        Differ("device detail (driver, cores)", c => c.DeviceDetail);
        Differ("dtype", c => c.Dtype);
        return reasons;

        void Differ(string what, Func<StoredCaseSamples, string> field)
        {
            var b = baseline.Select(field).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var c = candidate.Select(field).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (!b.SequenceEqual(c, StringComparer.Ordinal))
                reasons.Add($"{what}: baseline '{string.Join("', '", b)}' vs candidate '{string.Join("', '", c)}'");
        }
    }

    /// <summary>A sortable, unique id: decision time (UTC) and a random suffix, like sweep ids.</summary>
    public static string NewComparisonId(DateTime decidedUtc) =>
        "cmp-" + decidedUtc.ToUniversalTime().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..6];
}
