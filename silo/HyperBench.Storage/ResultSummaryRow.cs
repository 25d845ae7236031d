namespace HyperBench.Storage;

/// <summary>A stored result with its statistics and case fields, flat for tables, CSV and plots.</summary>
public sealed class ResultSummaryRow
{
    public string SweepId { get; set; } = "";
    public string CaseId { get; set; } = "";
    public string Kernel { get; set; } = "";
    public int N { get; set; }
    public bool Causal { get; set; }
    public string Pass { get; set; } = "";
    public int Batch { get; set; }
    public int Heads { get; set; }
    public int D { get; set; }
    public string Dtype { get; set; } = "";
    public string Distribution { get; set; } = "";
    public long Seed { get; set; }
    /// <summary>Hyper parameters canonical text (r=..;b=..;...), null for exact kernels.</summary>
    public string? HyperParameters { get; set; }
    public string DeviceKey { get; set; } = "";
    public string DeviceName { get; set; } = "";
    public string Status { get; set; } = "";
    public string? Error { get; set; }
    public string? InvalidReason { get; set; }
    public int SampleCount { get; set; }
    public double? MedianSeconds { get; set; }
    public double? MeanSeconds { get; set; }
    public double? MinSeconds { get; set; }
    public double? P20Seconds { get; set; }
    public double? P80Seconds { get; set; }
    public double? StdDevSeconds { get; set; }
    public double? CiLowSeconds { get; set; }
    public double? CiHighSeconds { get; set; }
    public double Flops { get; set; }
    public double? Tflops { get; set; }
    public double FirstRunSeconds { get; set; }
    /// <summary>Relative Frobenius error of O against flash (hyper only).</summary>
    public double? RelativeError { get; set; }
    public int Attempt { get; set; }
    public DateTime RecordedUtc { get; set; }

    // Dapper maps the stored epoch milliseconds through this (it sets non-public properties); see UnixTime.
    internal long RecordedAtMs { get => UnixTime.ToMs(RecordedUtc); set => RecordedUtc = UnixTime.FromMs(value); }
}
