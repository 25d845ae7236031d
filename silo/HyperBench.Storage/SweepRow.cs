using HyperBench.Kernels.Measurement;

namespace HyperBench.Storage;

/// <summary>A sweep as stored: its plan (JSON, as submitted) and progress. Times are UTC.</summary>
public sealed class SweepRow
{
    /// <summary>The service id of rows stored before sweeps had one, and HyperBench:ServiceId's default.</summary>
    public const string DefaultServiceId = "hyperbench";

    public string SweepId { get; set; } = "";

    public string? Tag { get; set; }

    /// <summary>The submitted plan, JSON: enough to show and to re-expand it.</summary>
    public string PlanJson { get; set; } = "";

    /// <summary>Measurement options (min samples, budget, warm-up), JSON.</summary>
    public string MeasurementJson { get; set; } = "";

    public SweepStatus Status { get; set; } = SweepStatus.Running;

    public DateTime CreatedUtc { get; set; }

    public DateTime? FinishedUtc { get; set; }

    public int CaseCount { get; set; }

    public int DoneCount { get; set; }

    public int FailedCount { get; set; }

    public int SkippedCount { get; set; }

    /// <summary>The sweep whose noisy cases this one re-measures (the noise gate), or null.</summary>
    public string? ParentSweepId { get; set; }

    /// <summary>
    /// The Orleans service id of the cluster that created the sweep: only that service's silos resume it and lease its cases
    /// (clusters sharing one database stay apart, docs/security.md). Readers (results, compare, history) ignore it.
    /// </summary>
    public string ServiceId { get; set; } = DefaultServiceId;

    // Dapper maps the stored word and epoch milliseconds through these (it sets non-public properties); see UnixTime.
    internal string StatusWord { get => StatusWords.Word(Status); set => Status = StatusWords.Parse<SweepStatus>(value); }

    internal long CreatedAtMs { get => UnixTime.ToMs(CreatedUtc); set => CreatedUtc = UnixTime.FromMs(value); }

    internal long? FinishedAtMs { get => UnixTime.ToMs(FinishedUtc); set => FinishedUtc = UnixTime.FromMs(value); }
}
