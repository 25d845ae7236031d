using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Storage.Tests;

/// <summary>Sweeps, cases and results with known values, so that what comes back can be compared exactly.</summary>
internal static class TestData
{
    public static readonly DateTime Created = new(2026, 3, 1, 12, 30, 15, 250, DateTimeKind.Utc);

    public static EnvironmentInfo Environment(string host = "node-a", DateTime? captured = null) => new(
        host, "Debian 12", "X64", "Test CPU @ 3 GHz", 16, ".NET 10.0.0", "1.5.3.0", "0.1.0", "abc123", "cpu:0", "ILGPU CPU", 64L << 30,
        "simd=avx2", 1.5e12, captured ?? Created);

    public static BenchmarkCase Case(int n, KernelKind kernel = KernelKind.Flash, bool causal = false) =>
        new(kernel, n, causal, AttentionPass.Forward, 1, 2, 64, Seed: 42);

    /// <summary>count samples 1e-3, 2e-3, ... in a known (unsorted) order.</summary>
    public static IReadOnlyList<double> Samples(int count) =>
        [.. Enumerable.Range(0, count).Select(i => (((i * 7) % count) + 1) * 1e-3)];

    public static CaseResult Result(BenchmarkCase benchmarkCase, int sampleCount = 25, bool withAccuracy = false)
    {
        var samples = Samples(sampleCount);
        return new CaseResult
        {
            Case = benchmarkCase,
            DeviceId = "cpu:0",
            Samples = samples,
            Statistics = SampleStatistics.From(samples),
            FirstRunSeconds = 0.5,
            MemoryBytesEstimate = 123_456_789,
            Accuracy = withAccuracy
                ? new AccuracyReport([new AccuracyMetric("o", 0.012, 0.034, 0.9991), new AccuracyMetric("dq", 0.05, 0.06, 0.98)], 2, 4)
                : null,
        };
    }

    public static CaseResult Failed(BenchmarkCase benchmarkCase) =>
        new() { Case = benchmarkCase, DeviceId = "cpu:0", Error = "out of memory", FirstRunSeconds = 0 };

    public static (SweepRow Sweep, List<SweepCaseRow> Cases) Sweep(params BenchmarkCase[] cases)
    {
        string sweepId = "sw-" + Guid.NewGuid().ToString("N")[..12];
        var sweep = new SweepRow
        {
            SweepId = sweepId,
            Tag = "nightly",
            PlanJson = """{"kernels":["flash"]}""",
            MeasurementJson = """{"min_samples":25}""",
            Status = SweepStatus.Running,
            CreatedUtc = Created,
            CaseCount = cases.Length,
        };
        var rows = cases.Select((c, i) => new SweepCaseRow
        {
            SweepId = sweepId,
            CaseId = c.Id,
            Ordinal = i,
            CaseJson = CaseJson.Serialize(c),
            Status = CaseStatus.Pending,
            UpdatedUtc = Created,
        }).ToList();
        return (sweep, rows);
    }
}
