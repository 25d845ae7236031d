using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Cli.Tests;

/// <summary>
/// `hyperbench history` and `hyperbench curves` as real processes on a real SQLite store: runs stored through the store's own write
/// API with controlled samples (a planted step at a known run and commit), beside one real sweep of the engine.
/// </summary>
public sealed class HistoryCommandTests
{
    private static readonly DateTime T0 = new(2026, 11, 1, 2, 0, 0, DateTimeKind.Utc);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static BenchmarkCase Case(KernelKind kernel, int n) => new(kernel, n, false, AttentionPass.Forward, 1, 1, 64, Seed: 1);

    private static EnvironmentInfo Environment(string commit, string device = "Test GPU 9000") => new(
        "node-a", "Debian 13", "X64", "Test CPU", 16, ".NET 10.0.0", "1.5.3.0", "0.1.0", commit, "cuda:0", device, 80L << 30, "cc 9.0", 6.7e13, T0);

    /// <summary>One stored sweep: each case's 20 samples at its level with 1% seeded noise.</summary>
    private static async Task<string> SaveRunAsync(ISweepStore store, int run, string commit, string? tag, string planJson,
        params (BenchmarkCase Case, double Level)[] cases)
    {
        string sweepId = $"run-{run:D2}";
        await store.CreateSweepAsync(new SweepRow
        {
            SweepId = sweepId, Tag = tag, PlanJson = planJson, MeasurementJson = "{}", Status = SweepStatus.Completed,
            CreatedUtc = T0.AddDays(run), FinishedUtc = T0.AddDays(run).AddMinutes(5), CaseCount = cases.Length, DoneCount = cases.Length,
        }, [.. cases.Select((c, i) => new SweepCaseRow
        {
            SweepId = sweepId, CaseId = c.Case.Id, Ordinal = i, CaseJson = CaseJson.Serialize(c.Case), Status = CaseStatus.Done, UpdatedUtc = T0,
        })], Ct);
        var random = new Random(run * 1000 + 17);
        foreach (var (benchmarkCase, level) in cases)
        {
            double[] samples = [.. Enumerable.Range(0, 20).Select(_ => level * (1 + 0.01 * (random.NextDouble() * 2 - 1) * 1.7))];
            var result = new CaseResult
            {
                Case = benchmarkCase, DeviceId = "cuda:0", Samples = samples, Statistics = SampleStatistics.From(samples), FirstRunSeconds = 0.1,
                MemoryBytesEstimate = 1 << 20,
            };
            Assert.True(await store.SaveResultAsync(sweepId, result, Environment(commit), "node-a/cuda:0", 1, Ct));
        }
        return sweepId;
    }

    [Fact]
    public async Task History_PlantedStepAndRecovery_AttributedToTheirSweepsAndCommits_WithPlot()
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "hyperbench-results", "hyperbench.db");
        // One real sweep through the engine (cpu backend, tiny n): its case shows up with the commit the environment recorded.
        var real = CliProcess.Run(dir, "sweep", "--device", "cpu", "--kernel", "flash", "--n", "64", "--causal", "false", "--pass", "fwd",
            "--min-samples", "2", "--budget", "0", "--warmup", "0", "--warmup-time", "0");
        Assert.True(real.ExitCode == 0, real.Output);

        // 16 nightly runs, one commit each: flash 4k steps up 25% at run 6 and comes back at run 11; hyper 4k stays flat.
        var flash = Case(KernelKind.Flash, 4096);
        var hyper = Case(KernelKind.Hyper, 4096);
        await using (var store = SweepStoreFactory.Create(db))
        {
            await store.MigrateAsync(Ct);
            for (int run = 0; run < 16; run++)
                await SaveRunAsync(store, run, $"commit{run:D2}-" + new string('f', 32), "nightly", "{}",
                    (flash, run is >= 6 and < 11 ? 1.25e-3 : 1.0e-3), (hyper, 0.4e-3));
        }

        string png = Path.Combine(dir, "history.png");
        var json = CliProcess.Run(dir, "history", "--format", "json", "--plot", png);
        Assert.True(json.ExitCode == 0, json.Output);
        using var doc = JsonDocument.Parse(json.Output[..(json.Output.LastIndexOf('}') + 1)]);
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(3, cases.Count);

        var flashCase = cases.Single(c => c.GetProperty("case_id").GetString() == flash.Id);
        var points = flashCase.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(16, points.Count);
        Assert.Equal([.. Enumerable.Range(0, 16).Select(r => $"run-{r:D2}")], points.Select(p => p.GetProperty("sweep_id").GetString()).ToArray());
        Assert.StartsWith("commit03-", points[3].GetProperty("git_commit").GetString(), StringComparison.Ordinal);
        var steps = flashCase.GetProperty("change_points").EnumerateArray().ToList();
        Assert.Equal(2, steps.Count);
        Assert.Equal((6, "slower", "run-06", "run-05"), (steps[0].GetProperty("index").GetInt32(), steps[0].GetProperty("direction").GetString(),
            steps[0].GetProperty("sweep_id").GetString(), steps[0].GetProperty("previous_sweep_id").GetString()));
        Assert.StartsWith("commit06-", steps[0].GetProperty("git_commit").GetString(), StringComparison.Ordinal);
        Assert.InRange(steps[0].GetProperty("median_change_percent").GetDouble(), 22, 28);
        Assert.Equal((11, "faster", "run-11"), (steps[1].GetProperty("index").GetInt32(), steps[1].GetProperty("direction").GetString(),
            steps[1].GetProperty("sweep_id").GetString()));
        Assert.InRange(steps[1].GetProperty("median_change_percent").GetDouble(), -23, -17);
        Assert.Empty(cases.Single(c => c.GetProperty("case_id").GetString() == hyper.Id).GetProperty("change_points").EnumerateArray());

        var realCase = cases.Single(c => c.GetProperty("n").GetInt32() == 64);
        var realPoint = Assert.Single(realCase.GetProperty("points").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(realPoint.GetProperty("git_commit").GetString()));
        Assert.True(realPoint.GetProperty("median_seconds").GetDouble() > 0);

        byte[] header = new byte[8];
        await using (var file = File.OpenRead(png)) Assert.Equal(8, await file.ReadAsync(header, Ct));
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, header);

        // The table, filtered to the flash case by tag: the medians with their commits, and the step named with its sweep and commit.
        var table = CliProcess.Run(dir, new Dictionary<string, string?> { ["COLUMNS"] = "200" },
            "history", "--kernel", "flash", "--n", "4k", "--tag", "nightly", "--db", db);
        Assert.True(table.ExitCode == 0, table.Output);
        Assert.Contains("1 case(s), 16 stored run(s)", table.Output, StringComparison.Ordinal);
        Assert.Contains("commit06-fff", table.Output, StringComparison.Ordinal);
        Assert.Matches(@"\+2\d\.\d% slower at run 6, sweep run-06 commit commit06-fff", table.Output);
        Assert.Matches(@"-\d\d\.\d% faster at run 11, sweep run-11 commit commit11-fff", table.Output);

        var changed = CliProcess.Run(dir, "history", "--format", "csv", "--only-changes");
        Assert.True(changed.ExitCode == 0, changed.Output);
        Assert.Equal(17, changed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // the header and flash 4k's 16 runs
        Assert.Contains($"{flash.Id},flash,4096,false,fwd,fp32,Test GPU 9000,6,", changed.Output, StringComparison.Ordinal);

        var csv = CliProcess.Run(dir, "history", "--format", "csv", "--kernel", "hyper");
        Assert.True(csv.ExitCode == 0, csv.Output);
        var lines = csv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(17, lines.Length);
        Assert.StartsWith("case_id,kernel,n,causal,pass,dtype,device_model,run,", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curves_FlashQuadraticHyperLinear_ThenHyperExponentMoves_ExitsOne()
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "curves.db");
        int[] ns = [4096, 8192, 16384, 32768];
        await using (var store = SweepStoreFactory.Create(db))
        {
            await store.MigrateAsync(Ct);
            const string plan = """{"kernels":["flash","hyper"]}""";
            (BenchmarkCase, double)[] Grid(double hyperExponent) =>
            [
                .. ns.Select(n => (Case(KernelKind.Flash, n), 1e-10 * n * (double)n)),
                .. ns.Select(n => (Case(KernelKind.Hyper, n), 1e-6 * 4096 * Math.Pow(n / 4096.0, hyperExponent))),
            ];
            await SaveRunAsync(store, 1, "c1", null, plan, Grid(1.0));
            await SaveRunAsync(store, 2, "c2", null, plan, Grid(1.0));
            await SaveRunAsync(store, 3, "c3", null, plan, Grid(1.5));
        }

        var quiet = CliProcess.Run(dir, "curves", "run-02", "--db", db, "--format", "json");
        Assert.True(quiet.ExitCode == 0, quiet.Output);
        using (var doc = JsonDocument.Parse(quiet.Output))
        {
            Assert.Equal("run-01", doc.RootElement.GetProperty("against_sweep_id").GetString());
            var curves = doc.RootElement.GetProperty("curves").EnumerateArray().ToList();
            Assert.Equal(2.0, curves.Single(c => c.GetProperty("kernel").GetString() == "flash").GetProperty("exponent").GetDouble(), 0.05);
            Assert.Equal(1.0, curves.Single(c => c.GetProperty("kernel").GetString() == "hyper").GetProperty("exponent").GetDouble(), 0.05);
            var cross = Assert.Single(doc.RootElement.GetProperty("crossovers").EnumerateArray());
            Assert.Equal(1e4, cross.GetProperty("fitted_n").GetDouble(), 1e4 * 0.05);
            Assert.Equal(16384, cross.GetProperty("measured_n").GetInt32());
        }

        var moved = CliProcess.Run(dir, new Dictionary<string, string?> { ["COLUMNS"] = "220" }, "curves", "run-03", "--db", db);
        Assert.True(moved.ExitCode == 1, moved.Output);
        Assert.Contains("against sweep run-02", moved.Output, StringComparison.Ordinal);
        Assert.Matches(@"exponent 1\.0\d -> 1\.5\d \(tolerance ±0\.15, 95% CIs apart\)", moved.Output);
    }

    public static TheoryData<string[], string> BadFilters => new()
    {
        { ["--n", "abc"], "'abc'" },
        { ["--pass", "sideways"], "'sideways'" },
        { ["--kernel", "slow"], "'slow'" },
        { ["--dtype", "fp8"], "fp8" },
        { ["--causal", "maybe"], "'maybe'" },
        { ["--device-model", "Nope GPU"], "'Nope GPU'" },
        { ["--tag", "weekly"], "'weekly'" },
        { ["--schedule", "nightly"], "--schedule: 'nightly' has no runs" },
        { ["--format", "xml"], "'xml'" },
        { ["--plot", "history.svg"], "'history.svg'" },
        { ["--min-change", "-1"], "--min-change: -1" },
        { ["--tag", "nightly", "--schedule", "nightly"], "--tag and --schedule" },
    };

    [Theory]
    [MemberData(nameof(BadFilters))]
    public async Task History_BadFilter_ExitsTwoNamingTheValue(string[] args, string expected)
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "h.db");
        await using (var store = SweepStoreFactory.Create(db))
        {
            await store.MigrateAsync(Ct);
            await SaveRunAsync(store, 0, "c0", "nightly", "{}", (Case(KernelKind.Flash, 4096), 1e-3));
        }
        var outcome = CliProcess.Run(dir, ["history", "--db", db, .. args]);
        Assert.True(outcome.ExitCode == 2, outcome.Output);
        Assert.Contains(expected, outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void History_DatabaseUnreachable_ExitsThree()
    {
        string dir = CliProcess.TempDirectory();
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var outcome = CliProcess.Run(dir, new Dictionary<string, string?> { ["HYPERBENCH_DB_RETRY_SECONDS"] = "1" },
            "history", "--db", $"Host=127.0.0.1;Port={port};Database=hb;Username=bench;Password=secret-pw");
        Assert.True(outcome.ExitCode == 3, outcome.Output);
        Assert.Contains($"127.0.0.1:{port}", outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", outcome.Output, StringComparison.Ordinal);
    }
}
