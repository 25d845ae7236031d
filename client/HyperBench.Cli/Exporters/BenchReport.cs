using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Cli.Exporters;

/// <summary>One run of `kernels bench`: the environment, the measurement settings and every case with its raw samples.</summary>
public sealed record BenchReport(
    string Tool,
    string Command,
    EnvironmentInfo Environment,
    MeasurementOptions Measurement,
    IReadOnlyList<CaseReport> Cases);

/// <summary>A case as written to JSON (tensors are never inlined: --dump writes them as .npy). Hyper cases carry their parameters and accuracy.</summary>
public sealed record CaseReport(
    string CaseId,
    string Kernel,
    int N,
    bool Causal,
    string Pass,
    int Batch,
    int Heads,
    int D,
    string Dtype,
    string Distribution,
    ulong Seed,
    string Device,
    ResultStatus Status,
    IReadOnlyList<double> SamplesSeconds,
    SampleStatistics? Statistics,
    double FirstRunSeconds,
    double CompileSecondsEstimate,
    double Flops,
    double Tflops,
    bool Valid,
    string? InvalidReason,
    string? Error,
    long MemoryBytesEstimate,
    HyperParameters? Hyper = null,
    AccuracyReport? Accuracy = null,
    string? SkipReason = null)
{
    public static CaseReport From(CaseResult r) => new(
        r.CaseId,
        r.Case.Kernel.ToString().ToLowerInvariant(),
        r.Case.N,
        r.Case.Causal,
        r.Case.PassName,
        r.Case.Batch,
        r.Case.Heads,
        r.Case.D,
        r.Case.Dtype,
        r.Case.Distribution,
        r.Case.Seed,
        r.DeviceId,
        r.Status,
        r.Samples,
        r.Statistics,
        r.FirstRunSeconds,
        r.CompileSecondsEstimate,
        r.Flops,
        r.Tflops,
        r.Valid,
        r.InvalidReason,
        r.Error,
        r.MemoryBytesEstimate,
        r.Case.Kernel == KernelKind.Hyper ? r.Case.HyperOrDefault : null,
        r.Accuracy);

    /// <summary>A case not run, with why (the same status and reason field a sweep stores for a case it skips).</summary>
    public static CaseReport Skipped(BenchmarkCase c, string device, string reason) => new(
        c.Id, c.Kernel.ToString().ToLowerInvariant(), c.N, c.Causal, c.PassName, c.Batch, c.Heads, c.D, c.Dtype, c.Distribution, c.Seed,
        device, ResultStatus.Skipped, [], null, 0, 0, c.Flops, 0, false, null, null, 0, c.Kernel == KernelKind.Hyper ? c.HyperOrDefault : null,
        SkipReason: reason);
}
