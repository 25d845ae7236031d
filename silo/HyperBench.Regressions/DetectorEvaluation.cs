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

/// <summary>
/// One effect threshold's quality: the A/A verdicts, the detection of each injected slowdown, and the median effect threshold
/// actually applied (the threshold or k x the case's noise floor, whichever is larger).
/// </summary>
public sealed record ThresholdQuality(double Effect, VerdictCounts AA, IReadOnlyList<SlowdownDetection> Injected)
{
    /// <summary>Share of A/A comparisons judged slower or faster: every such verdict is a false alarm (same build both sides).</summary>
    public double FalsePositiveRate => AA.Share(AA.Slower + AA.Faster);

    /// <summary>Median over the comparisons of the effect threshold applied.</summary>
    public double MedianAppliedEffect { get; init; }
}

/// <summary>
/// What <see cref="DetectorEvaluator.Evaluate"/> measured: <see cref="Runs"/> runs of one build; the first
/// <see cref="CalibrationRuns"/> only calibrate, the rest give <see cref="Pairs"/> A/A pairs (run i against run i + 1), each
/// compared case by case (<see cref="Cases"/> cases in common), per effect threshold. <see cref="MedianNoiseFloor"/> is the median
/// noise floor over the comparisons that had one; <see cref="Fallbacks"/> counts comparisons with too little history (plain threshold).
/// </summary>
public sealed record DetectorEvaluation(int Runs, int Pairs, int Cases, double Alpha, double CvLimit, IReadOnlyList<ThresholdQuality> Thresholds)
{
    public int CalibrationRuns { get; init; }
    public double NoiseK { get; init; }
    public int MinHistory { get; init; }
    public int HistoryLimit { get; init; }
    public double? MedianNoiseFloor { get; init; }
    public int Comparisons { get; init; }
    public int Fallbacks { get; init; }
}

/// <summary>
/// The detector's false-positive and detection rates from repeated runs of the same build (docs/regressions.md, "Detector quality"):
/// a pure function over sample arrays, using <see cref="SampleComparer.Compare"/> exactly as `hyperbench compare` does, with the
/// same history rule: a pair's noise floor is learned only from runs before its baseline, never from its own two runs.
/// </summary>
public static class DetectorEvaluator
{
    /// <summary>
    /// Compares consecutive runs (i, i + 1), i from <paramref name="calibrationRuns"/> on, case by case: as they are (A/A: any slower
    /// or faster verdict is a false positive), and with every candidate sample multiplied by 1 + s for each slowdown s (the share
    /// judged slower is the detection rate). Each comparison's history is the case's medians in runs max(0, i - historyLimit) .. i - 1:
    /// what `compare` would read from the database had the runs been stored one after the other. Consecutive pairs rather than all
    /// pairs: each run is the candidate once, so the pairs do not reuse a run as candidate and the counts stay close to
    /// independent trials.
    /// </summary>
    /// <param name="runs">Each run's samples (seconds) by case id, oldest first; a case missing from either run of a pair is skipped for that pair.</param>
    /// <param name="calibrationRuns">The first runs, used only as history (never a baseline or candidate).</param>
    /// <exception cref="ArgumentException">Too few runs for a pair after calibration, or a threshold, slowdown, alpha, CV limit or history setting out of range (names it).</exception>
    public static DetectorEvaluation Evaluate(IReadOnlyList<IReadOnlyDictionary<string, IReadOnlyList<double>>> runs,
        IReadOnlyList<double> effects, IReadOnlyList<double> slowdowns, double alpha, double cvLimit, int calibrationRuns = 0,
        double noiseK = 4, int minHistory = 10, int historyLimit = 30)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(effects);
        ArgumentNullException.ThrowIfNull(slowdowns);
        if (runs.Count < 2) throw new ArgumentException($"runs = {runs.Count}: an A/A pair needs at least 2 runs.", nameof(runs));
        if (calibrationRuns < 0 || calibrationRuns > runs.Count - 2)
            throw new ArgumentException($"calibration runs = {calibrationRuns}: must be 0 .. runs - 2 ({runs.Count - 2}) to leave one A/A pair.", nameof(calibrationRuns));
        if (effects.Count == 0) throw new ArgumentException("no effect threshold given.", nameof(effects));
        foreach (double s in slowdowns)
            if (!double.IsFinite(s) || s <= 0 || s >= 10) throw new ArgumentException($"slowdown = {s} is out of range (> 0 and < 10).", nameof(slowdowns));
        var settings = effects.Select(e => new CompareThresholds
        {
            Effect = e, Alpha = alpha, CvLimit = cvLimit, NoiseK = noiseK, MinHistory = minHistory, HistoryLimit = historyLimit,
        }.Validated()).ToList();

        // Each run's median per case, once: the history the later pairs learn their floor from.
        var medians = runs.Select(r => r.ToDictionary(c => c.Key, c => c.Value.Count == 0 ? double.NaN : Median(c.Value), StringComparer.Ordinal)).ToList();

        // The pairs, their cases and histories, once: every threshold judges the same comparisons.
        var pairs = new List<(IReadOnlyList<double> Baseline, IReadOnlyList<double> Candidate, IReadOnlyList<double> History)>();
        var caseIds = new HashSet<string>(StringComparer.Ordinal);
        for (int i = calibrationRuns; i + 1 < runs.Count; i++)
        {
            foreach (var (caseId, baseline) in runs[i].OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (!runs[i + 1].TryGetValue(caseId, out var candidate)) continue;
                List<double> history = [];
                for (int h = Math.Max(0, i - historyLimit); h < i; h++)
                    if (medians[h].TryGetValue(caseId, out double m) && double.IsFinite(m)) history.Add(m);
                pairs.Add((baseline, candidate, history));
                caseIds.Add(caseId);
            }
        }

        var floors = pairs.Select(p => NoiseFloor.From(p.History, settings[0])).ToList();
        var thresholds = settings.Select(t => new ThresholdQuality(
            t.Effect,
            VerdictCounts.Of(pairs.Select(p => SampleComparer.Compare(p.Baseline, p.Candidate, t, p.History).Verdict)),
            [.. slowdowns.Select(s => new SlowdownDetection(s, VerdictCounts.Of(pairs.Select(p =>
                SampleComparer.Compare(p.Baseline, [.. p.Candidate.Select(x => x * (1 + s))], t, p.History).Verdict))))])
        {
            MedianAppliedEffect = pairs.Count == 0 ? t.Effect : Median([.. pairs.Select(p => NoiseFloor.From(p.History, t).AppliedEffect)]),
        }).ToList();
        double[] withFloor = [.. floors.Where(f => f.Floor is not null).Select(f => f.Floor!.Value)];
        return new DetectorEvaluation(runs.Count, runs.Count - 1 - calibrationRuns, caseIds.Count, alpha, cvLimit, thresholds)
        {
            CalibrationRuns = calibrationRuns,
            NoiseK = noiseK,
            MinHistory = minHistory,
            HistoryLimit = historyLimit,
            MedianNoiseFloor = withFloor.Length == 0 ? null : Median(withFloor),
            Comparisons = pairs.Count,
            Fallbacks = floors.Count(f => f.Floor is null),
        };
    }

    private static double Median(IReadOnlyList<double> values) => MathNet.Numerics.Statistics.Statistics.Median([.. values]);
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
