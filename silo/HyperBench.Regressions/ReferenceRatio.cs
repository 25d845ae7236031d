using System.Globalization;
using HyperBench.Storage;
using MathNet.Numerics.Statistics;

namespace HyperBench.Regressions;

/// <summary>
/// Judging a case against the reference timed with it (docs/regressions.md, "Reference ratio"). The machine's speed moves from one
/// process to the next, and a frozen reference workload timed right after each sample moves with it, so the ratio of the case's
/// time to the reference's median cancels that shared part. Every sample is divided by its run's reference median (one constant
/// per run): the Mann-Whitney test, the change of the median and each run's history entry are then all on that ratio.
/// </summary>
public static class ReferenceRatio
{
    /// <summary>The samples divided by the run's reference median.</summary>
    public static double[] Of(IReadOnlyList<double> samples, double referenceMedianSeconds)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (!(referenceMedianSeconds > 0) || double.IsInfinity(referenceMedianSeconds))
            throw new ArgumentOutOfRangeException(nameof(referenceMedianSeconds), referenceMedianSeconds, "a reference median must be a positive time.");
        var ratios = new double[samples.Count];
        for (int i = 0; i < ratios.Length; i++) ratios[i] = samples[i] / referenceMedianSeconds;
        return ratios;
    }

    /// <summary>The median of a run's reference samples; null when it has none.</summary>
    public static double? Median(IReadOnlyList<double>? referenceSamples) =>
        referenceSamples is { Count: > 0 } r && r.ToArray().Median() is var m && m > 0 ? m : null;

    /// <summary>
    /// One case's time verdict: on the ratio to the reference when both sides have one, else on the plain samples, against the
    /// case's history of the same kind (the ratios of the earlier runs that have a reference, or every earlier run's plain median).
    /// </summary>
    /// <param name="history">The case's earlier runs, oldest first, never the baseline's or the candidate's own.</param>
    public static SampleComparison Compare(StoredCaseSamples baseline, StoredCaseSamples candidate, CompareThresholds thresholds,
        IReadOnlyList<CaseMedian>? history)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        history ??= [];
        if (baseline.ReferenceMedianSeconds is not (> 0 and var rb) || candidate.ReferenceMedianSeconds is not (> 0 and var rc))
            return SampleComparer.Compare(baseline.Samples, candidate.Samples, thresholds, [.. history.Select(h => h.MedianSeconds)]);
        double[] ratios = [.. history.Where(h => h.ReferenceMedianSeconds is > 0).Select(h => h.MedianSeconds / h.ReferenceMedianSeconds!.Value)];
        var judged = SampleComparer.Compare(Of(baseline.Samples, rb), Of(candidate.Samples, rc), thresholds, ratios);
        double bm = baseline.Samples.Count == 0 ? double.NaN : baseline.Samples.ToArray().Median();
        double cm = candidate.Samples.Count == 0 ? double.NaN : candidate.Samples.ToArray().Median();
        double raw = cm / bm - 1;
        return judged with
        {
            BaselineMedian = bm,
            CandidateMedian = cm,
            RawChange = raw,
            Detail = string.Create(CultureInfo.InvariantCulture, $"ratio to the reference (plain median {raw:+0.0%;-0.0%}): {judged.Detail}"),
        };
    }
}
