using System.Diagnostics;
using System.Globalization;
using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Kernels;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>`hyperbench kernels bench`: a kernel sweep in this process, through the one measurement engine.</summary>
public sealed class KernelsBenchCommand(IAnsiConsole console) : Command<KernelsBenchSettings>
{
    public override int Execute(CommandContext context, KernelsBenchSettings settings, CancellationToken cancellationToken)
    {
        MeasurementOptions measurement;
        IReadOnlyList<BenchmarkCase> cases;
        IAttentionBackend backend;
        BenchmarkGrid grid;
        PlanPreset? preset;
        try
        {
            if (!(settings.TimeLimit >= 0) || double.IsInfinity(settings.TimeLimit)) throw new PlanException($"--time-limit: {settings.TimeLimit} must be >= 0 seconds (0 = no limit).");
            if (settings.DumpLimit < 1) throw new PlanException($"--dump-limit: {settings.DumpLimit} must be >= 1 element.");
            OutputPath.CheckFile("--json", settings.Json);
            OutputPath.CheckDirectory("--dump", settings.Dump);
            var device = BackendFactory.Resolve(settings.Device);
            bool gpu = device.Kind == DeviceKind.Cuda;
            var options = settings.ToPlanOptions(PlanDefaults.KernelsBench(gpu));
            preset = options.Preset;
            var plan = PlanBuilder.Build(options);
            grid = plan.Grid;
            measurement = plan.Measurement with { KeepTensors = settings.Dump is not null };
            cases = plan.Grid.Expand();
            if (settings.Dump is not null) TensorDumpWriter.EnsureWithinLimit(cases, settings.DumpLimit);
            PlanBuilder.RequireDtypes(plan.Grid, [device.ToString()]);
            backend = BackendFactory.Create(settings.Device);
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }

        using (backend)
        {
            var env = EnvironmentInfo.Capture(backend.Device);
            string jsonPath = settings.Json ?? Path.Combine("hyperbench-results", $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
            console.MarkupLine($"[bold]HyperBench[/] kernels bench: {cases.Count} case(s) on [green]{Markup.Escape(backend.Device.Id)}[/] ({Markup.Escape(backend.Device.Name)}; {Markup.Escape(backend.Device.Detail)})");
            console.MarkupLine($"[grey]min {measurement.MinSamples} samples, budget {measurement.BudgetSeconds.ToString(CultureInfo.InvariantCulture)} s per case; report: {Markup.Escape(jsonPath)}[/]");

            var engine = new BenchmarkEngine(backend, measurement);
            var reports = new List<ResultLine>();
            var results = new List<CaseResult>();
            var wall = Stopwatch.StartNew();
            var command = "hyperbench " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));

            console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var overall = ctx.AddTask($"[bold]{cases.Count} cases[/]", maxValue: cases.Count);
                    foreach (var c in cases)
                    {
                        if (settings.TimeLimit > 0 && wall.Elapsed.TotalSeconds > settings.TimeLimit)
                        {
                            reports.Add(ResultLine.Skipped(c, backend.Device, $"--time-limit of {settings.TimeLimit} s reached before this case started"));
                            overall.Increment(1);
                            continue;
                        }
                        if (NoRoomFor(c, backend) is { } noRoom)
                        {
                            // As a sweep does for a case no device can hold: skipped with the sizes, not failed.
                            reports.Add(ResultLine.Skipped(c, backend.Device, noRoom));
                            overall.Increment(1);
                            continue;
                        }
                        var task = ctx.AddTask(Markup.Escape(c.ToString()), maxValue: 1.0);
                        var progress = new SynchronousProgress<CaseProgress>(p =>
                        {
                            task.Description = $"{Markup.Escape(c.ToString())} [grey]{p.Phase}{(p.Samples > 0 ? $" {p.Samples}" : "")}[/]";
                            task.Value = p.Fraction;
                        });
                        var result = engine.Run(c, progress, cancellationToken);
                        task.Value = 1.0;
                        task.Description = $"{Markup.Escape(c.ToString())} {(result.Error is null ? $"[green]{Format.Seconds(result.Statistics!.Median)}[/]" : "[red]failed[/]")}";
                        task.StopTask();
                        results.Add(result);
                        reports.Add(ResultLine.Measured(result, backend.Device));
                        if (settings.Dump is not null && result.Tensors is not null) TensorDumpWriter.Write(settings.Dump, result);
                        overall.Increment(1);
                        // Rewrite after every case: a run cut short still leaves every finished case on disk.
                        JsonReportWriter.Write(jsonPath, BenchReport.Of("hyperbench", command, env, measurement, reports));
                    }
                });

            JsonReportWriter.Write(jsonPath, BenchReport.Of("hyperbench", command, env, measurement, reports));
            var lines = ResultLine.WithSpeedups(reports);
            console.Write(ResultTable.Build(lines));
            if (lines.Any(r => r.Kernel == "hyper")) console.Write(ResultTable.BuildComparison(lines));
            if (preset is not null) PresetSummary.Write(console, preset, grid, lines);
            console.MarkupLine($"wall time {wall.Elapsed.TotalSeconds:F1} s; report written to [blue]{Markup.Escape(Path.GetFullPath(jsonPath))}[/]");
            if (settings.Dump is not null) console.MarkupLine($"tensors dumped under [blue]{Markup.Escape(Path.GetFullPath(settings.Dump))}[/]");
            foreach (var r in reports.Where(r => r.Status != ResultStatus.Ok))
                console.MarkupLine($"{SummaryTable.StatusMarkup(r.Status)} {Markup.Escape($"{r.Kernel} n={r.N} causal={r.Causal} {r.Pass}")}: " +
                    Markup.Escape(r.SkipReason ?? r.Error ?? r.InvalidReason ?? ""));
            // Skipped is not failed (docs/exit-codes.md): the same rule as a sweep's.
            return reports.Any(r => r.Status == ResultStatus.Failed) ? ExitCodes.CaseFailed : ExitCodes.Ok;
        }
    }

    /// <summary>Why the device cannot hold the case (the sweep scheduler's wording), or null when it fits.</summary>
    private static string? NoRoomFor(BenchmarkCase c, IAttentionBackend backend)
    {
        const double GiB = 1L << 30;
        long needed = MemoryEstimate.BytesNeeded(c, backend), available = MemoryEstimate.BytesAvailable(backend);
        return needed <= available ? null : string.Create(CultureInfo.InvariantCulture,
            $"no device can hold it: needs {needed / GiB:F2} GiB, {backend.Device.Id} has {available / GiB:F2} GiB");
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; the live display wants updates in order, on this thread.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
