namespace HyperBench.Storage;

/// <summary>One stored result of a case on a device model: a point of that case's history, with the sweep and commit it came from.</summary>
public sealed class HistoryPoint
{
    public string SweepId { get; set; } = "";
    public string? Tag { get; set; }
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
    public string? HyperParameters { get; set; }

    /// <summary>The device model (environments.device_name).</summary>
    public string DeviceModel { get; set; } = "";

    /// <summary>environments.git_commit of the build that measured it.</summary>
    public string GitCommit { get; set; } = "";

    public double MedianSeconds { get; set; }
    public int SampleCount { get; set; }
    public double CoefficientOfVariation { get; set; }
    public DateTime RecordedUtc { get; set; }
    public DateTime SweepCreatedUtc { get; set; }

    internal long RecordedAtMs { get => UnixTime.ToMs(RecordedUtc); set => RecordedUtc = UnixTime.FromMs(value); }

    internal long SweepCreatedAtMs { get => UnixTime.ToMs(SweepCreatedUtc); set => SweepCreatedUtc = UnixTime.FromMs(value); }
}
