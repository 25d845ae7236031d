using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using HyperBench.Contracts;
using HyperBench.Kernels;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Grains.Tests;

/// <summary>
/// What the orchestrator costs per case (lease, heartbeat, store, complete) beyond the measurement itself, against the engine
/// called directly, and against a 4096-length flash case. Goal: under 5 ms per case and under 2% of that case.
/// Runs only with HYPERBENCH_BENCH=1 (it takes a minute and its numbers are for a report, not a gate).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OrchestrationOverheadBenchmark
{
    private const int Cases = 200;

    [Fact]
    [Trait("Category", "Benchmark")]
    public async Task Overhead_TinyCasesThroughOneSilo_ReportsMedianAndP99()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("HYPERBENCH_BENCH") == "1", "set HYPERBENCH_BENCH=1 to run the overhead benchmark");
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper!;
        var plan = TinyPlans.Flash(Enumerable.Range(0, Cases).Select(i => 64 + i).ToArray(), leaseSeconds: 30);

        // The engine alone, same cases, same backend.
        var direct = new List<double>();
        using (var backend = BackendFactory.Create("cpu"))
        {
            var engine = new BenchmarkEngine(backend, plan.Measurement);
            foreach (var c in plan.Grid.Expand().Take(20)) engine.Run(c, null, ct); // JIT and caches out of the way
            foreach (var c in plan.Grid.Expand())
            {
                long start = Stopwatch.GetTimestamp();
                engine.Run(c, null, ct);
                direct.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }

        // The same cases through one silo with one cpu worker and the SQLite store.
        var overhead = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HyperBenchMetrics.MeterName && instrument.Name == HyperBenchMetrics.OverheadInstrument) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (overhead) overhead.Add(value);
        });
        listener.Start();
        await using var store = await SqliteTestStore.CreateAsync(ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: ct);
        await cluster.Sweep("warm").StartAsync(plan with { Grid = plan.Grid with { SeqLens = [64, 65, 66, 67, 68, 69, 70, 71, 72, 73] } });
        await cluster.WaitFinishedAsync("warm", TimeSpan.FromSeconds(60), ct);
        lock (overhead) overhead.Clear();
        var wall = Stopwatch.StartNew();
        await cluster.Sweep("bench").StartAsync(plan);
        var status = await cluster.WaitFinishedAsync("bench", TimeSpan.FromSeconds(300), ct);
        wall.Stop();

        double flash4096;
        using (var backend = BackendFactory.Create("cpu"))
        {
            var big = new BenchmarkCase(KernelKind.Flash, 4096, false, AttentionPass.Forward, 1, 1, 64);
            var result = new BenchmarkEngine(backend, new MeasurementOptions(minSamples: 5, budgetSeconds: 1)).Run(big, null, ct);
            flash4096 = result.Statistics!.Median;
        }

        Assert.Equal(Cases, status.Done);
        double[] o;
        lock (overhead) o = [.. overhead.Order()];
        Assert.Equal(Cases, o.Length);
        double med = Percentile(o, 0.5), p99 = Percentile(o, 0.99);
        double[] d = [.. direct.Order()];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"orchestration overhead per case ({Cases} cases, 1 silo, cpu worker, SQLite): median {med * 1e3:F2} ms, p99 {p99 * 1e3:F2} ms, mean {o.Average() * 1e3:F2} ms"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"engine alone per case: median {Percentile(d, 0.5) * 1e3:F2} ms, p99 {Percentile(d, 0.99) * 1e3:F2} ms; sweep wall {wall.Elapsed.TotalSeconds:F2} s = {wall.Elapsed.TotalMilliseconds / Cases:F2} ms/case"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"flash n=4096 fwd b1 h1 d64 on cpu: median {flash4096 * 1e3:F1} ms; overhead median = {med / flash4096 * 100:F2}%, p99 = {p99 / flash4096 * 100:F2}%"));
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
