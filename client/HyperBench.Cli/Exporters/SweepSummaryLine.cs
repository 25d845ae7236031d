namespace HyperBench.Cli.Exporters;

/// <summary>
/// One row of a sweep's summary: a stored result plus, for HyperAttention, its speed-up over the flash result of the same
/// (n, causal, pass, shape, inputs, device) in the same sweep.
/// </summary>
public sealed record SweepSummaryLine(
    string CaseId,
    string Kernel,
    int N,
    bool Causal,
    string Pass,
    int Batch,
    int Heads,
    int D,
    string Distribution,
    string Device,
    string Status,
    double? MedianSeconds,
    double? CiLowSeconds,
    double? CiHighSeconds,
    int Samples,
    double? Tflops,
    double? Speedup,
    double? RelativeError,
    string? Error);
