using HyperBench.Kernels.Measurement;

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
    /// <summary>The device model as the backend names it (GPU name, or the CPU's /proc/cpuinfo model name).</summary>
    public string DeviceName { get; set; } = "";
    /// <summary>The backend's device id: cpu, ilgpu-cpu, cuda:0, ...</summary>
    public string DeviceId { get; set; } = "";
    /// <summary>Compute capability and driver, or cores, ISA and clock: the rest of what identifies the device model.</summary>
    public string DeviceDetail { get; set; } = "";
    public long DeviceMemoryBytes { get; set; }
    public string HostName { get; set; } = "";
    public string GitCommit { get; set; } = "";
    public ResultStatus Status { get; set; }
    public string? Error { get; set; }
    public string? InvalidReason { get; set; }
    public int SampleCount { get; set; }
    public double? MedianSeconds { get; set; }
    public double? MeanSeconds { get; set; }
    public double? MinSeconds { get; set; }
    public double? P20Seconds { get; set; }
    public double? P80Seconds { get; set; }
    public double? StdDevSeconds { get; set; }
    public double? MaxSeconds { get; set; }
    /// <summary>Coefficient of variation of the samples (stddev / mean).</summary>
    public double? CoefficientOfVariation { get; set; }
    public double? CiLowSeconds { get; set; }
    public double? CiHighSeconds { get; set; }
    public double Flops { get; set; }
    public double? Tflops { get; set; }
    public double FirstRunSeconds { get; set; }
    /// <summary>Relative Frobenius error of O against flash (hyper only).</summary>
    public double? RelativeError { get; set; }
    /// <summary>‖E‖₂/‖V‖₂ of O, the worst measured head (hyper only): the ratio the HyperAttention paper bounds.</summary>
    public double? SpectralOverV { get; set; }
    /// <summary>Mean cosine similarity of the rows of O and of the exact O (hyper only).</summary>
    public double? MeanRowCosine { get; set; }
    public int? HeadsMeasured { get; set; }
    public int? HeadsTotal { get; set; }
    public int Attempt { get; set; }
    public DateTime RecordedUtc { get; set; }

    /// <summary>When the case started and ended on its device (wall clock); null for results stored before schema version 3.</summary>
    public DateTime? StartedUtc { get; set; }

    public DateTime? EndedUtc { get; set; }

    /// <summary>Why the device has no telemetry for this case ("cpu device", "NVML unavailable: ..."); null when it was sampled (or before version 3).</summary>
    public string? TelemetryNote { get; set; }

    /// <summary>The noise gate's label: true when the case's CV stayed above the limit after its re-measure, false when the re-measure settled it, null when it was not re-measured.</summary>
    public bool? Noisy { get; set; }

    // Dapper maps the stored word and epoch milliseconds through these (it sets non-public properties); see UnixTime.
    internal string StatusWord { get => StatusWords.Word(Status); set => Status = StatusWords.Parse<ResultStatus>(value); }

    internal long RecordedAtMs { get => UnixTime.ToMs(RecordedUtc); set => RecordedUtc = UnixTime.FromMs(value); }

    internal long? StartedAtMs { get => UnixTime.ToMs(StartedUtc); set => StartedUtc = UnixTime.FromMs(value); }

    internal long? EndedAtMs { get => UnixTime.ToMs(EndedUtc); set => EndedUtc = UnixTime.FromMs(value); }
}
