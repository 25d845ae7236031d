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
    IReadOnlyList<double> Samples);

/// <summary>One earlier run's median of a case, with its sweep and device (a case's history for its noise floor).</summary>
public sealed record CaseMedian(string CaseId, string SweepId, string DeviceName, string DeviceDetail, double MedianSeconds, DateTime CreatedUtc);
