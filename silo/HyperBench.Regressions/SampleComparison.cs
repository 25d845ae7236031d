namespace HyperBench.Regressions;

/// <summary>
/// What <see cref="SampleComparer.Compare"/> concludes about one case's time: the medians, the change of the median
/// (candidate / baseline - 1; positive is slower), the two-sided p-value (null when the test was not run: too few samples),
/// each side's CV, the verdict and a one-line reason.
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
    string Detail);
