using HyperBench.Contracts;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Observability.Tests;

/// <summary>Plans whose cases take milliseconds on the cpu backend.</summary>
internal static class TinyPlan
{
    public static SweepPlan Flash(int[] seqLens) => new()
    {
        Grid = new BenchmarkGrid
        {
            Kernels = [KernelKind.Flash],
            SeqLens = seqLens,
            Causal = [false],
            Passes = [AttentionPass.Forward],
            Batches = [1],
            Heads = [1],
            HeadDims = [64],
        },
        Measurement = MeasurementOptions.ForMinSamples(2, 0, 0, 0),
        LeaseSeconds = 10,
        MaxAttempts = 3,
        Tag = "test",
    };
}
