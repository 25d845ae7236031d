using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace HyperBench.Regressions;

/// <summary>Settings of <see cref="ChangePoints.Detect"/> (docs/history.md explains each).</summary>
public sealed record ChangePointOptions
{
    /// <summary>Points per e-divisive window; windows overlap by half (Otava's windowing). The whole series when it is shorter.</summary>
    public int WindowLength { get; init; } = 30;

    /// <summary>
    /// Significance level of the merge's t-test, which decides what is reported. The split's permutation test proposes candidates at
    /// ten times this level (at most 0.5), as Otava does: a short window cannot reach a small p-value by permutations alone.
    /// </summary>
    public double MaxPValue { get; init; } = 0.01;

    /// <summary>The split's permutation-test level: ten times <see cref="MaxPValue"/>, at most 0.5.</summary>
    public double CandidatePValue => Math.Min(0.5, MaxPValue * 10);

    /// <summary>Permutations per candidate (the smallest p-value they can show is 1/(permutations+1)).</summary>
    public int Permutations { get; init; } = 199;

    /// <summary>Seed of the permutations: the same series always gives the same change points.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Fewest points on each side of a change point (at least 2: a segment's spread needs two).</summary>
    public int MinSegment { get; init; } = 2;

    /// <summary>Smallest relative change of the mean across a change point that is kept (0.05 = 5%); smaller steps are merged away.</summary>
    public double MinMagnitude { get; init; } = 0.05;

    /// <summary>The e-divisive exponent α in |x − y|^α, 0 &lt; α &lt; 2 (Matteson and James use 1).</summary>
    public double Alpha { get; init; } = 1.0;

    public void Validate()
    {
        if (WindowLength < 4) throw new ArgumentException($"window length {WindowLength} is too small; use 4 or more.", nameof(WindowLength));
        if (!(MaxPValue is > 0 and < 1)) throw new ArgumentException($"p-value limit {MaxPValue} must be between 0 and 1.", nameof(MaxPValue));
        if (Permutations < 1) throw new ArgumentException($"permutations {Permutations} must be 1 or more.", nameof(Permutations));
        if (MinSegment < 2) throw new ArgumentException($"minimum segment {MinSegment} must be 2 or more.", nameof(MinSegment));
        if (!(MinMagnitude >= 0)) throw new ArgumentException($"minimum change {MinMagnitude} must be 0 or more.", nameof(MinMagnitude));
        if (!(Alpha is > 0 and < 2)) throw new ArgumentException($"alpha {Alpha} must be between 0 and 2.", nameof(Alpha));
    }
}

/// <summary>
/// A change point: the series' level changes between <see cref="Index"/> − 1 and <see cref="Index"/> (the first point of the new
/// level). Before and after are the segments up to the neighbouring change points.
/// </summary>
public sealed record ChangePoint(int Index, double PValue, double MeanBefore, double MeanAfter, double MedianBefore, double MedianAfter,
    int CountBefore, int CountAfter)
{
    /// <summary>Relative change of the median across the point: (after − before) / before.</summary>
    public double MedianChange => MedianAfter / MedianBefore - 1;

    /// <summary>Relative change of the mean across the point.</summary>
    public double MeanChange => MeanAfter / MeanBefore - 1;
}

/// <summary>
/// Change points of a series by E-divisive means (Matteson and James 2014, "A nonparametric approach for multiple change point
/// analysis of multivariate data", JASA 109:505) with Apache Otava's split-and-merge: e-divisive with a permutation test on
/// overlapping windows proposes candidates (at a lenient level, <see cref="ChangePointOptions.CandidatePValue"/>); the merge then tests each candidate against its neighbours (Welch's t-test on the
/// segments between the neighbouring candidates, and a minimum relative change) and drops the weakest failing one until all pass.
/// Deterministic: the permutations come from <see cref="ChangePointOptions.Seed"/>.
/// </summary>
public static class ChangePoints
{
    public static IReadOnlyList<ChangePoint> Detect(IReadOnlyList<double> series, ChangePointOptions? options = null)
    {
        options ??= new ChangePointOptions();
        options.Validate();
        foreach (double v in series)
            if (!double.IsFinite(v)) throw new ArgumentException($"series value {v} is not a finite number.", nameof(series));
        int n = series.Count;
        if (n < 2 * options.MinSegment) return [];

        // Split: e-divisive on each window (half-overlapping; the last one ends at the series' end).
        var candidates = new SortedSet<int>();
        int window = Math.Min(options.WindowLength, n);
        int step = Math.Max(1, window / 2);
        for (int start = 0; ; start += step)
        {
            int end = Math.Min(start + window, n);
            if (end - start < 2 * options.MinSegment) break;
            var random = new Random(unchecked(options.Seed * 31 + start));
            foreach (int local in EDivisive(series, start, end, options, random))
                candidates.Add(start + local);
            if (end == n) break;
        }

        // Merge: drop the weakest candidate that fails against its neighbours, then test the rest again.
        var points = candidates.ToList();
        while (true)
        {
            var tested = Test(series, points);
            int weakest = -1;
            double weakestScore = double.NegativeInfinity;
            for (int i = 0; i < tested.Count; i++)
            {
                var t = tested[i];
                bool fails = t.PValue > options.MaxPValue || Math.Abs(t.MeanChange) < options.MinMagnitude
                    || t.CountBefore < options.MinSegment || t.CountAfter < options.MinSegment;
                if (!fails) continue;
                // Weakest: the highest p-value; among equal p-values the smallest change.
                double score = t.PValue - 1e-9 * Math.Abs(t.MeanChange);
                if (score > weakestScore)
                {
                    weakestScore = score;
                    weakest = i;
                }
            }
            if (weakest < 0) return tested;
            points.RemoveAt(weakest);
        }
    }

    /// <summary>Each point with the statistics of the segments between its neighbours and Welch's t-test p-value (two-sided).</summary>
    private static List<ChangePoint> Test(IReadOnlyList<double> series, List<int> points)
    {
        var result = new List<ChangePoint>(points.Count);
        for (int i = 0; i < points.Count; i++)
        {
            int from = i == 0 ? 0 : points[i - 1];
            int to = i == points.Count - 1 ? series.Count : points[i + 1];
            var before = Slice(series, from, points[i]);
            var after = Slice(series, points[i], to);
            result.Add(new ChangePoint(points[i], WelchPValue(before, after), before.Mean(), after.Mean(), before.Median(), after.Median(),
                before.Length, after.Length));
        }
        return result;
    }

    private static double[] Slice(IReadOnlyList<double> series, int from, int to)
    {
        var a = new double[to - from];
        for (int i = from; i < to; i++) a[i - from] = series[i];
        return a;
    }

    /// <summary>Two-sided p-value of Welch's t-test; two constant segments are certainly different when their levels differ.</summary>
    internal static double WelchPValue(double[] a, double[] b)
    {
        if (a.Length < 2 || b.Length < 2) return 1;
        double ma = a.Mean(), mb = b.Mean();
        double va = a.Variance() / a.Length, vb = b.Variance() / b.Length;
        double se2 = va + vb;
        if (se2 <= 0 || !double.IsFinite(se2)) return ma == mb ? 1 : 0;
        double t = (ma - mb) / Math.Sqrt(se2);
        double df = se2 * se2 / (va * va / (a.Length - 1) + vb * vb / (b.Length - 1));
        if (!(df > 0) || !double.IsFinite(df)) df = a.Length + b.Length - 2;
        return 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
    }

    /// <summary>
    /// Hierarchical e-divisive on series[start..end): repeatedly the best split over all current segments, kept while its permutation
    /// test (observations permuted within each segment, the maximum statistic over segments) is significant. Returns local indices.
    /// </summary>
    private static List<int> EDivisive(IReadOnlyList<double> series, int start, int end, ChangePointOptions options, Random random)
    {
        int n = end - start;
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = series[start + i];
        var found = new List<int>();
        while (true)
        {
            var bounds = Bounds(found, n);
            var (best, bestQ) = BestOverSegments(x, bounds, options);
            if (best < 0) return found;
            int atLeast = 0;
            var permuted = (double[])x.Clone();
            for (int r = 0; r < options.Permutations; r++)
            {
                foreach (var (from, to) in bounds) Shuffle(permuted, from, to, random);
                if (BestOverSegments(permuted, bounds, options).Q >= bestQ) atLeast++;
                Array.Copy(x, permuted, n);
            }
            double p = (atLeast + 1.0) / (options.Permutations + 1.0);
            if (p > options.CandidatePValue) return found;
            found.Add(best);
            found.Sort();
        }
    }

    private static List<(int From, int To)> Bounds(List<int> found, int n)
    {
        var bounds = new List<(int, int)>();
        int previous = 0;
        foreach (int f in found)
        {
            bounds.Add((previous, f));
            previous = f;
        }
        bounds.Add((previous, n));
        return bounds;
    }

    private static void Shuffle(double[] a, int from, int to, Random random)
    {
        for (int i = to - 1; i > from; i--)
        {
            int j = from + random.Next(i - from + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
    }

    private static (int Index, double Q) BestOverSegments(double[] x, List<(int From, int To)> bounds, ChangePointOptions options)
    {
        int best = -1;
        double bestQ = double.NegativeInfinity;
        foreach (var (from, to) in bounds)
        {
            var (index, q) = BestSplit(x, from, to, options);
            if (index >= 0 && q > bestQ)
            {
                best = index;
                bestQ = q;
            }
        }
        return (best, bestQ);
    }

    /// <summary>
    /// The split τ of x[from..to) maximising Matteson and James' scaled energy statistic over τ and an end κ (X = x[from..τ),
    /// Y = x[τ..κ); the end lets a step that later recovers, a bump, stand out against the whole segment):
    /// Q(τ, κ) = m·k/(m+k) · (2/(m·k) Σ|xᵢ−yⱼ|^α − 2/(m(m−1)) Σ|xᵢ−xₗ|^α − 2/(k(k−1)) Σ|yⱼ−yₗ|^α), m = τ − from, k = κ − τ,
    /// in O(len²) with prefix sums of the distance rows.
    /// </summary>
    internal static (int Index, double Q) BestSplit(double[] x, int from, int to, ChangePointOptions options)
    {
        int len = to - from;
        int minSeg = options.MinSegment;
        if (len < 2 * minSeg) return (-1, double.NegativeInfinity);
        // prefix[a, b] = Σ_{i<b} |x_a − x_i|^α.
        var prefix = new double[len, len + 1];
        for (int a = 0; a < len; a++)
            for (int b = 0; b < len; b++)
            {
                double diff = Math.Abs(x[from + a] - x[from + b]);
                prefix[a, b + 1] = prefix[a, b] + (options.Alpha == 1 ? diff : Math.Pow(diff, options.Alpha));
            }
        int best = -1;
        double bestQ = double.NegativeInfinity;
        double withinX = 0; // Σ over pairs in [0, τ)
        for (int tau = 1; tau <= len - minSeg; tau++)
        {
            withinX += prefix[tau - 1, tau - 1];
            if (tau < minSeg) continue;
            double m = tau;
            double between = 0, withinY = 0;
            for (int kappa = tau + 1; kappa <= len; kappa++)
            {
                int added = kappa - 1;
                between += prefix[added, tau];
                withinY += prefix[added, added] - prefix[added, tau];
                double k = kappa - tau;
                if (k < minSeg) continue;
                double e = 2 * between / (m * k) - 2 * withinX / (m * (m - 1)) - 2 * withinY / (k * (k - 1));
                double q = m * k / (m + k) * e;
                if (q > bestQ)
                {
                    bestQ = q;
                    best = from + tau;
                }
            }
        }
        return (best, bestQ);
    }
}
