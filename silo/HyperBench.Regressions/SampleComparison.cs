namespace HyperBench.Regressions;

/// <summary>
/// What <see cref="SampleComparer.Compare"/> concludes about one case's time: the medians, the change of the median
/// (candidate / baseline - 1; positive is slower), the two-sided p-value (null when the test was not run: too few samples),
/// each side's CV (stddev / mean, reported) and robust CV (1.4826 x MAD / median, what the noise gate reads), the verdict, a
/// one-line reason, and the between-run noise it was judged against (<see cref="Noise"/>: history length, floor and the
/// effect threshold actually applied).
/// </summary>
public sealed record SampleComparison(
    int BaselineCount,
    int CandidateCount,
    double BaselineMedian,
    double CandidateMedian,
    double Change,
    double? PValue,
    double BaselineCv,
    double CandidateCv,
    Verdict Verdict,
    string Detail)
{
    /// <summary>Baseline robust CV (1.4826 x MAD / median).</summary>
    public double BaselineRobustCv { get; init; }

    /// <summary>Candidate robust CV (1.4826 x MAD / median).</summary>
    public double CandidateRobustCv { get; init; }

    /// <summary>The case's between-run noise floor and the threshold applied (no history: the plain threshold).</summary>
    public NoiseFloor Noise { get; init; } = new(0, null, double.NaN, "");
}
