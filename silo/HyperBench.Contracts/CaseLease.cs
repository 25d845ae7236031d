using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>
/// One case handed to one device until <see cref="ExpiresUtc"/>; the worker renews it while the case runs and completes it with
/// the lease id, so a late answer from an expired lease is recognised and ignored. The measurement options are the sweep plan's.
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
    [property: Id(11)] MeasurementOptions Measurement); // ids 7..10 held the flat measurement fields: never reuse them
