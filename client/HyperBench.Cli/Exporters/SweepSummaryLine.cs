using HyperBench.Kernels.Measurement;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// One row of a sweep's summary: a stored result with what identifies it (case, hyper parameters, seed, sweep, device) plus, for
/// HyperAttention, its speed-up over the flash result of the same (n, causal, pass, shape, inputs, device) in the same sweep.
/// Property order is the JSON export's field order.
/// </summary>
public sealed record SweepSummaryLine
{
    public string SweepId { get; init; } = "";
    public required string CaseId { get; init; }
    public required string Kernel { get; init; }
    public required int N { get; init; }
    public required bool Causal { get; init; }
    public required string Pass { get; init; }
    public int Batch { get; init; } = 1;
    public int Heads { get; init; } = 1;
    public int D { get; init; } = 64;
    public string Dtype { get; init; } = "fp32";
    public string Distribution { get; init; } = "normal";
    public ulong Seed { get; init; }

    /// <summary>HyperAttention's r: LSH projections (null for exact kernels; so are b, m, min_seq_len and sampling).</summary>
    public int? R { get; init; }

    /// <summary>HyperAttention's b: block size of the block-diagonal part.</summary>
    public int? B { get; init; }

    /// <summary>HyperAttention's m: sampled keys.</summary>
    public int? M { get; init; }

    public int? MinSeqLen { get; init; }
    public string? Sampling { get; init; }

    /// <summary>The device model (GPU name, CPU model name).</summary>
    public string Device { get; init; } = "";

    /// <summary>The backend's device id: cpu, ilgpu-cpu, cuda:0, ...</summary>
    public string DeviceId { get; init; } = "";

    /// <summary>Compute capability and driver, or cores, ISA and clock.</summary>
    public string DeviceDetail { get; init; } = "";

    /// <summary>The silo's key of the device that ran the case (silo address / device id).</summary>
    public string DeviceKey { get; init; } = "";

    public string HostName { get; init; } = "";
    public required ResultStatus Status { get; init; }
    public double? MedianSeconds { get; init; }
    public double? CiLowSeconds { get; init; }
    public double? CiHighSeconds { get; init; }

    /// <summary>Coefficient of variation of the samples (stddev / mean).</summary>
    public double? Cv { get; init; }

    public int Samples { get; init; }
    public double? Tflops { get; init; }
    public double? Speedup { get; init; }

    /// <summary>‖O_hyper − O_exact‖_F / ‖O_exact‖_F: large on diffuse attention by construction (docs/accuracy.md).</summary>
    public double? RelativeError { get; init; }

    /// <summary>‖O_hyper − O_exact‖₂ / ‖V‖₂, the worst measured head: the ratio the HyperAttention paper bounds.</summary>
    public double? SpectralOverV { get; init; }

    /// <summary>Mean cosine similarity of the rows of O and the exact O.</summary>
    public double? MeanRowCosine { get; init; }

    /// <summary>Why the timing should not be trusted as it stands (CV of 20% or more, causal no faster than non-causal); null when it looks clean.</summary>
    public string? Noise { get; init; }

    public string? Error { get; init; }
}
