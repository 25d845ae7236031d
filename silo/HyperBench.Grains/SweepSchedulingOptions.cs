namespace HyperBench.Grains;

/// <summary>How the grains judge liveness. Bound from the host's configuration; tests shorten it.</summary>
public sealed class SweepSchedulingOptions
{
    /// <summary>A device not seen (registration or heartbeat) for this long is gone: no longer counted as able to hold a case.</summary>
    public TimeSpan DeviceGoneAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest interval between lease checks (a sweep checks at a quarter of its lease time when shorter): expiry, and leases of
    /// silos that membership has declared dead, which go back this long at most after the declaration.
    /// </summary>
    public TimeSpan MaxCheckPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A sweep with more cases stores this many with itself and starts at once; the rest are stored while the first ones run, in
    /// transactions of this many cases, each leasable as soon as it is in (docs/scheduling.md), so a fleet-sized sweep does not wait
    /// for thousands of rows before its first case.
    /// </summary>
    public int CasesStoredAtStart { get; set; } = 512;

    /// <summary>
    /// A gang's shard reserved for a device that asked (docs/scaling.md) goes back to pending if that device has not collected it within
    /// this time: woken at once, a live device collects it within milliseconds.
    /// </summary>
    public TimeSpan GangReservationTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
