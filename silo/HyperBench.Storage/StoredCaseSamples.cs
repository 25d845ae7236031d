namespace HyperBench.Storage;

/// <summary>A stored case as a comparison needs it: its fields, its device, its raw samples (seconds, in the order taken) and its relative error.</summary>
public sealed record StoredCaseSamples(
    string CaseId,
    string Kernel,
    int N,
    bool Causal,
    string Pass,
    string Dtype,
    string? HyperParameters,
    string DeviceName,
    string DeviceDetail,
    double? RelativeError,
    IReadOnlyList<double> Samples)
{
    /// <summary>
    /// The median of the reference workload's samples taken with this case (--reference on a CPU device, docs/measurement.md); null
    /// when it has none. A comparison judges the case as a ratio to it when both sides have one (docs/regressions.md).
    /// </summary>
    public double? ReferenceMedianSeconds { get; init; }
}

/// <summary>One earlier run's median of a case, with its sweep and device (a case's history for its noise floor).</summary>
public sealed record CaseMedian(string CaseId, string SweepId, string DeviceName, string DeviceDetail, double MedianSeconds, DateTime CreatedUtc)
{
    /// <summary>That run's reference median (<see cref="StoredCaseSamples.ReferenceMedianSeconds"/>); null when it has none.</summary>
    public double? ReferenceMedianSeconds { get; init; }
}
