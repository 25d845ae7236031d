using System.Globalization;
using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>`hyperbench results [SWEEP_ID]`: stored sweeps, or one sweep's summary, as a table, CSV, JSON or Markdown.</summary>
public sealed class ResultsCommand(IAnsiConsole console) : AsyncCommand<ResultsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ResultsSettings settings, CancellationToken cancellationToken)
    {
        ISweepStore store;
        SweepRow? sweep = null;
        try
        {
            if (!SummaryWriter.Formats.Contains(settings.Format))
                throw new PlanException($"--format: '{settings.Format}' is not valid; use one of: {string.Join(", ", SummaryWriter.Formats)}.");
            if (settings.Limit < 1) throw new PlanException($"--limit: {settings.Limit} must be >= 1.");
            OutputPath.CheckFile("--out", settings.Out);
            store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
            if (settings.SweepId is not null) sweep = await StoreOpener.FindSweepAsync(store, settings.SweepId, cancellationToken);
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }

        await using var opened = store;
        if (sweep is null)
        {
            var sweeps = await store.ListSweepsAsync(settings.Limit, cancellationToken);
            if (settings.Format == "table")
            {
                console.MarkupLine($"[grey]{sweeps.Count} sweep(s) in {Markup.Escape(store.Description)}[/]");
                console.Write(SweepListTable.Build(sweeps));
            }
            else
            {
                Emit(SweepListTable.Render(sweeps, settings.Format), settings.Out);
            }
            return ExitCodes.Ok;
        }

        var lines = SweepSummary.From(await store.GetResultsAsync(sweep.SweepId, cancellationToken),
            await store.GetTelemetryAsync(sweep.SweepId, cancellationToken));
        switch (settings.Format)
        {
            case "table":
                console.MarkupLine($"sweep [bold]{Markup.Escape(sweep.SweepId)}[/]{(sweep.Tag is null ? "" : $" ({Markup.Escape(sweep.Tag)})")}: {StatusWords.Word(sweep.Status)}, " +
                    $"{sweep.DoneCount.ToString(CultureInfo.InvariantCulture)} done, {sweep.FailedCount.ToString(CultureInfo.InvariantCulture)} failed, " +
                    $"{sweep.SkippedCount.ToString(CultureInfo.InvariantCulture)} skipped of {sweep.CaseCount.ToString(CultureInfo.InvariantCulture)}; " +
                    $"created {sweep.CreatedUtc:yyyy-MM-dd HH:mm:ss} UTC");
                SummaryTable.Write(console, lines, sweep.SweepId);
                TelemetryTable.Write(console, lines);
                await WriteLineageAsync(store, sweep, cancellationToken);
                break;
            case "csv": Emit(SummaryWriter.Csv(lines), settings.Out); break;
            case "json": Emit(SummaryWriter.Json(lines), settings.Out); break;
            default: Emit(SummaryWriter.Markdown(lines), settings.Out); break;
        }
        return ExitCodes.Ok;
    }

    /// <summary>The noise gate's links: the sweep this one re-measures, or the child that re-measured this one's noisy cases.</summary>
    private async Task WriteLineageAsync(ISweepStore store, SweepRow sweep, CancellationToken cancellationToken)
    {
        if (sweep.ParentSweepId is { } parent)
            console.MarkupLine($"noise gate: this sweep re-measures the noisy cases of sweep [blue]{Markup.Escape(parent)}[/]");
        if (await store.GetChildSweepAsync(sweep.SweepId, cancellationToken) is not { } child) return;
        var rows = await store.GetResultsAsync(child.SweepId, cancellationToken);
        console.MarkupLine($"noise gate: {child.CaseCount.ToString(CultureInfo.InvariantCulture)} case(s) re-measured in sweep [blue]{Markup.Escape(child.SweepId)}[/] " +
            $"(`hyperbench results {Markup.Escape(child.SweepId)}`): {rows.Count(r => r.Noisy == false).ToString(CultureInfo.InvariantCulture)} settled, " +
            $"{rows.Count(r => r.Noisy == true).ToString(CultureInfo.InvariantCulture)} still noisy");
    }

    private void Emit(string text, string? path)
    {
        if (path is null)
        {
            // Plain stdout, not the Spectre console: piped CSV/JSON must not be wrapped or marked up.
            Console.Out.Write(text);
            return;
        }
        OutputPath.WriteAllText(path, text);
        console.MarkupLine($"written to [blue]{Markup.Escape(Path.GetFullPath(path))}[/]");
    }
}
