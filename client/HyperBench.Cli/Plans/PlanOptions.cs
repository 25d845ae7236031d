using HyperBench.Kernels;

namespace HyperBench.Cli.Plans;

/// <summary>
/// The plan options as the user typed them (lists still text), with the command's defaults filled in: what <see cref="PlanBuilder"/>
/// takes, so that Plans needs nothing from Commands.
/// </summary>
public sealed record PlanOptions
{
    public string Kernel { get; init; } = "flash";
    public string N { get; init; } = PlanDefaults.CpuSeqLens;
    public string Causal { get; init; } = "both";
    public string Pass { get; init; } = "fwd,fwdbwd";
    public string Batch { get; init; } = "1";
    public string Heads { get; init; } = "1";
    public string D { get; init; } = "64";
    public string Dtype { get; init; } = "fp32";
    public string Dist { get; init; } = "normal";
    public ulong Seed { get; init; } = 1;
    public HyperParameters Hyper { get; init; } = HyperParameters.Default;

    /// <summary>--bucket-order, --resample, --grad as typed (null: <see cref="Hyper"/>'s own); <see cref="PlanBuilder"/> parses them into it.</summary>
    public string? BucketOrder { get; init; }
    public string? Resample { get; init; }
    public string? Grad { get; init; }

    /// <summary>--short-exact (null: <see cref="Hyper"/>'s own).</summary>
    public bool? ShortExact { get; init; }

    /// <summary>The preset these options started from (--preset), or null.</summary>
    public PlanPreset? Preset { get; init; }
    public int MinSamples { get; init; } = 5;
    public double Budget { get; init; } = 1.0;
    public int Warmup { get; init; } = 1;
    public double WarmupTime { get; init; } = 0.5;
    public int MaxAttempts { get; init; } = 3;
    public double LeaseSeconds { get; init; } = 60;
    public string? Tag { get; init; }

    /// <summary>The noise gate's CV limit (sweep's --cv-limit); null: no gate (kernels bench, --cv-limit off).</summary>
    public double? CvLimit { get; init; }
}
