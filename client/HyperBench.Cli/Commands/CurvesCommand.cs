using System.Globalization;
using System.Text.Json;
using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Regressions;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench curves SWEEP [--against SWEEP]`: the exponent of time against n per kernel, mask, pass, dtype and device model, where hyper
/// overtakes flash, and whether either moved against the previous run of the same plan (docs/history.md). Exit 1 when one moved.
/// </summary>
public sealed class CurvesCommand(IAnsiConsole console) : AsyncCommand<CurvesSettings>
{
    public static readonly string[] Formats = ["table", "json"];

    /// <summary>How many stored sweeps are searched for the previous run of the same plan.</summary>
    private const int PreviousSearchLimit = 500;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public override async Task<int> ExecuteAsync(CommandContext context, CurvesSettings settings, CancellationToken cancellationToken)
    {
        ISweepStore store;
        SweepRow sweep;
        SweepRow? against = null;
        try
        {
            if (!Formats.Contains(settings.Format))
                throw new PlanException($"--format: '{settings.Format}' is not valid; use one of: {string.Join(", ", Formats)}.");
            if (string.IsNullOrWhiteSpace(settings.SweepId)) throw new PlanException("curves: which sweep? (hyperbench curves SWEEP_ID)");
            store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
            sweep = await StoreOpener.FindSweepAsync(store, settings.SweepId, cancellationToken);
            if (settings.Against is not null && settings.Against != "none")
            {
                against = await StoreOpener.FindSweepAsync(store, settings.Against, cancellationToken);
                if (against.SweepId == sweep.SweepId) throw new PlanException($"--against: '{settings.Against}' is the sweep itself.");
            }
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }
        await using var opened = store;
        var rows = await store.GetResultsAsync(sweep.SweepId, cancellationToken);
        IReadOnlyList<ResultSummaryRow>? againstRows = null;
        if (against is not null)
        {
            againstRows = await store.GetResultsAsync(against.SweepId, cancellationToken);
        }
        else if (settings.Against is null)
        {
            (against, againstRows) = await PreviousRunAsync(store, sweep, rows, cancellationToken);
        }
        var report = CurveVerdicts.Build(sweep.SweepId, rows, against?.SweepId, againstRows);
        if (settings.Format == "json") Console.Out.Write(Json(report));
        else Table(report, settings.Against == "none");
        return report.AnyMoved ? ExitCodes.CaseFailed : ExitCodes.Ok;
    }

    /// <summary>The newest sweep created before this one with the same plan and a device model in common; none when there is none.</summary>
    private static async Task<(SweepRow?, IReadOnlyList<ResultSummaryRow>?)> PreviousRunAsync(ISweepStore store, SweepRow sweep,
        IReadOnlyList<ResultSummaryRow> rows, CancellationToken cancellationToken)
    {
        var models = rows.Select(r => r.DeviceName).ToHashSet(StringComparer.Ordinal);
        foreach (var candidate in await store.ListSweepsAsync(PreviousSearchLimit, cancellationToken))
        {
            if (candidate.SweepId == sweep.SweepId || candidate.CreatedUtc > sweep.CreatedUtc || candidate.PlanJson != sweep.PlanJson) continue;
            if (candidate.CreatedUtc == sweep.CreatedUtc && string.CompareOrdinal(candidate.SweepId, sweep.SweepId) > 0) continue;
            var candidateRows = await store.GetResultsAsync(candidate.SweepId, cancellationToken);
            if (candidateRows.Any(r => models.Contains(r.DeviceName))) return (candidate, candidateRows);
        }
        return (null, null);
    }

    private void Table(CurveReport report, bool noComparison)
    {
        console.MarkupLine($"curves of sweep [bold]{Markup.Escape(report.SweepId)}[/]: log(median) against log(n), least squares" +
            (report.AgainstSweepId is { } a ? $"; against sweep [bold]{Markup.Escape(a)}[/]"
                : noComparison ? "" : "; no earlier sweep of the same plan on the same device model to compare with"));
        if (report.Curves.Count == 0)
        {
            console.MarkupLine("[yellow]no curve:[/] a curve needs successful cases at two or more n.");
            return;
        }
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("device", "kernel", "mask", "pass", "dtype", "points", "n", "exponent", "95% CI", "R²", "previous", "moved");
        foreach (var c in report.Curves)
        {
            table.AddRow(Markup.Escape(c.Key.DeviceModel), c.Key.Kernel, c.Key.Mask, c.Key.Pass, c.Key.Dtype, N(c.Fit.Points),
                $"{N(c.Fit.MinN)}..{N(c.Fit.MaxN)}", F(c.Fit.Exponent, "F2"),
                c.Fit.ExponentCiLow is { } lo && c.Fit.ExponentCiHigh is { } hi ? $"{F(lo, "F2")}..{F(hi, "F2")}" : "-",
                F(c.Fit.RSquared, "F4"), c.Previous is { } p ? F(p.Exponent, "F2") : "-",
                c.Moved ? $"[red]{Markup.Escape(c.Why!)}[/]" : "");
        }
        console.Write(table);
        if (report.Crossovers.Count > 0)
        {
            var cross = new Table().Border(TableBorder.Simple).Title("where hyper overtakes flash");
            cross.AddColumns("device", "mask", "pass", "dtype", "fitted n (lines meet)", "measured n (hyper faster from)", "previous fitted n", "moved");
            foreach (var x in report.Crossovers)
                cross.AddRow(Markup.Escape(x.Hyper.DeviceModel), x.Hyper.Mask, x.Hyper.Pass, x.Hyper.Dtype,
                    x.FittedN is { } f ? F(f, "F0") : "never (exponents do not cross)", x.MeasuredN is { } m ? N(m) : "not in the measured range",
                    x.PreviousFittedN is { } pf ? F(pf, "F0") : "-", x.Moved ? $"[red]{Markup.Escape(x.Why!)}[/]" : "");
            console.Write(cross);
        }
        console.MarkupLine($"[grey]moved: exponent changed by more than ±{F(CurveVerdicts.ExponentTolerance, "F2")}, or the fitted crossover moved by more than " +
            $"×{F(CurveVerdicts.CrossoverFactor, "F1")} (or appeared, or vanished).[/]");
    }

    private static string Json(CurveReport report) => JsonSerializer.Serialize(new
    {
        report.SweepId,
        report.AgainstSweepId,
        report.AnyMoved,
        CurveVerdicts.ExponentTolerance,
        CurveVerdicts.CrossoverFactor,
        Curves = report.Curves.Select(c => new
        {
            c.Key.DeviceModel, c.Key.Kernel, c.Key.HyperParameters, c.Key.Causal, c.Key.Pass, c.Key.Dtype, c.Key.Batch, c.Key.Heads, c.Key.D,
            c.Key.Distribution, c.Fit.Points, c.Fit.MinN, c.Fit.MaxN, c.Fit.Exponent, c.Fit.ExponentCiLow, c.Fit.ExponentCiHigh, c.Fit.RSquared,
            PreviousExponent = c.Previous?.Exponent, c.ExponentChange, c.Moved, c.Why,
        }),
        Crossovers = report.Crossovers.Select(x => new
        {
            x.Hyper.DeviceModel, x.Hyper.HyperParameters, x.Hyper.Causal, x.Hyper.Pass, x.Hyper.Dtype, FittedN = x.FittedN, MeasuredN = x.MeasuredN,
            x.PreviousFittedN, x.Moved, x.Why,
        }),
    }, JsonOptions) + Environment.NewLine;

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);
}
