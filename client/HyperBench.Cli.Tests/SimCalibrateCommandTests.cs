using HyperBench.Kernels;
using HyperBench.Kernels.Backends.Simulated;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Cli.Tests;

/// <summary>`hyperbench sim calibrate` as a real process on a real SQLite store with sweeps stored through the store's own API.</summary>
public sealed class SimCalibrateCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task SaveSweepAsync(ISweepStore store, string sweepId, string deviceName, Func<BenchmarkCase, double> seconds)
    {
        BenchmarkCase[] cases = [.. new[] { 256, 512, 1024, 2048 }.SelectMany(n => new[] { false, true }
            .Select(causal => new BenchmarkCase(KernelKind.Flash, n, causal, AttentionPass.Forward, 1, 1, 64)))];
        var now = new DateTime(2026, 11, 1, 2, 0, 0, DateTimeKind.Utc);
        await store.CreateSweepAsync(new SweepRow
        {
            SweepId = sweepId, PlanJson = "{}", MeasurementJson = "{}", Status = SweepStatus.Completed, CreatedUtc = now, CaseCount = cases.Length,
        }, [.. cases.Select((c, i) => new SweepCaseRow { SweepId = sweepId, CaseId = c.Id, Ordinal = i, CaseJson = CaseJson.Serialize(c), Status = CaseStatus.Done })], Ct);
        var environment = new EnvironmentInfo("node-a", "Debian 13", "X64", "Test CPU", 16, ".NET 10.0.0", "1.5.3.0", "0.1.0", "c1", "cuda:0", deviceName,
            40L << 30, "cc 9.0", 6.7e13, now);
        foreach (var c in cases)
        {
            double[] samples = [seconds(c) * 0.99, seconds(c), seconds(c) * 1.01];
            var result = new CaseResult { Case = c, DeviceId = "cuda:0", Samples = samples, Statistics = SampleStatistics.From(samples), MemoryBytesEstimate = 1 << 20 };
            Assert.True(await store.SaveResultAsync(sweepId, result, environment, "node-a/cuda:0", 1, Ct));
        }
    }

    [Fact]
    public async Task Calibrate_PowerLawSweep_WritesAModelThatRecoversIt_AndRefusesSimulatedOrMissingSweeps()
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "cal.db");
        await using (var store = SweepStoreFactory.Create(db))
        {
            await store.MigrateAsync(Ct);
            // Full: 1e-11 * flops^1.0; causal: 3e-9 * flops^0.8.
            await SaveSweepAsync(store, "real", "Test GPU 9000", c => c.Causal ? 3e-9 * Math.Pow(c.Flops, 0.8) : 1e-11 * c.Flops);
            await SaveSweepAsync(store, "played-back", "simulated (cpu-default)", c => 1e-3);
        }
        string file = Path.Combine(dir, "models", "gpu9000.json");

        var run = CliProcess.Run(dir, new Dictionary<string, string?> { ["COLUMNS"] = "200" }, "sim", "calibrate", "--from-sweep", "real", "--db", db, "--out", file);

        Assert.True(run.ExitCode == 0, run.Output);
        var model = SimModel.Load(file);
        Assert.Equal(("gpu9000", 40L << 30, 2), (model.Name, model.MemoryBytes, model.Groups.Count));
        var full = model.Groups.Single(g => !g.Causal).Fit;
        var causal = model.Groups.Single(g => g.Causal).Fit;
        Assert.Equal(1.0, full.B, 1e-6);
        Assert.Equal(0.8, causal.B, 1e-6);
        Assert.Equal(1e-11 * 1e9, model.Seconds(new BenchmarkCase(KernelKind.Flash, 1, false, AttentionPass.Forward, 1, 1, 64)) * 1e9 / 256, 1e-6);
        Assert.Contains("Test GPU 9000", model.CalibratedFrom, StringComparison.Ordinal);
        Assert.Contains("not measurements", run.Output, StringComparison.Ordinal);

        var simulated = CliProcess.Run(dir, "sim", "calibrate", "--from-sweep", "played-back", "--db", db, "--out", Path.Combine(dir, "x.json"));
        Assert.True(simulated.ExitCode == 2, simulated.Output);
        Assert.Contains("simulated (cpu-default)", simulated.Output, StringComparison.Ordinal);
        var missing = CliProcess.Run(dir, "sim", "calibrate", "--from-sweep", "nope", "--db", db, "--out", Path.Combine(dir, "x.json"));
        Assert.True(missing.ExitCode == 2, missing.Output);
        Assert.Contains("'nope'", missing.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "x.json")));
    }
}
