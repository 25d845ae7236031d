namespace HyperBench.Storage;

/// <summary>One row of <c>regression_verdicts</c>: a case's verdict in one comparison, with its statistics and thresholds (docs/regressions.md).</summary>
public sealed class RegressionVerdictRow
{
    public string ComparisonId { get; set; } = "";
    public string BaselineSweepId { get; set; } = "";
    public string CandidateSweepId { get; set; } = "";
    public string CaseId { get; set; } = "";
    public string Kernel { get; set; } = "";
    public int N { get; set; }
    public bool Causal { get; set; }
    public string Pass { get; set; } = "";
    public string Dtype { get; set; } = "";
    public int BaselineSamples { get; set; }
    public int CandidateSamples { get; set; }
    public double? BaselineMedianSeconds { get; set; }
    public double? CandidateMedianSeconds { get; set; }
    /// <summary>Candidate median / baseline median - 1: positive is slower.</summary>
    public double? Change { get; set; }
    public double? PValue { get; set; }
    public double? BaselineCv { get; set; }
    public double? CandidateCv { get; set; }
    /// <summary>The verdict's one spelling (HyperBench.Regressions' VerdictNames): faster, slower, same, noisy, insufficient.</summary>
    public string Verdict { get; set; } = "";
    public double? BaselineRelativeError { get; set; }
    public double? CandidateRelativeError { get; set; }
    public double? ErrorChange { get; set; }
    public bool ErrorRegressed { get; set; }
    public string Detail { get; set; } = "";
    public double EffectThreshold { get; set; }
    public double Alpha { get; set; }
    public double CvLimit { get; set; }
    public double ErrorThreshold { get; set; }
    public double ErrorFloor { get; set; }
    /// <summary>Baseline robust CV (1.4826 x MAD / median), what the noise gate reads; null in rows stored before migration 0009.</summary>
    public double? BaselineRobustCv { get; set; }
    public double? CandidateRobustCv { get; set; }
    /// <summary>Earlier runs of the case the noise floor was learned from (null before migration 0009).</summary>
    public int? HistoryRuns { get; set; }
    /// <summary>One between-run standard deviation of the change of the median; null with too little history.</summary>
    public double? NoiseFloor { get; set; }
    /// <summary>The effect threshold actually applied: max(EffectThreshold, (1 + NoiseFloor)^NoiseK - 1), or EffectThreshold without a floor.</summary>
    public double? AppliedThreshold { get; set; }
    public double? NoiseK { get; set; }
    public DateTime DecidedUtc { get; set; }
    /// <summary>true_positive or false_positive once labelled; null until then.</summary>
    public string? Label { get; set; }
    public DateTime? LabelledUtc { get; set; }
    public string? LabelNote { get; set; }

    internal long DecidedAtMs { get => UnixTime.ToMs(DecidedUtc); set => DecidedUtc = UnixTime.FromMs(value); }

    internal long? LabelledAtMs { get => UnixTime.ToMs(LabelledUtc); set => LabelledUtc = UnixTime.FromMs(value); }
}
