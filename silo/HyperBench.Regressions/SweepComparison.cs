using HyperBench.Storage;

namespace HyperBench.Regressions;

/// <summary>
/// A whole comparison: the cases both sweeps have (by case id, ordered by case label), the case ids only one side has, the
/// thresholds used and when it was decided. <see cref="ComparisonId"/> keys its rows in <c>regression_verdicts</c>.
/// </summary>
public sealed record SweepComparison(
    string ComparisonId,
    string BaselineSweepId,
    string CandidateSweepId,
    CompareThresholds Thresholds,
    DateTime DecidedUtc,
    IReadOnlyList<CaseComparison> Cases,
    IReadOnlyList<string> OnlyInBaseline,
    IReadOnlyList<string> OnlyInCandidate)
{
    /// <summary>Any case slower or less accurate.</summary>
    public bool Regressed => Cases.Any(c => c.Regressed);

    /// <summary>The rows stored in <c>regression_verdicts</c>, one per matched case.</summary>
    public IReadOnlyList<RegressionVerdictRow> ToRows() => [.. Cases.Select(c => new RegressionVerdictRow
    {
        ComparisonId = ComparisonId,
        BaselineSweepId = BaselineSweepId,
        CandidateSweepId = CandidateSweepId,
        CaseId = c.Case.CaseId,
        Kernel = c.Case.Kernel,
        N = c.Case.N,
        Causal = c.Case.Causal,
        Pass = c.Case.Pass,
        Dtype = c.Case.Dtype,
        BaselineSamples = c.Time.BaselineCount,
        CandidateSamples = c.Time.CandidateCount,
        BaselineMedianSeconds = c.Time.BaselineMedian,
        CandidateMedianSeconds = c.Time.CandidateMedian,
        Change = c.Time.Change,
        PValue = c.Time.PValue,
        BaselineCv = c.Time.BaselineCv,
        CandidateCv = c.Time.CandidateCv,
        Verdict = c.Time.Verdict.Name(),
        BaselineRelativeError = c.Error.Baseline,
        CandidateRelativeError = c.Error.Candidate,
        ErrorChange = c.Error.Change,
        ErrorRegressed = c.Error.Regressed,
        Detail = c.Error.Regressed ? $"{c.Time.Detail}; relative error {c.Error.Baseline:G3} -> {c.Error.Candidate:G3}" : c.Time.Detail,
        EffectThreshold = Thresholds.Effect,
        Alpha = Thresholds.Alpha,
        CvLimit = Thresholds.CvLimit,
        ErrorThreshold = Thresholds.ErrorRise,
        ErrorFloor = Thresholds.ErrorFloor,
        BaselineRobustCv = c.Time.BaselineRobustCv,
        CandidateRobustCv = c.Time.CandidateRobustCv,
        HistoryRuns = c.Time.Noise.HistoryRuns,
        NoiseFloor = c.Time.Noise.Floor,
        AppliedThreshold = c.Time.Noise.AppliedEffect,
        NoiseK = Thresholds.NoiseK,
        DecidedUtc = DecidedUtc,
    })];
}
