using HyperBench.Contracts;

namespace HyperBench.Grains.Tests;

/// <summary>Plans whose cases take milliseconds on the cpu backend.</summary>
internal static class TinyPlans
{
    /// <summary>What each test device advertises, so that "too big for every device" does not depend on the machine.</summary>
    public const long DeviceMemoryBytes = 256L << 20;

    public static SweepPlan Flash(int[] seqLens, double budgetSeconds = 0, double leaseSeconds = 10) => new()
    {
        Kernels = ["flash"],
        SeqLens = seqLens,
        Causal = [false],
        Passes = ["fwd"],
        Batch = 1,
        Heads = 1,
        HeadDims = [64],
        MinSamples = 2,
        BudgetSeconds = budgetSeconds,
        WarmupRuns = 0,
        WarmupSeconds = 0,
        LeaseSeconds = leaseSeconds,
        MaxAttempts = 3,
        Tag = "test",
    };
}
