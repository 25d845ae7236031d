namespace HyperBench.Storage;

/// <summary>
/// One case of one sweep and its scheduling state: the lease (device, expiry) and attempts survive a restart, so a
/// resumed sweep knows what is left. Keyed by (SweepId, CaseId).
/// </summary>
public sealed class SweepCaseRow
{
    public string SweepId { get; set; } = "";

    /// <summary><see cref="HyperBench.Kernels.Measurement.BenchmarkCase.Id"/>.</summary>
    public string CaseId { get; set; } = "";

    /// <summary>Position in the expanded plan (cases run in this order).</summary>
    public int Ordinal { get; set; }

    /// <summary>The case, JSON (<see cref="CaseJson"/>).</summary>
    public string CaseJson { get; set; } = "";

    public string Status { get; set; } = "pending";

    public int Attempts { get; set; }

    public string? LeaseId { get; set; }

    public string? DeviceKey { get; set; }

    public DateTime? LeaseExpiresUtc { get; set; }

    public string? Error { get; set; }

    public DateTime UpdatedUtc { get; set; }

    // Dapper maps the stored epoch milliseconds through these (it sets non-public properties); see UnixTime.
    internal long? LeaseExpiresAtMs { get => UnixTime.ToMs(LeaseExpiresUtc); set => LeaseExpiresUtc = UnixTime.FromMs(value); }

    internal long UpdatedAtMs { get => UnixTime.ToMs(UpdatedUtc); set => UpdatedUtc = UnixTime.FromMs(value); }
}
