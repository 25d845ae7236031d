using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains;

/// <summary>A case of a loaded sweep: its stored row, the case itself and the memory it needs (computed once).</summary>
internal sealed class SweepEntry(SweepCaseRow row, BenchmarkCase benchmarkCase)
{
    public SweepCaseRow Row { get; } = row;

    public BenchmarkCase Case { get; } = benchmarkCase;

    /// <summary>The backend-free memory estimate: a device with less memory is never offered the case.</summary>
    public long Bytes { get; } = MemoryEstimate.TensorBytes(benchmarkCase);

    /// <summary>The row's scheduling state, to put back when writing a transition to SQL failed.</summary>
    public (CaseStatus Status, int Attempts, string? LeaseId, string? DeviceKey, DateTime? Expires, string? Error, string? SkipReason, DateTime Updated) Snapshot() =>
        (Row.Status, Row.Attempts, Row.LeaseId, Row.DeviceKey, Row.LeaseExpiresUtc, Row.Error, Row.SkipReason, Row.UpdatedUtc);

    public void Restore((CaseStatus Status, int Attempts, string? LeaseId, string? DeviceKey, DateTime? Expires, string? Error, string? SkipReason, DateTime Updated) s)
    {
        Row.Status = s.Status;
        Row.Attempts = s.Attempts;
        Row.LeaseId = s.LeaseId;
        Row.DeviceKey = s.DeviceKey;
        Row.LeaseExpiresUtc = s.Expires;
        Row.Error = s.Error;
        Row.SkipReason = s.SkipReason;
        Row.UpdatedUtc = s.Updated;
    }
}
