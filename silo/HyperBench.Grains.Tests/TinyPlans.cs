using HyperBench.Contracts;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains.Tests;

/// <summary>Plans whose cases take milliseconds on the cpu backend.</summary>
internal static class TinyPlans
{
    /// <summary>What each test device advertises, so that "too big for every device" does not depend on the machine.</summary>
    public const long DeviceMemoryBytes = 256L << 20;

    /// <summary>A made-up CUDA device of a silo that does not exist, for tests that call a sweep grain as its worker would.</summary>
    public static DeviceView FakeGpu(int i) =>
        new($"10.9.9.9:11111/cuda:{i}", $"cuda:{i}", "cuda", "test GPU", DeviceMemoryBytes, "", "10.9.9.9:11111", DateTime.UtcNow);

    public static SweepPlan Flash(int[] seqLens, double budgetSeconds = 0, double leaseSeconds = 10) => new()
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
        Measurement = MeasurementOptions.ForMinSamples(2, budgetSeconds, 0, 0),
        LeaseSeconds = leaseSeconds,
        MaxAttempts = 3,
        Tag = "test",
    };

    /// <summary>
    /// The rows a sweep of <paramref name="plan"/> has in SQL when it starts (running, every case pending), for a test that stores a
    /// sweep as a silo that is gone left it: <c>await store.CreateSweepAsync(sweep, cases)</c>.
    /// </summary>
    public static (SweepRow Sweep, List<SweepCaseRow> Cases) Rows(string sweepId, SweepPlan plan, string serviceId = SweepRow.DefaultServiceId)
    {
        var cases = plan.ExpandCases();
        var now = DateTime.UtcNow;
        return (SweepRows.Sweep(sweepId, plan, cases.Count, now, serviceId), [.. cases.Select((c, i) => SweepRows.Case(sweepId, c, i, now))]);
    }
}
