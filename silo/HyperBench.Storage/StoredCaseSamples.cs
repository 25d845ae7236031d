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
