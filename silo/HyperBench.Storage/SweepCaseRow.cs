using HyperBench.Kernels.Measurement;

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

    public CaseStatus Status { get; set; } = CaseStatus.Pending;

    public int Attempts { get; set; }

    public string? LeaseId { get; set; }

    public string? DeviceKey { get; set; }

    public DateTime? LeaseExpiresUtc { get; set; }

    /// <summary>The last failure: the final error of a failed case, or why a pending case went back (expired or abandoned lease).</summary>
    public string? Error { get; set; }

    /// <summary>Why the scheduler skipped the case; set only when <see cref="Status"/> is skipped.</summary>
    public string? SkipReason { get; set; }

    public DateTime UpdatedUtc { get; set; }

    // Dapper maps the stored word and epoch milliseconds through these (it sets non-public properties); see UnixTime.
    internal long? LeaseExpiresAtMs { get => UnixTime.ToMs(LeaseExpiresUtc); set => LeaseExpiresUtc = UnixTime.FromMs(value); }

    internal string StatusWord { get => StatusWords.Word(Status); set => Status = StatusWords.Parse<CaseStatus>(value); }

    internal long UpdatedAtMs { get => UnixTime.ToMs(UpdatedUtc); set => UpdatedUtc = UnixTime.FromMs(value); }
}
