using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>
/// The noise gate (docs/measurement.md, "Noise gate"): when a sweep with a <see cref="SweepPlan.CvLimit"/> completes, the cases whose
/// coefficient of variation is above the limit are measured again in one child sweep with <see cref="BudgetFactor"/> times the budget
/// and <see cref="MinSamplesFactor"/> times the minimum samples. A child never has a child of its own: one round, then each
/// re-measured case is labelled noisy or not by its child result's CV.
/// </summary>
public static class NoiseGate
{
    /// <summary>`sweep`'s default limit (--cv-limit): what this project's CPU measurements showed as a settled case's CV, with margin.</summary>
    public const double DefaultCvLimit = 0.10;

    public const double BudgetFactor = 4;

    public const int MinSamplesFactor = 2;

    /// <summary>The child sweep of <paramref name="parentSweepId"/>: one, with a name that says what it is.</summary>
    public static string ChildSweepId(string parentSweepId) => parentSweepId + "-remeasure";

    /// <summary>
    /// At or above the limit (a case without a CV, failed or with one sample, is not judged). "At" matters for a limit of 0, which
    /// must re-measure every case: two samples of a tiny case can come out equal (CV 0), and a CI run of the noise-gate test saw one.
    /// </summary>
    public static bool IsNoisy(double? coefficientOfVariation, double limit) => coefficientOfVariation is { } cv && cv >= limit;

    /// <summary>The child's plan: the parent's, for <paramref name="caseIds"/> only, with the larger measurement budget.</summary>
    public static SweepPlan RemeasurePlan(SweepPlan parent, IEnumerable<string> caseIds)
    {
        var m = parent.Measurement;
        return parent with
        {
            Cases = [.. caseIds],
            Measurement = MeasurementOptions.ForMinSamples(m.MinSamples * MinSamplesFactor, m.BudgetSeconds * BudgetFactor, m.WarmupRuns, m.WarmupSeconds),
        };
    }
}
