using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// A case as the `kernels bench` JSON report lays it out (field names and order are the file format; tensors are never inlined:
/// --dump writes them as .npy). Only a presentation of a <see cref="ResultLine"/>: the data has one model.
/// </summary>
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
    public static CaseReport Of(ResultLine l) => new(
        l.CaseId,
        l.Kernel,
        l.N,
        l.Causal,
        l.Pass,
        l.Batch,
        l.Heads,
        l.D,
        l.Dtype,
        l.Distribution,
        l.Seed,
        l.DeviceId,
        l.Status,
        l.SamplesSeconds,
        l.Statistics,
        l.FirstRunSeconds,
        l.CompileSecondsEstimate,
        l.Flops,
        l.Tflops ?? 0,
        l.Status == ResultStatus.Ok,
        l.InvalidReason,
        l.InvalidReason is null ? l.Error : null,
        l.MemoryBytesEstimate,
        l.R is { } r
            ? new HyperParameters(r, l.B!.Value, l.M!.Value, l.MinSeqLen!.Value, l.Sampling!,
                HyperVariantNames.ParseBucketOrder(l.BucketOrder), HyperVariantNames.ParseResample(l.Resample), l.ShortExact ?? false,
                HyperVariantNames.ParseGradient(l.Gradient))
            : null,
        l.Accuracy,
        l.SkipReason);
}
