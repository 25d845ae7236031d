using System.Collections.Concurrent;
using System.Globalization;
using MathNet.Numerics.Statistics;
using Perfolizer.Mathematics.SignificanceTesting.Base;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;

namespace HyperBench.Regressions;

/// <summary>
/// The statistics of a comparison, pure functions over sample arrays (docs/regressions.md): nothing here reads SQL or prints.
/// Time: Perfolizer's two-sided Mann-Whitney U test on the raw samples plus an effect-size threshold on the median, both
/// required. Accuracy: the relative error's rise against a relative and an absolute threshold.
/// </summary>
public static class SampleComparer
{
    private static readonly ConcurrentDictionary<(int, int), double> SmallestPValues = new();

    /// <summary>
    /// Compares one case's baseline and candidate samples (seconds, any order) against the case's between-run noise learned from
    /// <paramref name="historyMedians"/>: its medians in earlier runs, oldest first, never the baseline's or the candidate's own
    /// (<see cref="NoiseFloor"/>; null or too short: the plain effect threshold, and the detail says so). This is the one detector:
    /// `compare`, the scheduler's automatic comparison and `detector evaluate` all call it.
    /// </summary>
    public static SampleComparison Compare(IReadOnlyList<double> baseline, IReadOnlyList<double> candidate, CompareThresholds thresholds,
        IReadOnlyList<double>? historyMedians = null)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        thresholds = thresholds.Validated();
        var noise = NoiseFloor.From(historyMedians, thresholds);
        double[] x = [.. baseline];
        double[] y = [.. candidate];
        double baseMedian = x.Length == 0 ? double.NaN : x.Median();
        double candMedian = y.Length == 0 ? double.NaN : y.Median();
        double change = candMedian / baseMedian - 1;
        double baseCv = Cv(x), candCv = Cv(y);
        double baseRcv = NoiseFloor.RobustCv(x), candRcv = NoiseFloor.RobustCv(y);

        SampleComparison Result(double? p, Verdict verdict, string detail) =>
            new(x.Length, y.Length, baseMedian, candMedian, change, p, baseCv, candCv, verdict, detail)
            {
                BaselineRobustCv = baseRcv,
                CandidateRobustCv = candRcv,
                Noise = noise,
            };

        if (x.Length == 0 || y.Length == 0 || SmallestPValue(x.Length, y.Length) >= thresholds.Alpha)
        {
            return Result(null, Verdict.Insufficient,
                Invariant($"{x.Length} vs {y.Length} samples: the test cannot reach p < {thresholds.Alpha:G3} (at least {MinimumSamples(thresholds.Alpha)} per side)"));
        }

        double p = PValue(x, y);
        // NaN (a median of 0) is noisy too: no spread relative to nothing can be trusted.
        if (!(baseRcv <= thresholds.CvLimit) || !(candRcv <= thresholds.CvLimit))
        {
            string side = !(baseRcv <= thresholds.CvLimit) ? Invariant($"baseline robust CV {baseRcv:0.000}") : Invariant($"candidate robust CV {candRcv:0.000}");
            return Result(p, Verdict.Noisy, Invariant($"{side} > limit {thresholds.CvLimit:0.###}"));
        }

        double effect = noise.AppliedEffect;
        bool significant = p < thresholds.Alpha;
        var verdict = !significant ? Verdict.Same : change > effect ? Verdict.Slower : change < -effect ? Verdict.Faster : Verdict.Same;
        string detail = verdict switch
        {
            Verdict.Slower or Verdict.Faster => Invariant($"median {change:+0.0%;-0.0%} beyond {effect:0.#%}, p = {p:G3} < {thresholds.Alpha:G3}"),
            _ when !significant => Invariant($"median {change:+0.0%;-0.0%}, p = {p:G3} not below {thresholds.Alpha:G3}"),
            _ => Invariant($"median {change:+0.0%;-0.0%} within {effect:0.#%} (p = {p:G3})"),
        };
        return Result(p, verdict, $"{detail}; {noise.Note}");
    }

    /// <summary>Compares HyperAttention's relative error; no error on either side (an exact kernel) is no regression.</summary>
    public static ErrorComparison CompareError(double? baseline, double? candidate, CompareThresholds thresholds)
    {
        thresholds = thresholds.Validated();
        if (baseline is not { } b || candidate is not { } c || !double.IsFinite(b) || !double.IsFinite(c))
            return new ErrorComparison(baseline, candidate, null, false);
        double? change = b > 0 ? c / b - 1 : null;
        bool regressed = c - b > thresholds.ErrorFloor && (b <= 0 || c / b - 1 > thresholds.ErrorRise);
        return new ErrorComparison(b, c, change, regressed);
    }

    /// <summary>The two-sided Mann-Whitney U p-value of the samples (Perfolizer; exact for small samples, approximated for large).</summary>
    public static double PValue(IReadOnlyList<double> baseline, IReadOnlyList<double> candidate) =>
        MannWhitneyTest.Instance.Perform(new Sample([.. baseline]), new Sample([.. candidate]), AlternativeHypothesis.TwoSides, Threshold.Zero).PValue;

    /// <summary>
    /// The smallest p-value the test can give for these sample counts: the test's own answer for two samples that do not overlap
    /// at all (2 / C(n+m, n) when exact). At or above alpha, no data of that size can be significant.
    /// </summary>
    public static double SmallestPValue(int baselineCount, int candidateCount) =>
        SmallestPValues.GetOrAdd((baselineCount, candidateCount), static k =>
            PValue([.. Enumerable.Range(1, k.Item1).Select(i => (double)i)], [.. Enumerable.Range(k.Item1 + 1, k.Item2).Select(i => (double)i)]));

    /// <summary>The fewest samples per side (equal counts) with which the test can reach p &lt; alpha: 5 for alpha = 0.01 (p = 2/252).</summary>
    public static int MinimumSamples(double alpha)
    {
        for (int k = 1; k <= 1000; k++)
            if (SmallestPValue(k, k) < alpha) return k;
        throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "no sample count up to 1000 reaches this significance level.");
    }

    private static double Cv(double[] samples)
    {
        if (samples.Length < 2) return 0;
        double mean = samples.Mean();
        return mean > 0 ? samples.StandardDeviation() / mean : double.NaN;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
