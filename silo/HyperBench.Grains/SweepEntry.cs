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
    public State Snapshot() => new(Row.Status, Row.Attempts, Row.LeaseId, Row.DeviceKey, Row.LeaseExpiresUtc, Row.Error, Row.SkipReason, Row.UpdatedUtc);

    public void Restore(State s)
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

    /// <summary>The row as it is now, apart from later changes (what a queued write stores).</summary>
    public SweepCaseRow Copy() => new()
    {
        SweepId = Row.SweepId,
        CaseId = Row.CaseId,
        Ordinal = Row.Ordinal,
        CaseJson = Row.CaseJson,
        Status = Row.Status,
        Attempts = Row.Attempts,
        LeaseId = Row.LeaseId,
        DeviceKey = Row.DeviceKey,
        LeaseExpiresUtc = Row.LeaseExpiresUtc,
        Error = Row.Error,
        SkipReason = Row.SkipReason,
        UpdatedUtc = Row.UpdatedUtc,
    };

    public sealed record State(CaseStatus Status, int Attempts, string? LeaseId, string? DeviceKey, DateTime? Expires, string? Error, string? SkipReason,
        DateTime Updated);
}
