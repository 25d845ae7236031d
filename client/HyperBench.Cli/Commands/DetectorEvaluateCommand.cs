using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using HyperBench.Cli.Plans;
using HyperBench.Regressions;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench detector evaluate` (docs/regressions.md, "Detector quality"): runs this same build's `kernels bench` in --runs
/// separate processes on the cpu backend, compares consecutive runs (A/A pairs: every slower or faster verdict is a false positive),
/// injects multiplicative slowdowns into copies of the candidate samples, and prints the false-positive and detection rates per
/// effect threshold. Nothing is stored. Exit 2 for bad input (a child's bad-input exit included), 1 when a run fails.
/// </summary>
public sealed class DetectorEvaluateCommand(IAnsiConsole console) : AsyncCommand<DetectorEvaluateSettings>
{
    public static IReadOnlyList<string> Formats { get; } = ["table", "json"];

    /// <summary>The fixed part of every run's plan: only kernels, n and the sampling are options.</summary>
    public static IReadOnlyList<string> FixedPlan { get; } =
        ["--device", "cpu", "--causal", "false", "--pass", "fwd", "--batch", "1", "--heads", "1", "-d", "64", "--seed", "1", "--warmup-time", "0.2"];

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    public override async Task<int> ExecuteAsync(CommandContext context, DetectorEvaluateSettings settings, CancellationToken cancellationToken)
    {
        double[] effects, slowdowns;
        double alpha, cvLimit;
        try
        {
            if (!Formats.Contains(settings.Format))
                throw new PlanException($"--format: '{settings.Format}' is not valid; use one of: {string.Join(", ", Formats)}.");
            if (settings.Runs is < 2 or > 1000) throw new PlanException($"--runs: '{settings.Runs}' is out of range (2..1000: an A/A pair needs 2 runs).");
            alpha = CompareCommand.Fraction("--alpha", settings.Alpha, allowZero: false);
            cvLimit = CompareCommand.Fraction("--cv-limit", settings.CvLimit, allowZero: false, max: double.MaxValue);
            effects = List("--thresholds", settings.Thresholds, allowZero: true);
            slowdowns = List("--slowdowns", settings.Slowdowns, allowZero: false, max: 10);
            int needed = SampleComparer.MinimumSamples(alpha);
            if (settings.MinSamples < needed || settings.MinSamples > 100_000)
                throw new PlanException($"--min-samples: '{settings.MinSamples}' is out of range: the test needs at least {needed} per side to reach p < " +
                    $"{alpha.ToString(CultureInfo.InvariantCulture)} (and at most 100000).");
            if (settings.CalibrationRuns < 0 || (settings.FromRuns is null && settings.CalibrationRuns > settings.Runs - 2))
                throw new PlanException($"--calibration-runs: '{settings.CalibrationRuns}' is out of range (0 .. --runs - 2 = {settings.Runs - 2}: at least one A/A pair must follow).");
            if (!double.IsFinite(settings.NoiseK) || settings.NoiseK < 0 || settings.NoiseK >= 100)
                throw new PlanException($"--noise-k: '{settings.NoiseK.ToString(CultureInfo.InvariantCulture)}' is out of range (0 .. 100).");
            if (settings.History < CompareThresholds.Default.MinHistory || settings.History > 10_000)
                throw new PlanException($"--history: '{settings.History}' is out of range ({CompareThresholds.Default.MinHistory} .. 10000 runs).");
            if (settings.Keep is not null && File.Exists(settings.Keep))
                throw new PlanException($"--keep: '{settings.Keep}' is a file; name a directory (created when absent).");
            if (!double.IsFinite(settings.Budget) || settings.Budget < 0 || settings.Budget > 3600)
                throw new PlanException($"--budget: '{settings.Budget.ToString(CultureInfo.InvariantCulture)}' is out of range (0..3600 seconds).");
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.InvalidInput;
        }

        var runs = new List<IReadOnlyDictionary<string, IReadOnlyList<double>>>();
        string? load = LoadAverage();
        var wall = Stopwatch.StartNew();
        if (settings.FromRuns is not null)
        {
            try
            {
                if (settings.Keep is not null) throw new PlanException("--keep and --from-runs exclude each other (--from-runs measures nothing).");
                if (!Directory.Exists(settings.FromRuns)) throw new PlanException($"--from-runs: no directory '{settings.FromRuns}'.");
                var files = Directory.GetFiles(settings.FromRuns, "run-*.json").Order(StringComparer.Ordinal).ToList();
                if (files.Count < 2) throw new PlanException($"--from-runs: '{settings.FromRuns}' holds {files.Count} run-*.json report(s); an A/A pair needs 2.");
                foreach (var f in files)
                {
                    try { runs.Add(ReadSamples(f)); }
                    catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
                    {
                        throw new PlanException($"--from-runs: '{f}' is not a `kernels bench` JSON report ({ex.Message}).");
                    }
                }
            }
            catch (PlanException ex)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.InvalidInput;
            }
        }
        string work = settings.Keep ?? Path.Combine(Path.GetTempPath(), $"hyperbench-detector-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
        if (settings.FromRuns is null)
        {
            try
            {
                Directory.CreateDirectory(work);
                RunFailure? failure = null;
                await console.Progress()
                    .AutoClear(true)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                    .StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask($"[bold]{settings.Runs} runs[/] (separate processes)", maxValue: settings.Runs);
                        for (int i = 0; i < settings.Runs && failure is null; i++)
                        {
                            task.Description = $"[bold]run {i + 1}/{settings.Runs}[/] (separate processes)";
                            var (run, fail) = await RunOnceAsync(settings, Path.Combine(work, $"run-{i:D4}.json"), cancellationToken);
                            if (fail is not null) failure = fail;
                            else runs.Add(run!);
                            task.Increment(1);
                        }
                    });
                if (failure is not null)
                {
                    console.MarkupLine($"[red]error:[/] {Markup.Escape(failure.Message)}");
                    return failure.ExitCode;
                }
            }
            finally
            {
                if (settings.Keep is null)
                    try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }

        DetectorEvaluation evaluation;
        try
        {
            evaluation = DetectorEvaluator.Evaluate(runs, effects, slowdowns, alpha, cvLimit, settings.CalibrationRuns, settings.NoiseK,
                CompareThresholds.Default.MinHistory, settings.History);
        }
        catch (ArgumentException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message.Split(" (Parameter", 2)[0])}");
            return ExitCodes.InvalidInput;
        }
        if (evaluation.Cases == 0)
        {
            console.MarkupLine("[red]error:[/] no case was measured ok in two consecutive runs: nothing to compare.");
            return ExitCodes.CaseFailed;
        }
        int samples = runs.SelectMany(r => r.Values).Sum(s => s.Count);
        // The spread of single runs, for reading the noisy share: the median over runs and cases of each case's robust CV (what the gate reads).
        double medianCv = MathNet.Numerics.Statistics.Statistics.Median(runs.SelectMany(r => r.Values).Where(x => x.Count > 1)
            .Select(x => NoiseFloor.RobustCv(x)));
        if (settings.Format == "json")
            Console.Out.Write(Json(evaluation, settings, samples, medianCv, wall.Elapsed.TotalSeconds, load, LoadAverage()));
        else
            Write(console, evaluation, samples, medianCv, wall.Elapsed.TotalSeconds, load, LoadAverage());
        return ExitCodes.Ok;
    }

    private sealed record RunFailure(int ExitCode, string Message);

    /// <summary>One `kernels bench` child process of this build; its samples by case id (status ok only).</summary>
    private static async Task<(IReadOnlyDictionary<string, IReadOnlyList<double>>?, RunFailure?)> RunOnceAsync(
        DetectorEvaluateSettings settings, string json, CancellationToken cancellationToken)
    {
        var psi = ChildStart();
        foreach (var a in (string[])["kernels", "bench", .. FixedPlan, "--kernel", settings.Kernel, "-n", settings.N,
            "--min-samples", settings.MinSamples.ToString(CultureInfo.InvariantCulture),
            "--budget", settings.Budget.ToString(CultureInfo.InvariantCulture), "--json", json])
            psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.Environment["COLUMNS"] = "200";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start a `kernels bench` process.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested) throw;
            return (null, new RunFailure(ExitCodes.CaseFailed, $"a `kernels bench` run did not finish in {RunTimeout.TotalMinutes} minutes."));
        }
        string output = (await stdout) + (await stderr);
        if (process.ExitCode != 0)
        {
            string line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? output.Trim();
            int code = process.ExitCode == ExitCodes.InvalidInput ? ExitCodes.InvalidInput : ExitCodes.CaseFailed;
            return (null, new RunFailure(code, $"`kernels bench` exited {process.ExitCode}: {line}"));
        }
        return (ReadSamples(json), null);
    }

    /// <summary>This same build: the apphost, or `dotnet hyperbench.dll` when run through the dotnet host.</summary>
    private static ProcessStartInfo ChildStart()
    {
        string path = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(path) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            && Assembly.GetEntryAssembly()?.Location is { Length: > 0 } dll)
            psi.ArgumentList.Add(dll);
        return psi;
    }

    /// <summary>The samples of the cases with status ok in a `kernels bench` JSON report (cases[].samples_seconds).</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<double>> ReadSamples(string json)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var cases = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        foreach (var c in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("status").GetString() != "ok") continue;
            cases[c.GetProperty("case_id").GetString()!] = [.. c.GetProperty("samples_seconds").EnumerateArray().Select(s => s.GetDouble())];
        }
        return cases;
    }

    private static double[] List(string option, string text, bool allowZero, double max = 1)
    {
        var items = (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) throw new PlanException($"--{option.TrimStart('-')}: '{text}' is empty; give one or more values such as 5%,10%.");
        return [.. items.Select(i => CompareCommand.Fraction(option, i, allowZero, max)).Distinct().Order()];
    }

    private static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Pct(double x) => x.ToString("0.0%", CultureInfo.InvariantCulture);

    private static void Write(IAnsiConsole console, DetectorEvaluation e, int samples, double medianCv, double seconds, string? loadBefore, string? loadAfter)
    {
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{e.Runs} runs in separate processes ({e.CalibrationRuns} calibration only), {e.Pairs} A/A pairs x {e.Cases} cases; {samples} samples, " +
            $"median robust CV {medianCv:0.000}; alpha {e.Alpha:G3}, robust CV limit {e.CvLimit:G3}; noise floor: k {e.NoiseK:G3}, history {e.MinHistory}..{e.HistoryLimit} runs, " +
            $"median floor {(e.MedianNoiseFloor is { } f ? Pct(f) : "-")}, {e.Fallbacks} of {e.Comparisons} comparisons without enough history; " +
            $"{seconds:F0} s; load average {loadBefore ?? "?"} before, {loadAfter ?? "?"} after")));
        var table = new Table().AddColumn("threshold").AddColumn("A/A comparisons").AddColumn("false positives").AddColumn("FPR")
            .AddColumn("A/A noisy").AddColumn("A/A insufficient").AddColumn("median applied");
        foreach (var d in e.Thresholds[0].Injected) table.AddColumn($"detected +{Pct(d.Slowdown)}");
        foreach (var t in e.Thresholds)
        {
            var row = new List<string>
            {
                Pct(t.Effect), t.AA.Total.ToString(CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{t.AA.Slower + t.AA.Faster} ({t.AA.Slower} slower, {t.AA.Faster} faster)"),
                Pct(t.FalsePositiveRate), Pct(t.AA.Share(t.AA.Noisy)), Pct(t.AA.Share(t.AA.Insufficient)), Pct(t.MedianAppliedEffect),
            };
            row.AddRange(t.Injected.Select(d => string.Create(CultureInfo.InvariantCulture,
                $"{Pct(d.DetectionRate)} ({d.Counts.Slower}/{d.Counts.Total}; {d.Counts.Noisy} noisy)")));
            table.AddRow([.. row.Select(Markup.Escape)]);
        }
        console.Write(table);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static string Json(DetectorEvaluation e, DetectorEvaluateSettings s, int samples, double medianCv, double seconds, string? loadBefore, string? loadAfter) =>
        JsonSerializer.Serialize(new
        {
            runs = e.Runs,
            pairs = e.Pairs,
            cases = e.Cases,
            samples,
            calibration_runs = e.CalibrationRuns,
            median_robust_cv = medianCv,
            alpha = e.Alpha,
            noise_k = e.NoiseK,
            min_history = e.MinHistory,
            history_limit = e.HistoryLimit,
            median_noise_floor = e.MedianNoiseFloor,
            comparisons = e.Comparisons,
            fallbacks = e.Fallbacks,
            cv_limit = e.CvLimit,
            plan = new { kernel = s.Kernel, n = s.N, min_samples = s.MinSamples, budget = s.Budget, @fixed = FixedPlan },
            seconds,
            load_average_before = loadBefore,
            load_average_after = loadAfter,
            thresholds = e.Thresholds.Select(t => new
            {
                effect = t.Effect,
                aa = Counts(t.AA),
                false_positives = t.AA.Slower + t.AA.Faster,
                false_positive_rate = t.FalsePositiveRate,
                median_applied_threshold = t.MedianAppliedEffect,
                injected = t.Injected.Select(d => new { slowdown = d.Slowdown, counts = Counts(d.Counts), detected = d.Counts.Slower, detection_rate = d.DetectionRate }),
            }),
        }, JsonOptions) + Environment.NewLine;

    private static object Counts(VerdictCounts c) => new
    {
        total = c.Total, slower = c.Slower, faster = c.Faster, same = c.Same, noisy = c.Noisy, insufficient = c.Insufficient,
        noisy_share = c.Share(c.Noisy), insufficient_share = c.Share(c.Insufficient),
    };
}
