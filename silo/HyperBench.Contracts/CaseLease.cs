using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>
/// One case handed to one device until <see cref="ExpiresUtc"/>; the worker renews it while the case runs and completes it with
/// the lease id, so a late answer from an expired lease is recognised and ignored.
/// </summary>
[GenerateSerializer, Alias("hyperbench.CaseLease")]
public sealed record CaseLease(
    [property: Id(0)] string LeaseId,
    [property: Id(1)] string SweepId,
    [property: Id(2)] BenchmarkCase Case,
    [property: Id(3)] int Ordinal,
    [property: Id(4)] int Attempt,
    [property: Id(5)] DateTime ExpiresUtc,
    [property: Id(6)] double LeaseSeconds,
    [property: Id(7)] int MinSamples,
    [property: Id(8)] double BudgetSeconds,
    [property: Id(9)] int WarmupRuns,
    [property: Id(10)] double WarmupSeconds)
{
    public MeasurementOptions Measurement() =>
        new(MinSamples, BudgetSeconds, Math.Max(1000, MinSamples), WarmupRuns) { WarmupSeconds = WarmupSeconds };
}
