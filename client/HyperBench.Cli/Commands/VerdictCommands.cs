using System.Globalization;
using System.Text.Json;
using HyperBench.Cli.Plans;
using HyperBench.Regressions;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench verdict label COMPARISON_ID CASE_ID --true-positive|--false-positive [--note TEXT]` (docs/regressions.md, "Detector
/// quality"): labels a stored verdict. Exit 2 for an unknown comparison or case or a missing/double label (nothing stored), 3 database unreachable.
/// </summary>
public sealed class VerdictLabelCommand(IAnsiConsole console) : AsyncCommand<VerdictLabelSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, VerdictLabelSettings settings, CancellationToken cancellationToken)
    {
        string label, db;
        try
        {
            if (settings.TruePositive == settings.FalsePositive)
                throw new PlanException("give exactly one of --true-positive (the case really regressed) and --false-positive (it did not).");
            label = settings.TruePositive ? VerdictLabels.TruePositive : VerdictLabels.FalsePositive;
            (db, _) = CliConfiguration.Db(settings.Db);
            await using var store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
            var verdicts = await ((IRegressionStore)store).GetVerdictsAsync(settings.ComparisonId, cancellationToken);
            if (verdicts.Count == 0)
                throw new PlanException($"comparison '{settings.ComparisonId}' is not in {store.Description} (`hyperbench verdict list` lists the stored verdicts).");
            if (!verdicts.Any(v => v.CaseId == settings.CaseId))
                throw new PlanException($"case '{settings.CaseId}' is not in comparison '{settings.ComparisonId}' (its cases: " +
                    $"{string.Join(", ", verdicts.Take(5).Select(v => v.CaseId))}{(verdicts.Count > 5 ? ", ..." : "")}).");
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.InvalidInput;
        }

        await using (var writer = StoreOpener.OpenWriter(db))
        {
            if (!await writer.LabelVerdictAsync(settings.ComparisonId, settings.CaseId, label, settings.Note, DateTime.UtcNow, cancellationToken))
            {
                console.MarkupLine($"[red]error:[/] verdict ({Markup.Escape(settings.ComparisonId)}, {Markup.Escape(settings.CaseId)}) was removed meanwhile.");
                return ExitCodes.InvalidInput;
            }
        }
        console.MarkupLine($"labelled {Markup.Escape(settings.ComparisonId)} {Markup.Escape(settings.CaseId)} [bold]{label}[/]");
        return ExitCodes.Ok;
    }
}

/// <summary>`hyperbench verdict list [--labelled]`: the newest stored verdicts with their labels.</summary>
public sealed class VerdictListCommand(IAnsiConsole console) : AsyncCommand<VerdictListSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, VerdictListSettings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<RegressionVerdictRow> rows;
        try
        {
            VerdictFormats.Check(settings.Format);
            if (settings.Limit is < 1 or > 100_000) throw new PlanException($"--limit: '{settings.Limit}' is out of range (1..100000).");
            await using var store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
            rows = await ((IRegressionStore)store).ListVerdictsAsync(settings.Labelled, settings.Limit, cancellationToken);
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.InvalidInput;
        }
        if (settings.Format == "json")
        {
            Console.Out.Write(JsonSerializer.Serialize(rows.Select(r => new
            {
                comparison_id = r.ComparisonId, case_id = r.CaseId, baseline_sweep_id = r.BaselineSweepId, candidate_sweep_id = r.CandidateSweepId,
                verdict = r.Verdict, change = r.Change, p_value = r.PValue, decided_utc = r.DecidedUtc, label = r.Label,
                labelled_utc = r.LabelledUtc, label_note = r.LabelNote,
            }), VerdictFormats.JsonOptions) + Environment.NewLine);
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumn("comparison").AddColumn("case").AddColumn("verdict").AddColumn("change").AddColumn("p").AddColumn("label").AddColumn("note");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.ComparisonId), Markup.Escape(r.CaseId), r.Verdict,
                r.Change is { } c ? c.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture) : "-",
                r.PValue is { } p ? p.ToString("G3", CultureInfo.InvariantCulture) : "-", r.Label ?? "-", Markup.Escape(r.LabelNote ?? ""));
        console.Write(table);
        console.MarkupLine($"{rows.Count} verdict(s){(settings.Labelled ? " labelled" : "")}");
        return ExitCodes.Ok;
    }
}

/// <summary>`hyperbench verdict stats`: precision and recall of the detector from the labelled verdicts (<see cref="LabelQuality"/>).</summary>
public sealed class VerdictStatsCommand(IAnsiConsole console) : AsyncCommand<VerdictStatsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, VerdictStatsSettings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<RegressionVerdictRow> rows;
        try
        {
            VerdictFormats.Check(settings.Format);
            await using var store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
            rows = await ((IRegressionStore)store).ListVerdictsAsync(labelledOnly: true, int.MaxValue, cancellationToken);
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.InvalidInput;
        }
        var q = LabelQuality.Of(rows.Select(r => (VerdictNames.Parse(r.Verdict), r.Label == VerdictLabels.TruePositive)));
        static string Rate(double? x) => x is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
        if (settings.Format == "json")
        {
            Console.Out.Write(JsonSerializer.Serialize(new
            {
                labelled = q.Labelled, true_positives = q.TruePositives, false_positives = q.FalsePositives, false_negatives = q.FalseNegatives,
                true_negatives = q.TrueNegatives, precision = q.Precision, recall = q.Recall,
            }, VerdictFormats.JsonOptions) + Environment.NewLine);
            return ExitCodes.Ok;
        }
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"{q.Labelled} labelled verdict(s): {q.TruePositives} true positive(s), {q.FalsePositives} false positive(s), " +
            $"{q.FalseNegatives} missed regression(s), {q.TrueNegatives} true negative(s)"));
        console.MarkupLine($"precision {Rate(q.Precision)} (TP / (TP + FP), slower verdicts); recall {Rate(q.Recall)} (TP / (TP + FN), real regressions)");
        return ExitCodes.Ok;
    }
}

internal static class VerdictFormats
{
    public static IReadOnlyList<string> All { get; } = ["table", "json"];

    public static JsonSerializerOptions JsonOptions { get; } = new() { WriteIndented = true };

    public static void Check(string format)
    {
        if (!All.Contains(format)) throw new PlanException($"--format: '{format}' is not valid; use one of: {string.Join(", ", All)}.");
    }
}
