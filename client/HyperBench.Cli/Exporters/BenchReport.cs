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
    string Status,
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
    AccuracyReport? Accuracy = null)
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
        r.Case.Dtype.Name(),
        r.Case.Distribution,
        r.Case.Seed,
        r.DeviceId,
        r.Error is not null ? "failed" : r.InvalidReason is not null ? "invalid" : "ok",
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

    public static CaseReport Skipped(BenchmarkCase c, string device, string reason) => new(
        c.Id, c.Kernel.ToString().ToLowerInvariant(), c.N, c.Causal, c.PassName, c.Batch, c.Heads, c.D, c.Dtype.Name(), c.Distribution, c.Seed,
        device, "skipped", [], null, 0, 0, c.Flops, 0, false, null, reason, 0, c.Kernel == KernelKind.Hyper ? c.HyperOrDefault : null);
}
