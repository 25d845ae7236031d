using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>Where a sweep is, for progress displays. <see cref="Status"/> is null for a sweep id never started.</summary>
[GenerateSerializer, Alias("hyperbench.SweepStatusView")]
public sealed record SweepStatusView(
    [property: Id(0)] string SweepId,
    [property: Id(1)] SweepStatus? Status,
    [property: Id(2)] string? Tag,
    [property: Id(3)] int Total,
    [property: Id(4)] int Pending,
    [property: Id(5)] int Leased,
    [property: Id(6)] int Done,
    [property: Id(7)] int Failed,
    [property: Id(8)] int Cancelled,
    [property: Id(9)] DateTime? StartedUtc,
    [property: Id(10)] DateTime? FinishedUtc,
    [property: Id(11)] DeviceProgress[] Devices)
{
    /// <summary>Completed or cancelled: nothing more will run.</summary>
    public bool Finished => Status is SweepStatus.Completed or SweepStatus.Cancelled;

    /// <summary>False for a sweep id the cluster never started.</summary>
    public bool Exists => Status is not null;

    /// <summary>Cases the scheduler decided not to run (no device can hold them); each has its reason stored with it.</summary>
    [Id(13)]
    public int Skipped { get; init; }

    /// <summary>The status as stored and shown: running, completed, cancelled, or unknown (never started).</summary>
    public string StatusWord => Status is { } status ? StatusWords.Word(status) : "unknown";

    /// <summary>
    /// Set only in the answer to <see cref="ISweepGrain.ResumeAsync"/>: leases found from before the sweep was last loaded that the
    /// resume left in place because their devices are live. Leases taken since (by this cluster's own devices) are not counted.
    /// </summary>
    [Id(12)]
    public int StillLeased { get; init; }

    public int Remaining => Pending + Leased;

    /// <summary>The noise gate's re-measure of this sweep's noisy cases (<see cref="NoiseGate.ChildSweepId"/>), once it exists.</summary>
    [Id(14)]
    public string? ChildSweepId { get; init; }

    /// <summary>The sweep this one re-measures, when it is a noise gate's child.</summary>
    [Id(15)]
    public string? ParentSweepId { get; init; }
}
