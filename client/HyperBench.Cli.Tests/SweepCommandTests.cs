using System.Diagnostics;
using System.Text.Json;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Cli.Tests;

/// <summary>The `sweep`, `results` and `plot` commands as real processes on the embedded default (in-process silo, SQLite, cpu).</summary>
public sealed class SweepCommandTests
{
    // Tiny cases: hyper with b = 64, m = 32 and min_seq_len = 64 so that the causal recursion runs at n = 256.
    private static readonly string[] TinyPlan =
    [
        "--device", "cpu", "--kernel", "flash,hyper", "--n", "128,256", "--causal", "both", "--pass", "fwd,fwdbwd",
        "--block-size", "64", "--samples", "32", "--min-seq-len", "64",
        "--min-samples", "3", "--budget", "0", "--warmup", "0", "--warmup-time", "0",
    ];

    [Fact]
    public async Task Sweep_TinyPlanOnEmbeddedDefault_StoresEveryCaseOnceWithSamplesInSqlite()
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, ["sweep", .. TinyPlan, "--tag", "e2e"]);
        Assert.True(outcome.ExitCode == 0, outcome.Output);

        string db = Path.Combine(dir, "hyperbench-results", "hyperbench.db");
        Assert.True(File.Exists(db), "the default SQLite file was not created: " + outcome.Output);
        await using var store = SweepStoreFactory.Create(db);
        var sweeps = await store.ListSweepsAsync(10, TestContext.Current.CancellationToken);
        var sweep = Assert.Single(sweeps);
        Assert.Contains(sweep.SweepId, outcome.Output, StringComparison.Ordinal);
        Assert.Equal(SweepStatus.Completed, sweep.Status);
        Assert.Equal("e2e", sweep.Tag);
        Assert.Equal(16, sweep.CaseCount);
        Assert.Equal(16, sweep.DoneCount);

        var results = await store.GetResultsAsync(sweep.SweepId, TestContext.Current.CancellationToken);
        Assert.Equal(16, results.Count);
        Assert.Equal(16, results.Select(r => r.CaseId).Distinct().Count());
        foreach (var r in results)
        {
            Assert.Equal(ResultStatus.Ok, r.Status);
            var samples = await store.GetSamplesAsync(sweep.SweepId, r.CaseId, TestContext.Current.CancellationToken);
            Assert.True(samples.Count >= 3, $"{r.CaseId}: {samples.Count} samples");
            Assert.Equal(samples.Count, r.SampleCount);
            Assert.All(samples, s => Assert.True(s > 0));
            Assert.Equal(samples.Order().ElementAt((samples.Count - 1) / 2), r.MedianSeconds!.Value, 12, MidpointRounding.ToEven);
            if (r.Kernel == "hyper") Assert.NotNull(r.RelativeError);
            else Assert.Null(r.RelativeError);
        }
        Assert.Contains("speed-up", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_TensorCoreDtypesOnIlgpuCpu_StoresEachUnderItsCanonicalName_WithItsError()
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, ["sweep", "--device", "ilgpu-cpu", "--dtype", "bf16,fp16,tf32x3", "--kernel", "flash", "--n", "64",
            "--causal", "true", "--pass", "fwd", "--min-samples", "1", "--budget", "0", "--warmup", "0", "--warmup-time", "0"]);
        Assert.True(outcome.ExitCode == 0, outcome.Output);

        await using var store = SweepStoreFactory.Create(Path.Combine(dir, "hyperbench-results", "hyperbench.db"));
        var sweep = Assert.Single(await store.ListSweepsAsync(10, TestContext.Current.CancellationToken));
        var results = await store.GetResultsAsync(sweep.SweepId, TestContext.Current.CancellationToken);
        Assert.Equal(["bf16", "fp16", "tf32x3"], results.Select(r => r.Dtype).Order());
        foreach (var r in results)
        {
            Assert.Equal(ResultStatus.Ok, r.Status);
            // Against fp32 flash on the same inputs: bf16 near its 2^-8 unit, fp16 and tf32x3 far below it.
            Assert.InRange(r.RelativeError!.Value, 1e-9, r.Dtype == "bf16" ? 1e-2 : 2e-3);
        }
        Assert.Contains("dtype", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_CaseNoDeviceCanHold_SkippedWithReasonSweepCompletesExitZero()
    {
        // n = 1,000,000 with 32 heads of 64, forward and backward: about 61 GiB of tensors, more than this machine's cpu device has.
        if (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes > (56L << 30)) Assert.Skip("this machine has room for a 61 GiB case; nothing to skip");
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, ["sweep", "--device", "cpu", "--kernel", "flash", "--n", "128,1000000", "--causal", "false", "--heads", "32",
            "--pass", "fwdbwd", "--min-samples", "3", "--budget", "0", "--warmup", "0", "--warmup-time", "0"]);

        Assert.True(outcome.ExitCode == 0, outcome.Output);
        Assert.Matches(@"skipped flash n=1000000 full fwdbwd b1 h32 d64 fp32: no device can hold it: needs 61\.\d\d GiB, largest has [\d.]+ GiB \(", outcome.Output);
        Assert.Contains("completed: 1 done, 0 failed, 1 skipped", outcome.Output, StringComparison.Ordinal);
        await using var store = SweepStoreFactory.Create(Path.Combine(dir, "hyperbench-results", "hyperbench.db"));
        var sweep = Assert.Single(await store.ListSweepsAsync(10, TestContext.Current.CancellationToken));
        Assert.Equal((SweepStatus.Completed, 1, 0, 1), (sweep.Status, sweep.DoneCount, sweep.FailedCount, sweep.SkippedCount));
        var skipped = Assert.Single(await store.GetCasesAsync(sweep.SweepId, TestContext.Current.CancellationToken), c => c.Status == CaseStatus.Skipped);
        Assert.StartsWith("no device can hold it: needs 61.", skipped.SkipReason, StringComparison.Ordinal);
        Assert.Equal(128, Assert.Single(await store.GetResultsAsync(sweep.SweepId, TestContext.Current.CancellationToken)).N);
        var list = CliProcess.Run(dir, "results", "--format", "csv");
        Assert.True(list.ExitCode == 0, list.Output);
        Assert.Contains($"{sweep.SweepId},\"\",completed,2,1,0,1,", list.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--n", "0", "--n: 0")]
    [InlineData("--kernel", "flash,warp", "'warp'")]
    [InlineData("--block-size", "100", "--block-size")]
    [InlineData("--heads", "2,0", "--heads: 0")]
    [InlineData("--dtype", "bf16", "dtype bf16 is not implemented by the cpu backend")]
    [InlineData("--db", "mysql://x", "mysql://x")]
    [InlineData("--bucket-order", "zigzag", "--bucket-order: 'zigzag' is not a bucket order")]
    [InlineData("--resample", "always", "--resample: 'always' is not a resample")]
    [InlineData("--grad", "approx", "--grad: 'approx' is not a gradient")]
    [InlineData("--preset", "pape", "--preset: 'pape' is not a preset; known presets: paper.")]
    public void Sweep_BadValue_ExitsTwoNamingItAndCreatesNoDatabase(string option, string value, string expected)
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "sweep", "--device", "cpu", option, value);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(expected, outcome.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "hyperbench-results")), "nothing may be stored for an invalid plan");
    }

    [Fact]
    public async Task Sweep_PresetPaperTiny_SummaryNamesThePresetsSettings_AndP20IsInEveryExport()
    {
        // The paper's preset cut to one n, one head, the forward and the backward alone: 8 small cases on the cpu backend.
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, ["sweep", "--preset", "paper", "--n", "1k", "--heads", "1", "--kernel", "flash,hyper", "--pass", "fwd,bwd",
            "--device", "cpu", "--min-samples", "3", "--budget", "0", "--warmup", "0", "--warmup-time", "0"]);
        Assert.True(outcome.ExitCode == 0, outcome.Output);

        string text = string.Join(" ", outcome.Output.Split('\n').Select(l => l.Trim()));
        Assert.Contains("Preset paper:", text, StringComparison.Ordinal);
        Assert.Contains("settings: n = 1024; batch 1, heads 1, d = 64; causal no and yes; passes fwd,bwd; hyper: r = 7, b = 256, m = 256, " +
            "min_seq_len = 4096, sampling uniform; variants: bucket order rank, resample once, short-exact off, gradient exact", text, StringComparison.Ordinal);
        Assert.Contains("--heads 1 (preset: 12)", text, StringComparison.Ordinal);
        Assert.Contains("precision: fp32", text, StringComparison.Ordinal);
        Assert.Contains("baseline: our flash kernel on", text, StringComparison.Ordinal);
        Assert.Contains("speed-up p20", text, StringComparison.Ordinal);

        await using var store = SweepStoreFactory.Create(Path.Combine(dir, "hyperbench-results", "hyperbench.db"));
        var sweep = Assert.Single(await store.ListSweepsAsync(10, TestContext.Current.CancellationToken));
        Assert.Equal(8, sweep.DoneCount);
        var p20 = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var r in await store.GetResultsAsync(sweep.SweepId, TestContext.Current.CancellationToken))
            p20[r.CaseId] = SampleStatistics.From(await store.GetSamplesAsync(sweep.SweepId, r.CaseId, TestContext.Current.CancellationToken)).P20;

        var json = CliProcess.Run(dir, "results", sweep.SweepId, "--format", "json");
        Assert.True(json.ExitCode == 0, json.Output);
        using var doc = JsonDocument.Parse(json.Output);
        Assert.Equal(8, doc.RootElement.GetArrayLength());
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            Assert.Equal(p20[e.GetProperty("case_id").GetString()!], e.GetProperty("p20_seconds").GetDouble(), 12);
            if (e.GetProperty("kernel").GetString() == "hyper") Assert.True(e.GetProperty("speedup_p20").GetDouble() > 0);
        }

        var csv = CliProcess.Run(dir, "results", sweep.SweepId, "--format", "csv");
        var rows = csv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Csv.Cells(l.TrimEnd('\r'))).ToList();
        var header = rows[0];
        Assert.All(rows.Skip(1), r => Assert.Equal(p20[r[header.IndexOf("case_id")]],
            double.Parse(r[header.IndexOf("p20_s")], System.Globalization.CultureInfo.InvariantCulture), 12));
        Assert.All(rows.Skip(1).Where(r => r[header.IndexOf("kernel")] == "hyper"), r => Assert.Equal("rank", r[header.IndexOf("bucket_order")]));
    }

    [Fact]
    public void ResultsAndPlot_AfterSweep_ExportEveryCaseAndWritePng()
    {
        string dir = CliProcess.TempDirectory();
        var sweep = CliProcess.Run(dir, ["sweep", .. TinyPlan]);
        Assert.True(sweep.ExitCode == 0, sweep.Output);

        var list = CliProcess.Run(dir, "results", "--format", "json");
        Assert.True(list.ExitCode == 0, list.Output);
        using var sweeps = JsonDocument.Parse(list.Output);
        string id = sweeps.RootElement[0].GetProperty("sweep_id").GetString()!;

        var csv = CliProcess.Run(dir, "results", id, "--format", "csv", "--out", "s.csv");
        Assert.True(csv.ExitCode == 0, csv.Output);
        var lines = File.ReadAllLines(Path.Combine(dir, "s.csv"));
        Assert.StartsWith("sweep_id,case_id,kernel,n,", lines[0], StringComparison.Ordinal);
        Assert.Equal(17, lines.Length);
        var header = lines[0].Split(',').ToList();
        int kernel = header.IndexOf("kernel"), speedup = header.IndexOf("speedup"), error = header.IndexOf("relative_error");
        // Every hyper row has a speed-up (its flash twin is in the same sweep) and a relative error.
        Assert.All(lines.Skip(1).Select(Csv.Cells).Where(c => c[kernel] == "hyper"), c =>
        {
            Assert.False(string.IsNullOrEmpty(c[speedup]));
            Assert.False(string.IsNullOrEmpty(c[error]));
        });

        var plot = CliProcess.Run(dir, "plot", id, "--out", "s.png");
        Assert.True(plot.ExitCode == 0, plot.Output);
        byte[] png = File.ReadAllBytes(Path.Combine(dir, "s.png"));
        Assert.True(png.Length > 10_000, $"png of {png.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        var missing = CliProcess.Run(dir, "results", "no-such-sweep");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no-such-sweep", missing.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void SweepAndResults_ColumnsEightyWhileRedirected_NoLineWiderThanEightyAndExportsCarryTheCase()
    {
        string dir = CliProcess.TempDirectory();
        var narrow = new Dictionary<string, string?> { ["COLUMNS"] = "80" };
        string[] plan = ["sweep", "--device", "cpu", "--kernel", "flash,hyper", "--n", "128,256", "--causal", "both", "--pass", "fwd",
            "--block-size", "64", "--samples", "32", "--min-seq-len", "64", "--min-samples", "3", "--budget", "0", "--warmup", "0", "--warmup-time", "0"];

        var sweep = CliProcess.Run(dir, narrow, plan);
        Assert.True(sweep.ExitCode == 0, sweep.Output);
        AssertFits(sweep.Output, 80);
        Assert.Contains("speed-up", sweep.Output, StringComparison.Ordinal);
        Assert.Contains("‖E‖₂/‖V‖₂", sweep.Output, StringComparison.Ordinal);
        Assert.Contains("docs/accuracy.md", sweep.Output, StringComparison.Ordinal);

        using var sweeps = JsonDocument.Parse(CliProcess.Run(dir, "results", "--format", "json").Output);
        string id = sweeps.RootElement[0].GetProperty("sweep_id").GetString()!;
        var results = CliProcess.Run(dir, narrow, "results", id);
        Assert.True(results.ExitCode == 0, results.Output);
        AssertFits(results.Output, 80);
        // A row starts with its n, framed or (the narrowest layout) not.
        Assert.Equal(8, results.Output.Split('\n').Select(l => " " + l).Count(l => l.Contains(" 128 ", StringComparison.Ordinal) || l.Contains(" 256 ", StringComparison.Ordinal)));

        // The exports are not laid out for the terminal: COLUMNS changes nothing there, and every row names its case fully.
        var json = CliProcess.Run(dir, narrow, "results", id, "--format", "json");
        Assert.True(json.ExitCode == 0, json.Output);
        using var doc = JsonDocument.Parse(json.Output);
        var hyper = doc.RootElement.EnumerateArray().First(e => e.GetProperty("kernel").GetString() == "hyper");
        Assert.Equal(id, hyper.GetProperty("sweep_id").GetString());
        Assert.Equal((7, 64, 32, 64, "uniform"), (hyper.GetProperty("r").GetInt32(), hyper.GetProperty("b").GetInt32(), hyper.GetProperty("m").GetInt32(),
            hyper.GetProperty("min_seq_len").GetInt32(), hyper.GetProperty("sampling").GetString()));
        Assert.Equal(1UL, hyper.GetProperty("seed").GetUInt64());
        Assert.Equal("cpu", hyper.GetProperty("device_id").GetString());
        Assert.Contains("cores", hyper.GetProperty("device_detail").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(hyper.GetProperty("device").GetString()));
        Assert.InRange(hyper.GetProperty("spectral_over_v").GetDouble(), 0, 10);
        Assert.True(hyper.GetProperty("cv").GetDouble() >= 0);

        var csv = CliProcess.Run(dir, narrow, "results", id, "--format", "csv");
        var rows = csv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Csv.Cells(l.TrimEnd('\r'))).ToList();
        var header = rows[0];
        foreach (var column in new[] { "sweep_id", "seed", "r", "b", "m", "min_seq_len", "sampling", "device", "device_id", "device_detail", "cv", "spectral_over_v" })
            Assert.Contains(column, header);
        Assert.Equal(9, rows.Count);
        Assert.All(rows.Skip(1), r => Assert.Equal(id, r[header.IndexOf("sweep_id")]));
        Assert.All(rows.Skip(1).Where(r => r[header.IndexOf("kernel")] == "hyper"), r => Assert.Equal("64", r[header.IndexOf("b")]));
    }

    private static void AssertFits(string output, int width) =>
        Assert.All(output.Split('\n'), l => Assert.True(l.TrimEnd('\r').Length <= width, $"{l.TrimEnd('\r').Length} columns: {l}\n{output}"));

    [Fact]
    public async Task SweepResume_AfterTheProcessIsKilled_FinishesEveryCaseOnce()
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "hyperbench-results", "hyperbench.db");
        // Long enough per case (budget 0.3 s) that the kill lands mid-sweep.
        string[] plan = ["sweep", "--device", "cpu", "--kernel", "flash", "--n", "64,128,256,512", "--causal", "both", "--pass", "fwd,fwdbwd",
            "--min-samples", "2", "--budget", "0.3", "--warmup", "0", "--warmup-time", "0"];
        using (var process = CliProcess.Start(dir, plan))
        {
            // Drain the pipes so the live progress never blocks the process.
            var drained = Task.WhenAll(process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken),
                process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
            await WaitForDoneCasesAsync(db, 2, process);
            Assert.False(process.HasExited, "the sweep finished before it could be interrupted");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            await drained;
        }

        string id;
        await using (var store = SweepStoreFactory.Create(db))
        {
            var sweep = Assert.Single(await store.ListSweepsAsync(1, TestContext.Current.CancellationToken));
            Assert.Equal(SweepStatus.Running, sweep.Status);
            int done = (await store.GetCasesAsync(sweep.SweepId, TestContext.Current.CancellationToken)).Count(c => c.Status == CaseStatus.Done);
            Assert.True(done is >= 2 and < 16, $"{done} done before the kill");
            id = sweep.SweepId;
        }

        var resumed = CliProcess.Run(dir, "sweep", "resume", id, "--device", "cpu");
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        // The killed process's lease (default timeout 60 s) went back to pending at once: its device is gone from the cluster.
        Assert.DoesNotContain("still leased", resumed.Output, StringComparison.Ordinal);
        await using (var store = SweepStoreFactory.Create(db))
        {
            var sweep = await store.GetSweepAsync(id, TestContext.Current.CancellationToken);
            Assert.Equal(SweepStatus.Completed, sweep!.Status);
            var results = await store.GetResultsAsync(id, TestContext.Current.CancellationToken);
            Assert.Equal(16, results.Count);
            Assert.Equal(16, results.Select(r => r.CaseId).Distinct().Count());
            Assert.All(results, r => Assert.Equal(ResultStatus.Ok, r.Status));
        }
        var again = CliProcess.Run(dir, "sweep", "resume", id, "--device", "cpu");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("completed", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_Sigterm_StopsWithExit130HandingBackItsLeaseAndResumeFinishesEveryCaseOnce()
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "hyperbench-results", "hyperbench.db");
        string output;
        int exitCode;
        using (var process = CliProcess.Start(dir, [.. SlowPlan]))
        {
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await WaitForDoneCasesAsync(db, 1, process);
            Assert.False(process.HasExited, "the sweep finished before it could be interrupted");

            // What `docker stop` or a CI timeout sends.
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            // A hang guard, not a timing check: what matters is asserted below (the lease handed back, not left to expire).
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            bound.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(bound.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("SIGTERM did not stop the sweep within 30 s");
            }
            exitCode = process.ExitCode;
            output = await stdout + await stderr;
        }

        Assert.True(exitCode == 130, $"exit {exitCode} after SIGTERM: {output}");
        string id;
        await using (var store = SweepStoreFactory.Create(db))
        {
            var sweep = Assert.Single(await store.ListSweepsAsync(1, TestContext.Current.CancellationToken));
            id = sweep.SweepId;
            Assert.Equal(SweepStatus.Running, sweep.Status);
            var cases = await store.GetCasesAsync(id, TestContext.Current.CancellationToken);
            // The running case was handed back on the way out, not left to its 60 s lease.
            Assert.DoesNotContain(cases, c => c.Status == CaseStatus.Leased);
            Assert.InRange(cases.Count(c => c.Status == CaseStatus.Done), 1, 15);
        }
        Assert.Contains($"sweep resume {id}", output, StringComparison.Ordinal);

        var resumed = CliProcess.Run(dir, "sweep", "resume", id, "--device", "cpu");
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        await using (var store = SweepStoreFactory.Create(db))
        {
            Assert.Equal(SweepStatus.Completed, (await store.GetSweepAsync(id, TestContext.Current.CancellationToken))!.Status);
            var results = await store.GetResultsAsync(id, TestContext.Current.CancellationToken);
            Assert.Equal(16, results.Count);
            Assert.Equal(16, results.Select(r => r.CaseId).Distinct().Count());
            Assert.All(results, r => Assert.Equal(ResultStatus.Ok, r.Status));
        }
    }

    [Fact]
    public async Task Sweep_TwoEmbeddedProcessesOnOneFile_EachRunsOnlyItsOwnCases()
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "hyperbench-results", "hyperbench.db");
        using var first = CliProcess.Start(dir, [.. SlowPlan, "--tag", "first"]);
        var firstOutput = Task.WhenAll(first.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken),
            first.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
        // The second starts while the first's sweep is stored and running: its silo finds that sweep among the running ones.
        await WaitForDoneCasesAsync(db, 1, first);
        Assert.False(first.HasExited, "the first sweep finished before the second started");
        var second = await Task.Run(() => CliProcess.Run(dir, ["sweep", .. TinyPlan, "--tag", "second"]), TestContext.Current.CancellationToken);
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            bound.CancelAfter(TimeSpan.FromMinutes(3));
            await first.WaitForExitAsync(bound.Token);
        }
        string firstText = string.Concat(await firstOutput);

        Assert.True(first.ExitCode == 0, firstText);
        Assert.True(second.ExitCode == 0, second.Output);
        await using var store = SweepStoreFactory.Create(db);
        var sweeps = await store.ListSweepsAsync(10, TestContext.Current.CancellationToken);
        Assert.Equal(2, sweeps.Count);
        var devices = new List<string>();
        foreach (var sweep in sweeps)
        {
            Assert.Equal(SweepStatus.Completed, sweep.Status);
            Assert.Contains(sweep.SweepId, sweep.Tag == "first" ? firstText : second.Output, StringComparison.Ordinal);
            var results = await store.GetResultsAsync(sweep.SweepId, TestContext.Current.CancellationToken);
            Assert.Equal(sweep.CaseCount, results.Count);
            Assert.Equal(sweep.CaseCount, results.Select(r => r.CaseId).Distinct().Count());
            // Every result of a sweep from one device of one silo (its process's port): none ran in the other process.
            devices.Add(Assert.Single(results.Select(r => r.DeviceKey).Distinct()));
        }
        Assert.NotEqual(devices[0], devices[1]);
    }

    // 16 cases of at least 0.3 s each: long enough that a signal or a second process lands mid-sweep.
    private static readonly string[] SlowPlan =
    [
        "sweep", "--device", "cpu", "--kernel", "flash", "--n", "64,128,256,512", "--causal", "both", "--pass", "fwd,fwdbwd",
        "--min-samples", "2", "--budget", "0.3", "--warmup", "0", "--warmup-time", "0",
    ];

    /// <summary>Polls the SQLite file read-only until the newest sweep has this many done cases, the process ends, or 90 s pass.</summary>
    private static async Task WaitForDoneCasesAsync(string db, int count, Process process)
    {
        var clock = Stopwatch.StartNew();
        int stored = 0;
        while (stored < count && clock.Elapsed < TimeSpan.FromSeconds(90) && !process.HasExited)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            if (!File.Exists(db)) continue;
            await using var probe = SweepStoreFactory.Create(db);
            try
            {
                var s = await probe.ListSweepsAsync(1, TestContext.Current.CancellationToken);
                stored = s.Count == 0 ? 0 : (await probe.GetCasesAsync(s[0].SweepId, TestContext.Current.CancellationToken)).Count(c => c.Status == CaseStatus.Done);
            }
            catch (System.Data.Common.DbException)
            {
                // The file exists before the silo's migrations have created the tables: look again.
            }
        }
    }
}
