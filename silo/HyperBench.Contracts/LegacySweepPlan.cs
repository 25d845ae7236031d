using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>
/// A plan as stored before the grid and the measurement options were nested records (flat fields, one batch and one head count,
/// names for kernels and passes): read so that an unfinished sweep of that version can still be resumed.
/// </summary>
internal sealed record LegacySweepPlan
{
    public string[] Kernels { get; init; } = ["flash"];
    public int[] SeqLens { get; init; } = [1024, 2048, 4096];
    public bool[] Causal { get; init; } = [false];
    public string[] Passes { get; init; } = ["fwd"];
    public int Batch { get; init; } = 1;
    public int Heads { get; init; } = 8;
    public int[] HeadDims { get; init; } = [64];
    public string[] Dtypes { get; init; } = ["fp32"];
    public string[] Distributions { get; init; } = ["normal"];
    public ulong Seed { get; init; } = 1;
    public int LshProjections { get; init; } = HyperParameters.Default.LshProjections;
    public int BlockSize { get; init; } = HyperParameters.Default.BlockSize;
    public int Samples { get; init; } = HyperParameters.Default.Samples;
    public int MinSeqLen { get; init; } = HyperParameters.Default.MinSeqLen;
    public string Sampling { get; init; } = HyperParameters.Default.Sampling;
    public int MinSamples { get; init; } = 5;
    public double BudgetSeconds { get; init; } = 1.0;
    public int WarmupRuns { get; init; } = 1;
    public double WarmupSeconds { get; init; } = 0.5;
    public int MaxAttempts { get; init; } = 3;
    public double LeaseSeconds { get; init; } = 60;
    public string? Tag { get; init; }
    public string[] Devices { get; init; } = [];

    /// <exception cref="ArgumentException">A kernel, pass or dtype name this version does not know (names it).</exception>
    public SweepPlan ToPlan() => new()
    {
        Grid = new BenchmarkGrid
        {
            Kernels = [.. Kernels.Select(k => k switch
            {
                "flash" => KernelKind.Flash,
                "hyper" => KernelKind.Hyper,
                _ => throw new ArgumentException($"kernel '{k}' is not known.", nameof(Kernels)),
            })],
            SeqLens = SeqLens,
            Causal = Causal,
            Passes = [.. Passes.Select(p => AttentionPassNames.Spellings.TryGetValue(p, out var pass)
                ? pass
                : throw new ArgumentException($"pass '{p}' is not known.", nameof(Passes)))],
            Batches = [Batch],
            Heads = [Heads],
            HeadDims = HeadDims,
            Dtypes = [.. Dtypes.Select(DtypeNames.Parse)],
            Distributions = Distributions,
            Seed = Seed,
            Hyper = new HyperParameters(LshProjections, BlockSize, Samples, MinSeqLen, Sampling),
        },
        Measurement = MeasurementOptions.ForMinSamples(MinSamples, BudgetSeconds, WarmupRuns, WarmupSeconds),
        MaxAttempts = MaxAttempts,
        LeaseSeconds = LeaseSeconds,
        Tag = Tag,
        Devices = Devices,
    };
}
