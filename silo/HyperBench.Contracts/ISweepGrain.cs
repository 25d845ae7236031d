using Orleans.Concurrency;

namespace HyperBench.Contracts;

/// <summary>
/// One sweep (key: the sweep id). Its state lives in SQL: a restarted cluster resumes it. Workers pull cases from it with
/// <see cref="LeaseAsync"/>, keep the lease alive with <see cref="RenewAsync"/> and end it with <see cref="CompleteAsync"/>.
/// </summary>
// The workers' calls (lease, renew, complete, abandon) and status reads interleave: each changes memory in one synchronous step and
// then waits for its write, which shares one group commit with the writes of the calls that arrived meanwhile (docs/scheduling.md).
[Alias("hyperbench.ISweepGrain")]
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the sweep (plan validated, cases expanded and stored). Idempotent: a second start of the same id with the same plan
    /// returns its status.
    /// </summary>
    /// <exception cref="ArgumentException">The plan is invalid (names the bad value).</exception>
    /// <exception cref="InvalidOperationException">The id is taken by a sweep with another plan.</exception>
    [Alias("Start")]
    Task<SweepStatusView> StartAsync(SweepPlan plan);

    /// <summary>
    /// Returns stale leases to pending and puts the sweep back on the active list (after a restart). The answer's
    /// <see cref="SweepStatusView.StillLeased"/> counts the leases from before the restart that stay with live devices.
    /// </summary>
    /// <summary>
    /// Starts this sweep as the noise gate's re-measure of <paramref name="parentSweepId"/> (stored with sweeps.parent_sweep_id; it
    /// labels the re-measured cases noisy or not when it completes, and never re-measures again). Retried like <see cref="StartAsync"/>.
    /// </summary>
    [Alias("StartChild")]
    Task<SweepStatusView> StartChildAsync(SweepPlan plan, string parentSweepId);

    [Alias("Resume")]
    Task<SweepStatusView> ResumeAsync();

    /// <summary>Stops leasing: pending and leased cases become cancelled; running cases are told so at their next renewal.</summary>
    [Alias("Cancel")]
    Task<SweepStatusView> CancelAsync();

    [Alias("GetStatus")]
    [AlwaysInterleave]
    Task<SweepStatusView> GetStatusAsync();

    /// <summary>
    /// The next pending case this device can hold, or null. A device worker passes <paramref name="holding"/>, the ids of every lease
    /// it holds: a lease of this sweep granted to the device and missing from that list was never delivered (its answer was lost, for
    /// example when the silo hosting this grain died after storing the grant), so it goes back to pending at once, without costing an
    /// attempt, instead of waiting out its term. Null (tests, tools): nothing is checked.
    /// </summary>
    [Alias("Lease")]
    [AlwaysInterleave]
    Task<CaseLease?> LeaseAsync(DeviceView device, string[]? holding = null);

    /// <summary>
    /// Called by a worker as a case starts (lease-ahead, docs/scheduling.md). Confirms <paramref name="startingLeaseId"/> (a lease
    /// taken ahead may have been cancelled or re-issued while it waited; null: nothing to confirm) and, when
    /// <paramref name="leaseAhead"/> and it still holds, leases the case the device will run next. A lease ahead is granted only
    /// while more cases wait than are leased, never for a gang plan: near a sweep's end a case leased ahead would wait behind its
    /// device's current case while another device idles. One call instead of two. <paramref name="holding"/>: the ids of the leases
    /// the device holds, as for <see cref="LeaseAsync"/>.
    /// </summary>
    [Alias("Continue")]
    [AlwaysInterleave]
    Task<ContinueAnswer> ContinueAsync(DeviceView device, string? startingLeaseId, bool leaseAhead, string[]? holding = null);

    /// <summary>Gives back a lease whose case never started (a lease-ahead of a stopping worker): pending again, and not an attempt.</summary>
    [Alias("Return")]
    [AlwaysInterleave]
    Task<bool> ReturnAsync(string leaseId);

    /// <summary>Extends a lease; false when it is no longer valid (expired, re-issued, cancelled): the worker should stop the case.</summary>
    [Alias("Renew")]
    [AlwaysInterleave]
    Task<bool> RenewAsync(string leaseId);

    /// <summary>Ends a lease whose result the worker has stored. False when the lease was no longer valid (ignored).</summary>
    [Alias("Complete")]
    [AlwaysInterleave]
    Task<bool> CompleteAsync(string leaseId, CaseOutcome outcome);

    /// <summary>Gives a lease back unfinished (worker stopping, store unreachable): counts as an attempt; retried up to the plan's limit.</summary>
    [Alias("Abandon")]
    [AlwaysInterleave]
    Task<bool> AbandonAsync(string leaseId, string reason);
}
