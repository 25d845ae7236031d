using System.Globalization;
using System.Text;
using System.Text.Json;
using HyperBench.Regressions;
using HyperBench.Storage;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>`hyperbench history` as a table per case (points oldest first, steps marked), JSON or CSV (one row per point).</summary>
public static class HistoryWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Table(IAnsiConsole console, IReadOnlyList<CaseHistory> histories, string database)
    {
        int steps = histories.Sum(h => h.Steps.Count);
        console.MarkupLine($"[grey]{histories.Count} case(s), {histories.Sum(h => h.Points.Count)} stored run(s) in {Markup.Escape(database)}; " +
            $"{steps} change point(s)[/]");
        foreach (var h in histories)
        {
            var table = new Table().Border(TableBorder.Simple)
                .Title($"{Markup.Escape(h.Label)} on {Markup.Escape(h.DeviceModel)} [grey]({Markup.Escape(h.CaseId)})[/]");
            table.AddColumns("#", "recorded (UTC)", "sweep", "tag", "commit", "median", "samples", "CV", "change point");
            table.Columns[0].RightAligned();
            table.Columns[5].RightAligned();
            for (int i = 0; i < h.Points.Count; i++)
            {
                var p = h.Points[i];
                var step = h.Steps.FirstOrDefault(s => s.Index == i);
                table.AddRow(
                    i.ToString(CultureInfo.InvariantCulture),
                    p.RecordedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    Markup.Escape(p.SweepId),
                    Markup.Escape(p.Tag ?? "-"),
                    Markup.Escape(ShortCommit(p.GitCommit)),
                    Format.Seconds(p.MedianSeconds),
                    p.SampleCount.ToString(CultureInfo.InvariantCulture),
                    (p.CoefficientOfVariation * 100).ToString("F1", CultureInfo.InvariantCulture) + "%",
                    step is null ? "" : StepMarkup(step));
            }
            console.Write(table);
        }
        if (steps == 0) return;
        console.MarkupLine("[bold]change points[/] (the run where the new level starts; size: median of the runs after vs before, up to the neighbouring change points)");
        foreach (var h in histories)
            foreach (var s in h.Steps)
                console.MarkupLine($"  {Markup.Escape(h.Label)} on {Markup.Escape(h.DeviceModel)}: {StepMarkup(s)} at run {s.Index.ToString(CultureInfo.InvariantCulture)}, " +
                    $"sweep {Markup.Escape(s.At.SweepId)} commit {Markup.Escape(ShortCommit(s.At.GitCommit))} " +
                    $"(before: sweep {Markup.Escape(s.Before.SweepId)} commit {Markup.Escape(ShortCommit(s.Before.GitCommit))}), " +
                    $"{Format.Seconds(s.Statistics.MedianBefore)} -> {Format.Seconds(s.Statistics.MedianAfter)}, p={s.Statistics.PValue.ToString("G2", CultureInfo.InvariantCulture)}");
    }

    public static string Json(IReadOnlyList<CaseHistory> histories, ChangePointOptions options) => JsonSerializer.Serialize(new
    {
        Detector = new
        {
            Method = "e-divisive means (permutation test) on windows, merged by Welch's t-test and minimum change",
            options.WindowLength,
            options.MaxPValue,
            options.Permutations,
            options.Seed,
            MinChangePercent = options.MinMagnitude * 100,
        },
        Cases = histories.Select(h => new
        {
            h.CaseId,
            h.First.Kernel,
            h.First.N,
            h.First.Causal,
            h.First.Pass,
            h.First.Dtype,
            h.First.Batch,
            h.First.Heads,
            h.First.D,
            h.First.Distribution,
            h.First.HyperParameters,
            h.DeviceModel,
            Points = h.Points.Select(p => new { p.SweepId, p.Tag, p.GitCommit, RecordedUtc = Utc(p.RecordedUtc), p.MedianSeconds, p.SampleCount, Cv = p.CoefficientOfVariation }),
            ChangePoints = h.Steps.Select(s => new
            {
                s.Index,
                Direction = s.DirectionName,
                s.At.SweepId,
                s.At.GitCommit,
                PreviousSweepId = s.Before.SweepId,
                PreviousGitCommit = s.Before.GitCommit,
                MedianChangePercent = s.Statistics.MedianChange * 100,
                MeanChangePercent = s.Statistics.MeanChange * 100,
                MedianBeforeSeconds = s.Statistics.MedianBefore,
                MedianAfterSeconds = s.Statistics.MedianAfter,
                RunsBefore = s.Statistics.CountBefore,
                RunsAfter = s.Statistics.CountAfter,
                s.Statistics.PValue,
            }),
        }),
    }, JsonOptions) + Environment.NewLine;

    private static readonly string[] CsvHeader =
    [
        "case_id", "kernel", "n", "causal", "pass", "dtype", "device_model", "run", "recorded_utc", "sweep_id", "tag", "git_commit", "median_seconds",
        "sample_count", "cv", "change_point", "median_change_percent", "p_value",
    ];

    public static string Csv(IReadOnlyList<CaseHistory> histories)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(',', CsvHeader));
        foreach (var h in histories)
            for (int i = 0; i < h.Points.Count; i++)
            {
                var p = h.Points[i];
                var step = h.Steps.FirstOrDefault(s => s.Index == i);
                string[] cells =
                [
                    h.CaseId, p.Kernel, Num(p.N), p.Causal ? "true" : "false", p.Pass, p.Dtype, h.DeviceModel, Num(i), Utc(p.RecordedUtc), p.SweepId, p.Tag ?? "",
                    p.GitCommit, Num(p.MedianSeconds), Num(p.SampleCount), Num(p.CoefficientOfVariation), step?.DirectionName ?? "",
                    step is null ? "" : Num(step.Statistics.MedianChange * 100), step is null ? "" : Num(step.Statistics.PValue),
                ];
                sb.AppendLine(string.Join(',', cells.Select(CsvEscape)));
            }
        return sb.ToString();
    }

    /// <summary>"+20.3% slower" / "-15.0% faster".</summary>
    public static string StepText(HistoryStep s) =>
        $"{(s.Statistics.MedianChange >= 0 ? "+" : "")}{(s.Statistics.MedianChange * 100).ToString("F1", CultureInfo.InvariantCulture)}% {s.DirectionName}";

    private static string StepMarkup(HistoryStep s) => s.Direction == StepDirection.Slower ? $"[red]{StepText(s)}[/]" : $"[green]{StepText(s)}[/]";

    public static string ShortCommit(string commit) => commit.Length > 12 ? commit[..12] : commit;

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Num(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Utc(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string CsvEscape(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
