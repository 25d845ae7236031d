using System.Globalization;
using System.Text;
using System.Text.Json;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>The list of stored sweeps, as a console table or as CSV, JSON, Markdown.</summary>
public static class SweepListTable
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Table Build(IEnumerable<SweepRow> sweeps)
    {
        // The count columns are named after the case status they count.
        var table = new Table().Border(TableBorder.Rounded).AddColumns("sweep", "tag", "status", "cases", StatusWords.Word(CaseStatus.Done),
            StatusWords.Word(CaseStatus.Failed), StatusWords.Word(CaseStatus.Skipped), "created (UTC)", "finished (UTC)");
        foreach (var s in sweeps)
        {
            table.AddRow(Markup.Escape(s.SweepId), Markup.Escape(s.Tag ?? ""), StatusWords.Word(s.Status), Num(s.CaseCount), Num(s.DoneCount), Num(s.FailedCount), Num(s.SkippedCount),
                s.CreatedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                s.FinishedUtc?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-");
        }
        return table;
    }

    public static string Render(IReadOnlyList<SweepRow> sweeps, string format)
    {
        var rows = sweeps.Select(s => new
        {
            sweep_id = s.SweepId, tag = s.Tag ?? "", status = StatusWords.Word(s.Status), cases = s.CaseCount, done = s.DoneCount, failed = s.FailedCount,
            skipped = s.SkippedCount,
            created_utc = s.CreatedUtc.ToString("O", CultureInfo.InvariantCulture), finished_utc = s.FinishedUtc?.ToString("O", CultureInfo.InvariantCulture) ?? "",
        }).ToList();
        if (format == "json") return JsonSerializer.Serialize(rows, JsonOptions);
        var sb = new StringBuilder();
        if (format == "csv")
        {
            sb.AppendLine("sweep_id,tag,status,cases,done,failed,skipped,created_utc,finished_utc");
            foreach (var r in rows) sb.AppendLine(CultureInfo.InvariantCulture, $"{r.sweep_id},\"{r.tag.Replace("\"", "\"\"", StringComparison.Ordinal)}\",{r.status},{r.cases},{r.done},{r.failed},{r.skipped},{r.created_utc},{r.finished_utc}");
            return sb.ToString();
        }
        sb.AppendLine("| sweep | tag | status | cases | done | failed | skipped | created (UTC) |").AppendLine("|---|---|---|---:|---:|---:|---:|---|");
        foreach (var r in rows) sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.sweep_id} | {r.tag} | {r.status} | {r.cases} | {r.done} | {r.failed} | {r.skipped} | {r.created_utc} |");
        return sb.ToString();
    }

    private static string Num(int v) => v.ToString(CultureInfo.InvariantCulture);
}
