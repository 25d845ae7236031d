using System.Diagnostics;
using System.Globalization;
using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Spectre.Console;

namespace HyperBench.Cli.Commands;

/// <summary>Live progress of a sweep (overall and per device) until it finishes, then its summary table. Shared by `sweep` and `sweep resume`.</summary>
internal static class SweepMonitor
{
    /// <summary>
    /// A status poll is read-only, so one that does not answer soon is abandoned and sent again: a request already on its way to a
    /// silo that was just killed would otherwise wait out Orleans' 30 s response timeout while the sweep goes on elsewhere.
    /// </summary>
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(5);

    /// <param name="preset">The preset the sweep was planned from, with its grid: its summary follows the table (<see cref="PresetSummary"/>).</param>
    public static async Task<int> FollowAsync(IAnsiConsole console, SweepTarget target, string sweepId, CancellationToken cancellationToken,
        (PlanPreset Preset, BenchmarkGrid Grid)? preset = null)
    {
        var sweep = target.Client.GetGrain<ISweepGrain>(sweepId);
        var wall = Stopwatch.StartNew();
        SweepStatusView status;
        bool interrupted = false;
        try
        {
            // The silo hosting the sweep grain may die while we watch; the cluster re-activates the grain elsewhere and the sweep goes
            // on, so a rejected or timed-out poll is retried (bounded) instead of ending the command.
            status = await ClusterRetry.CallAsync(() => sweep.GetStatusAsync().WaitAsync(PollTimeout, cancellationToken), cancellationToken: cancellationToken);
            status = await ProgressAsync(console, status,
                ct => ClusterRetry.CallAsync(() => sweep.GetStatusAsync().WaitAsync(PollTimeout, ct), cancellationToken: ct),
                TimeSpan.FromMilliseconds(250), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
            status = null!;
        }

        if (interrupted)
        {
            console.MarkupLine(target.Embedded
                ? $"[yellow]interrupted:[/] stopping; sweep [bold]{sweepId}[/] is unfinished and stored: " +
                  $"`hyperbench sweep resume {sweepId}` finishes it (finished cases are kept; the running one is handed back)."
                : $"[yellow]interrupted:[/] stopped watching; the cluster goes on with sweep [bold]{sweepId}[/]: `hyperbench results {sweepId}` shows it.");
            return ExitCodes.Interrupted;
        }

        if (target.Store is not null)
        {
            var lines = SweepSummary.From(await target.Store.GetResultsAsync(sweepId, CancellationToken.None));
            SummaryTable.Write(console, lines, sweepId);
            if (preset is { } p) PresetSummary.Write(console, p.Preset, p.Grid, lines);
            foreach (var l in lines.Where(l => l.Error is not null))
                console.MarkupLine($"{SummaryTable.StatusMarkup(l.Status)} {Markup.Escape($"{l.Kernel} n={l.N} causal={l.Causal} {l.Pass}")}: {Markup.Escape(l.Error!)}");
            await WriteUnmeasuredAsync(console, target.Store, sweepId, lines);
        }
        else
        {
            console.MarkupLine("[grey]no results store named on this side (--db): `hyperbench results <id> --db <the cluster's database>` shows the summary.[/]");
        }
        console.MarkupLine($"sweep [bold]{sweepId}[/] {status.StatusWord}: {status.Done} done, {status.Failed} failed, {status.Skipped} skipped, " +
            $"{status.Cancelled} cancelled of {status.Total} " +
            $"in {wall.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        if (target.Store is not null) console.MarkupLine($"results in [blue]{Markup.Escape(target.Store.Description)}[/]: `hyperbench results {sweepId}`, `hyperbench plot {sweepId}`");
        // Skipped cases (no device can hold them) do not fail the sweep, as in `kernels bench` (docs/exit-codes.md): each is listed with its reason.
        return status.Failed > 0 || status.Status != SweepStatus.Completed ? ExitCodes.CaseFailed : ExitCodes.Ok;
    }

    /// <summary>
    /// Live progress of a sweep on a terminal: one bar for the sweep, one per device (its count and current case), polled every
    /// <paramref name="period"/> until the sweep has finished (or is gone). Shared by `sweep` and `sweep watch`.
    /// </summary>
    /// <returns>The last status polled.</returns>
    internal static async Task<SweepStatusView> ProgressAsync(IAnsiConsole console, SweepStatusView status,
        Func<CancellationToken, Task<SweepStatusView>> poll, TimeSpan period, CancellationToken cancellationToken)
    {
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var overall = ctx.AddTask("[bold]sweep[/]", maxValue: Math.Max(1, status.Total));
                var devices = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                while (true)
                {
                    overall.MaxValue = Math.Max(1, status.Total);
                    overall.Value = status.Done + status.Failed + status.Skipped + status.Cancelled;
                    overall.Description = $"[bold]sweep[/] {status.Done}/{status.Total} done" +
                        (status.Failed > 0 ? $", [red]{status.Failed} failed[/]" : "") + (status.Skipped > 0 ? $", [grey]{status.Skipped} skipped[/]" : "") +
                        (status.Leased > 0 ? $", {status.Leased} running" : "");
                    foreach (var d in status.Devices)
                    {
                        if (!devices.TryGetValue(d.DeviceKey, out var task))
                            devices[d.DeviceKey] = task = ctx.AddTask(Markup.Escape(d.DeviceKey), maxValue: Math.Max(1, status.Total));
                        task.Value = d.Done + d.Failed;
                        task.Description = $"  {Markup.Escape(d.DeviceKey)} [grey]{d.Done} done" + (d.Failed > 0 ? $", {d.Failed} failed" : "") +
                            (d.CurrentCase is null ? "" : $"; now {Markup.Escape(d.CurrentCase)}") + "[/]";
                    }
                    if (status.Finished || !status.Exists) break;
                    await Task.Delay(period, cancellationToken);
                    status = await poll(cancellationToken);
                }
                overall.StopTask();
                foreach (var t in devices.Values) t.StopTask();
            });
        return status;
    }

    /// <summary>
    /// After a sweep: when the noise gate re-measures some of its cases in a child sweep, follows that one too and says which cases
    /// were re-measured and which stayed noisy. Returns the worse of <paramref name="parentExit"/> and the child's exit code.
    /// </summary>
    public static async Task<int> FollowNoiseGateAsync(IAnsiConsole console, SweepTarget target, string sweepId, int parentExit,
        CancellationToken cancellationToken)
    {
        var view = await ClusterRetry.CallAsync(() => target.Client.GetGrain<ISweepGrain>(sweepId).GetStatusAsync().WaitAsync(PollTimeout, cancellationToken),
            cancellationToken: cancellationToken);
        if (view.ChildSweepId is not { } child) return parentExit;
        var childView = await ClusterRetry.CallAsync(() => target.Client.GetGrain<ISweepGrain>(child).GetStatusAsync().WaitAsync(PollTimeout, cancellationToken),
            cancellationToken: cancellationToken);
        console.MarkupLine($"[yellow]noise gate:[/] {childView.Total} case(s) above the CV limit are measured again " +
            $"({NoiseGate.BudgetFactor.ToString(CultureInfo.InvariantCulture)}x the budget, {NoiseGate.MinSamplesFactor}x the min samples) in sweep [blue]{child}[/]");
        int exit = await FollowAsync(console, target, child, cancellationToken);
        if (exit == ExitCodes.Interrupted) return exit;
        if (target.Store is not null)
        {
            var rows = await target.Store.GetResultsAsync(child, CancellationToken.None);
            var settled = rows.Where(r => r.Noisy == false).Select(Describe).ToList();
            var noisy = rows.Where(r => r.Noisy == true).Select(Describe).ToList();
            console.MarkupLine($"noise gate: re-measured {rows.Count} case(s) of sweep [bold]{sweepId}[/] in [bold]{child}[/]: {settled.Count} settled, " +
                $"{(noisy.Count > 0 ? "[yellow]" : "")}{noisy.Count} still noisy{(noisy.Count > 0 ? "[/]" : "")}");
            foreach (var line in settled) console.MarkupLine($"  [green]settled[/] {Markup.Escape(line)}");
            foreach (var line in noisy) console.MarkupLine($"  [yellow]noisy[/] {Markup.Escape(line)}");
        }
        return Math.Max(parentExit, exit);

        static string Describe(ResultSummaryRow r) => string.Create(CultureInfo.InvariantCulture,
            $"{r.Kernel} n={r.N} causal={r.Causal} {r.Pass} ({r.CaseId}): CV {r.CoefficientOfVariation:P1}");
    }

    /// <summary>
    /// Cases that end without a result row, from their stored case rows: skipped ones with their reason, and ones failed by the scheduler
    /// (out of attempts: no device finished them) with their error.
    /// </summary>
    internal static async Task WriteUnmeasuredAsync(IAnsiConsole console, ISweepStore store, string sweepId, IReadOnlyList<ResultLine> measured)
    {
        var withResult = measured.Select(l => l.CaseId).ToHashSet(StringComparer.Ordinal);
        foreach (var row in await store.GetCasesAsync(sweepId, CancellationToken.None))
        {
            if (row.Status == CaseStatus.Skipped) Write(ResultStatus.Skipped, row, row.SkipReason);
            else if (row.Status == CaseStatus.Failed && !withResult.Contains(row.CaseId)) Write(ResultStatus.Failed, row, row.Error);
        }

        void Write(ResultStatus status, SweepCaseRow row, string? why) =>
            console.MarkupLine($"{SummaryTable.StatusMarkup(status)} {Markup.Escape(CaseJson.Deserialize(row.CaseJson).ToString())}: {Markup.Escape(why ?? "")}");
    }
}
