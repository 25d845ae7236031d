namespace HyperBench.Regressions;

/// <summary>
/// HyperAttention's relative error (Frobenius, of O against the exact kernel) before and after: <see cref="Change"/> is
/// candidate / baseline - 1 (null when a side has none or the baseline is 0), <see cref="Regressed"/> when it rose beyond both thresholds.
/// </summary>
public sealed record ErrorComparison(double? Baseline, double? Candidate, double? Change, bool Regressed)
{
    public static ErrorComparison None { get; } = new(null, null, null, false);
}
