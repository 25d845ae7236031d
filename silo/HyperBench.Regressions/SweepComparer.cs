using System.Globalization;
using HyperBench.Storage;

namespace HyperBench.Regressions;

/// <summary>
/// Compares two sweeps' stored cases (docs/regressions.md): matched by case id, each pair through <see cref="SampleComparer"/>.
/// Pure over its inputs; <see cref="MixedEnvironments"/> says why two sweeps should not be compared (device model, driver, dtype).
/// </summary>
public static class SweepComparer
{
    public static SweepComparison Compare(string baselineSweepId, IReadOnlyList<StoredCaseSamples> baseline, string candidateSweepId,
        IReadOnlyList<StoredCaseSamples> candidate, CompareThresholds thresholds, DateTime decidedUtc, string? comparisonId = null)
    {
        thresholds = thresholds.Validated();
        var byId = baseline.ToDictionary(c => c.CaseId, StringComparer.Ordinal);
        var candidateIds = candidate.Select(c => c.CaseId).ToHashSet(StringComparer.Ordinal);
        var cases = candidate.Where(c => byId.ContainsKey(c.CaseId))
            .Select(c =>
            {
                var b = byId[c.CaseId];
                return new CaseComparison(c, SampleComparer.Compare(b.Samples, c.Samples, thresholds),
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
