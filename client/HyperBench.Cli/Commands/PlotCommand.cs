using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>`hyperbench plot SWEEP_ID`: a PNG of time vs n (log-log, per kernel and mask) and speed-up vs n.</summary>
public sealed class PlotCommand(IAnsiConsole console) : AsyncCommand<PlotSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, PlotSettings settings, CancellationToken cancellationToken)
    {
        ISweepStore store;
        SweepRow sweep;
        try
        {
            if (settings.Out is not null && !settings.Out.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new PlanException($"--out: '{settings.Out}' must name a .png file.");
            if (string.IsNullOrWhiteSpace(settings.SweepId)) throw new PlanException("plot: which sweep? (hyperbench plot SWEEP_ID; `hyperbench results` lists them)");
            OutputPath.CheckFile("--out", settings.Out);
            store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
            sweep = await StoreOpener.FindSweepAsync(store, settings.SweepId, cancellationToken);
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }
        await using var opened = store;
        var lines = SweepSummary.From(await store.GetResultsAsync(sweep.SweepId, cancellationToken));
        if (!lines.Any(l => l.MedianSeconds is > 0))
        {
            console.MarkupLine($"[red]error:[/] sweep '{Markup.Escape(sweep.SweepId)}' has no successful result to plot.");
            return ExitCodes.CaseFailed;
        }
        string path = settings.Out ?? Path.Combine("hyperbench-results", $"{sweep.SweepId}.png");
        SweepPlot.Save(path, sweep.Tag is null ? $"sweep {sweep.SweepId}" : $"{sweep.Tag} ({sweep.SweepId})", lines);
        console.MarkupLine($"plot written to [blue]{Markup.Escape(Path.GetFullPath(path))}[/]");
        return ExitCodes.Ok;
    }
}
