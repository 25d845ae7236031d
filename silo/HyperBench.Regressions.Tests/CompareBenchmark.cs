using System.Diagnostics;
using System.Globalization;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Regressions.Tests;

/// <summary>
/// The closing-note figure (run on demand: <c>--filter-method *CompareBenchmark*</c> with explicit tests enabled): two stored sweeps of
/// 100 cases with 1,000 samples each (synthetic timings, a real SQLite file; PostgreSQL too when HYPERBENCH_TEST_POSTGRES is set), compared
/// end to end as `hyperbench compare` does it: resolve both ids, load every sample, test every case, store the 100 verdicts. Prints the time; asserts only the verdicts.
/// </summary>
public sealed class CompareBenchmark
{
    private const int Cases = 100;
    private const int SamplesPerCase = 1000;

    [Fact(Explicit = true)]
    public async Task CompareBenchmark_TwoSweepsOf100CasesWith1000Samples_PrintsTheTime()
    {
        string dir = Directory.CreateTempSubdirectory("hyperbench-compare-bench-").FullName;
        await MeasureAsync(Path.Combine(dir, "bench.db"));
        string? postgres = Environment.GetEnvironmentVariable("HYPERBENCH_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(postgres)) await MeasureOnFreshPostgresAsync(postgres);
    }

    private static async Task MeasureOnFreshPostgresAsync(string admin)
    {
        string name = "hyperbench_cmpbench_" + Guid.NewGuid().ToString("N")[..10];
        await using (var c = new Npgsql.NpgsqlConnection(admin))
        {
            await c.OpenAsync(TestContext.Current.CancellationToken);
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", c);
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        try
        {
            await MeasureAsync(new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await using var c = new Npgsql.NpgsqlConnection(admin);
            await c.OpenAsync(TestContext.Current.CancellationToken);
            await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", c);
            await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
    }

    private static async Task MeasureAsync(string db)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = SweepStoreFactory.Create(db);
        await store.MigrateAsync(ct);
        // The candidate's history: 30 earlier runs of its tag (50 samples each; the history reads their medians only).
        for (int h = 0; h < 30; h++) await StoreSweepAsync(store, "cand", 1.00, seed: 10 + h, ct, samplesPerCase: 50);
        string baseline = await StoreSweepAsync(store, "base", 1.00, seed: 1, ct);
        string candidate = await StoreSweepAsync(store, "cand", 1.10, seed: 2, ct);

        // Where the time goes, in this run (ratios, not absolute bounds): the samples, the history, the tests.
        var parts = Stopwatch.StartNew();
        var (b0, c0) = await SweepReference.ResolveAsync(store, store, baseline, candidate, ct);
        var bs = await store.GetCaseSamplesAsync(b0.SweepId, ct);
        var cs = await store.GetCaseSamplesAsync(c0.SweepId, ct);
        var samplesMs = parts.Elapsed.TotalMilliseconds;
        var history = await SweepComparer.LoadHistoryAsync(store, b0, c0, cs, CompareThresholds.Default, ct);
        var historyMs = parts.Elapsed.TotalMilliseconds - samplesMs;
        SweepComparer.Compare(b0.SweepId, bs, c0.SweepId, cs, CompareThresholds.Default, DateTime.UtcNow, history: history);
        var testsMs = parts.Elapsed.TotalMilliseconds - samplesMs - historyMs;

        var clock = Stopwatch.StartNew();
        var (b, c) = await SweepReference.ResolveAsync(store, store, baseline, candidate, ct);
        // What `compare` runs: both sweeps' samples and every case's history, then the tests.
        var (comparison, mixed) = await SweepComparer.CompareStoredAsync(store, b, c, CompareThresholds.Default, DateTime.UtcNow, ct);
        Assert.Empty(mixed);
        var compared = clock.Elapsed;
        await store.SaveVerdictsAsync(comparison.ToRows(), ct);
        clock.Stop();

        Assert.Equal(Cases, comparison.Cases.Count);
        Assert.All(comparison.Cases, x => Assert.Equal(Verdict.Slower, x.Time.Verdict));
        Assert.All(comparison.Cases, x => Assert.Equal(30, x.Time.Noise.HistoryRuns));
        string line = string.Create(CultureInfo.InvariantCulture,
            $"compare {store.Provider}: {Cases} cases x {SamplesPerCase} samples a side: {clock.Elapsed.TotalMilliseconds:F0} ms end to end " +
            $"(load with 30 runs of history and test {compared.TotalMilliseconds:F0} ms, store {(clock.Elapsed - compared).TotalMilliseconds:F0} ms; " +
            $"a first pass: samples {samplesMs:F0} ms, history {historyMs:F0} ms, tests {testsMs:F0} ms); db {store.Description}");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine(line);
    }

    private static async Task<string> StoreSweepAsync(ISweepStore store, string tag, double scale, int seed, CancellationToken ct,
        int samplesPerCase = SamplesPerCase)
    {
        var cases = Enumerable.Range(0, Cases).Select(i => new BenchmarkCase(KernelKind.Flash, 128 * (1 + (i % 10)), i % 2 == 0, AttentionPass.Forward, 1,
            1 + (i / 20), 64, Seed: (ulong)(100 + i))).ToList();
        string sweepId = $"bench-{tag}-{Guid.NewGuid():N}"[..24];
        var sweep = new SweepRow
        {
            SweepId = sweepId, Tag = tag, PlanJson = "{}", MeasurementJson = "{}", Status = SweepStatus.Completed, CreatedUtc = DateTime.UtcNow,
            CaseCount = Cases,
        };
        await store.CreateSweepAsync(sweep, [.. cases.Select((c, i) => new SweepCaseRow
        {
            SweepId = sweepId, CaseId = c.Id, Ordinal = i, CaseJson = CaseJson.Serialize(c), Status = CaseStatus.Done, UpdatedUtc = DateTime.UtcNow,
        })], ct);
        var environment = new EnvironmentInfo("bench-host", "Linux", "X64", "Bench CPU", 2, ".NET 10", "1.5", "0.1", "abc", "cuda:0", "Bench GPU",
            80L << 30, "driver 1", 1e14, DateTime.UtcNow);
        for (int i = 0; i < cases.Count; i++)
        {
            double[] samples = SampleComparerTests.Timings(seed * 1000 + i, samplesPerCase, 0.001 * (1 + i % 10) * scale);
            await store.SaveResultAsync(sweepId, new CaseResult
            {
                Case = cases[i], DeviceId = "cuda:0", Samples = samples, Statistics = SampleStatistics.From(samples), FirstRunSeconds = 0.01,
            }, environment, "bench-host/cuda:0", 1, ct);
        }
        return sweepId;
    }
}
