namespace HyperBench.Regressions;

/// <summary>How many comparisons ended in each verdict (docs/regressions.md, "Detector quality").</summary>
public sealed record VerdictCounts(int Total, int Slower, int Faster, int Same, int Noisy, int Insufficient)
{
    public static VerdictCounts Of(IEnumerable<Verdict> verdicts)
    {
        int slower = 0, faster = 0, same = 0, noisy = 0, insufficient = 0;
        foreach (var v in verdicts)
        {
            switch (v)
            {
                case Verdict.Slower: slower++; break;
                case Verdict.Faster: faster++; break;
                case Verdict.Same: same++; break;
                case Verdict.Noisy: noisy++; break;
                default: insufficient++; break;
            }
        }
        return new VerdictCounts(slower + faster + same + noisy + insufficient, slower, faster, same, noisy, insufficient);
    }

    /// <summary>Share of <paramref name="count"/> in all comparisons (0 when there are none).</summary>
    public double Share(int count) => Total == 0 ? 0 : (double)count / Total;
}

/// <summary>Verdicts on A/A pairs whose candidate samples were multiplied by 1 + <see cref="Slowdown"/>.</summary>
public sealed record SlowdownDetection(double Slowdown, VerdictCounts Counts)
{
    /// <summary>Share of injected comparisons judged slower (noisy and insufficient count as missed).</summary>
    public double DetectionRate => Counts.Share(Counts.Slower);
}

/// <summary>One effect threshold's quality: the A/A verdicts and the detection of each injected slowdown.</summary>
public sealed record ThresholdQuality(double Effect, VerdictCounts AA, IReadOnlyList<SlowdownDetection> Injected)
{
    /// <summary>Share of A/A comparisons judged slower or faster: every such verdict is a false alarm (same build both sides).</summary>
    public double FalsePositiveRate => AA.Share(AA.Slower + AA.Faster);
}

/// <summary>
/// What <see cref="DetectorEvaluator.Evaluate"/> measured: <see cref="Runs"/> runs of one build give <see cref="Pairs"/> A/A pairs
/// (run i against run i + 1), each compared case by case (<see cref="Cases"/> cases in common), per effect threshold.
/// </summary>
public sealed record DetectorEvaluation(int Runs, int Pairs, int Cases, double Alpha, double CvLimit, IReadOnlyList<ThresholdQuality> Thresholds);

/// <summary>
/// The detector's false-positive and detection rates from repeated runs of the same build (docs/regressions.md, "Detector quality"):
/// a pure function over sample arrays, using <see cref="SampleComparer.Compare"/> exactly as `hyperbench compare` does.
/// </summary>
public static class DetectorEvaluator
{
    /// <summary>
    /// Compares consecutive runs (i, i + 1) case by case: as they are (A/A: any slower or faster verdict is a false positive), and
    /// with every candidate sample multiplied by 1 + s for each slowdown s (the share judged slower is the detection rate).
    /// Consecutive pairs rather than all pairs: each run is the candidate once, so the N - 1 pairs do not reuse a run as candidate
    /// and the counts stay close to independent trials.
    /// </summary>
    /// <param name="runs">Each run's samples (seconds) by case id; a case missing from either run of a pair is skipped for that pair.</param>
    /// <exception cref="ArgumentException">Fewer than two runs, or a threshold, slowdown, alpha or CV limit out of range (names it).</exception>
    public static DetectorEvaluation Evaluate(IReadOnlyList<IReadOnlyDictionary<string, IReadOnlyList<double>>> runs,
        IReadOnlyList<double> effects, IReadOnlyList<double> slowdowns, double alpha, double cvLimit)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(effects);
        ArgumentNullException.ThrowIfNull(slowdowns);
        if (runs.Count < 2) throw new ArgumentException($"runs = {runs.Count}: an A/A pair needs at least 2 runs.", nameof(runs));
        if (effects.Count == 0) throw new ArgumentException("no effect threshold given.", nameof(effects));
        foreach (double s in slowdowns)
            if (!double.IsFinite(s) || s <= 0 || s >= 10) throw new ArgumentException($"slowdown = {s} is out of range (> 0 and < 10).", nameof(slowdowns));
        var settings = effects.Select(e => new CompareThresholds { Effect = e, Alpha = alpha, CvLimit = cvLimit }.Validated()).ToList();

        // The pairs and their cases, once: every threshold judges the same comparisons.
        var pairs = new List<(IReadOnlyList<double> Baseline, IReadOnlyList<double> Candidate)>();
        var caseIds = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < runs.Count; i++)
        {
            foreach (var (caseId, baseline) in runs[i].OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (!runs[i + 1].TryGetValue(caseId, out var candidate)) continue;
                pairs.Add((baseline, candidate));
                caseIds.Add(caseId);
            }
        }

        var thresholds = settings.Select(t => new ThresholdQuality(
            t.Effect,
            VerdictCounts.Of(pairs.Select(p => SampleComparer.Compare(p.Baseline, p.Candidate, t).Verdict)),
            [.. slowdowns.Select(s => new SlowdownDetection(s, VerdictCounts.Of(pairs.Select(p =>
                SampleComparer.Compare(p.Baseline, [.. p.Candidate.Select(x => x * (1 + s))], t).Verdict))))])).ToList();
        return new DetectorEvaluation(runs.Count, runs.Count - 1, caseIds.Count, alpha, cvLimit, thresholds);
    }
}

/// <summary>
/// Precision and recall from labelled verdicts (docs/regressions.md): a label says whether the case really regressed
/// (true_positive: yes, false_positive: no). A slower verdict labelled yes is a true positive, labelled no a false positive; any
/// other verdict labelled yes is a missed regression (false negative), labelled no a true negative.
/// </summary>
public sealed record LabelQuality(int TruePositives, int FalsePositives, int FalseNegatives, int TrueNegatives)
{
    public int Labelled => TruePositives + FalsePositives + FalseNegatives + TrueNegatives;

    /// <summary>TP / (TP + FP); null when no slower verdict is labelled.</summary>
    public double? Precision => TruePositives + FalsePositives == 0 ? null : (double)TruePositives / (TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN); null when no labelled verdict is a real regression.</summary>
    public double? Recall => TruePositives + FalseNegatives == 0 ? null : (double)TruePositives / (TruePositives + FalseNegatives);

    /// <param name="labelled">Each labelled verdict: the verdict and whether the label says it was a real regression.</param>
    public static LabelQuality Of(IEnumerable<(Verdict Verdict, bool RealRegression)> labelled)
    {
        int tp = 0, fp = 0, fn = 0, tn = 0;
        foreach (var (verdict, real) in labelled)
        {
            bool flagged = verdict == Verdict.Slower;
            if (flagged && real) tp++;
            else if (flagged) fp++;
            else if (real) fn++;
            else tn++;
        }
        return new LabelQuality(tp, fp, fn, tn);
    }
}
