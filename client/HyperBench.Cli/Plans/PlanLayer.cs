namespace HyperBench.Cli.Plans;

/// <summary>
/// Plan options that one source sets, as typed (lists still text); null means "not set here, the source below decides". Two sources
/// are layers: the options given on the command line, and a preset (<see cref="Presets"/>). <see cref="PlanBuilder.Resolve"/> puts
/// them over the command's defaults, the given options over the preset, field by field.
/// Flat and text-valued, with the options' own names, so that a preset can be written out as a plan file as it stands.
/// </summary>
public sealed record PlanLayer
{
    public string? Kernel { get; init; }
    public string? N { get; init; }
    public string? Causal { get; init; }
    public string? Pass { get; init; }
    public string? Batch { get; init; }
    public string? Heads { get; init; }
    public string? D { get; init; }
    public string? Dtype { get; init; }
    public string? Dist { get; init; }
    public ulong? Seed { get; init; }
    public int? LshProjections { get; init; }
    public int? BlockSize { get; init; }
    public int? Samples { get; init; }
    public int? MinSeqLen { get; init; }
    public string? Sampling { get; init; }
    public string? BucketOrder { get; init; }
    public string? Resample { get; init; }
    public bool? ShortExact { get; init; }
    public string? Grad { get; init; }
    public int? MinSamples { get; init; }
    public double? Budget { get; init; }
    public int? Warmup { get; init; }
    public double? WarmupTime { get; init; }

    public static PlanLayer None { get; } = new();
}
