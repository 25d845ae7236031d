using System.Globalization;
using System.Text;
using System.Text.Json;
using HyperBench.Regressions;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>`compare`'s output: a console table, Markdown for a pull-request comment, or JSON (docs/regressions.md has its shape).</summary>
internal static class ComparisonReport
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Write(IAnsiConsole console, SweepComparison c)
    {
        console.MarkupLine($"compare [bold]{Markup.Escape(c.BaselineSweepId)}[/] (baseline) -> [bold]{Markup.Escape(c.CandidateSweepId)}[/] (candidate), " +
            $"comparison {Markup.Escape(c.ComparisonId)}");
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in new[] { "case", "baseline", "candidate", "change", "p", "robust CV b/c", "threshold (history)", "verdict", "rel. error b -> c" }) table.AddColumn(h);
        foreach (var row in c.Cases)
        {
            string verdict = row.Time.Verdict.Name();
            string colour = row.Time.Verdict switch { Verdict.Slower => "red", Verdict.Faster => "green", Verdict.Same => "default", _ => "yellow" };
            table.AddRow(Markup.Escape(row.Label), Seconds(row.Time.BaselineMedian), Seconds(row.Time.CandidateMedian), Change(row.Time.Change),
                PValue(row.Time.PValue), Invariant($"{row.Time.BaselineRobustCv:0.000}/{row.Time.CandidateRobustCv:0.000}"), Threshold(row.Time.Noise),
                $"[{colour}]{verdict}[/]",
                ErrorCell(row, markup: true));
        }
        console.Write(table);
        Footer(c, line => console.MarkupLine(Markup.Escape(line)));
    }

    public static string Markdown(SweepComparison c)
    {
        var sb = new StringBuilder();
        int slower = c.Cases.Count(x => x.Time.Verdict == Verdict.Slower), less = c.Cases.Count(x => x.Error.Regressed);
        sb.Append(c.Regressed ? "### :x: Regression\n\n" : "### :white_check_mark: No regression\n\n");
        sb.Append(Invariant($"Baseline `{c.BaselineSweepId}`, candidate `{c.CandidateSweepId}`: {c.Cases.Count} case(s) compared, {slower} slower, {less} less accurate. "));
        sb.Append(Invariant($"Two-sided Mann-Whitney U, p < {c.Thresholds.Alpha:G3} and median change beyond max({c.Thresholds.Effect:0.#%}, {c.Thresholds.NoiseK:G3} x the case's between-run noise floor when it has {c.Thresholds.MinHistory}+ earlier runs); robust CV limit {c.Thresholds.CvLimit:0.###}.\n\n"));
        sb.Append("| case | baseline | candidate | change | p | robust CV b/c | threshold (history) | verdict | rel. error b -> c |\n|---|---:|---:|---:|---:|---:|---:|---|---|\n");
        foreach (var row in c.Cases)
        {
            string verdict = row.Time.Verdict == Verdict.Slower ? "**slower**" : row.Time.Verdict.Name();
            sb.Append(Invariant($"| {row.Label.Replace("|", "\\|", StringComparison.Ordinal)} | {Seconds(row.Time.BaselineMedian)} | {Seconds(row.Time.CandidateMedian)} | "))
                .Append(Invariant($"{Change(row.Time.Change)} | {PValue(row.Time.PValue)} | {row.Time.BaselineRobustCv:0.000}/{row.Time.CandidateRobustCv:0.000} | {Threshold(row.Time.Noise)} | {verdict} | {ErrorCell(row, markup: false)} |\n"));
        }
        var footer = new StringBuilder();
        Footer(c, line => footer.Append('\n').Append(line).Append('\n'));
        return sb.Append(footer).ToString();
    }

    public static string Json(SweepComparison c) => JsonSerializer.Serialize(new
    {
        ComparisonId = c.ComparisonId,
        Baseline = c.BaselineSweepId,
        Candidate = c.CandidateSweepId,
        DecidedUtc = c.DecidedUtc,
        Regressed = c.Regressed,
        Thresholds = new
        {
            c.Thresholds.Effect, c.Thresholds.Alpha, c.Thresholds.CvLimit, ErrorThreshold = c.Thresholds.ErrorRise, c.Thresholds.ErrorFloor,
            c.Thresholds.NoiseK, c.Thresholds.MinHistory, c.Thresholds.HistoryLimit,
        },
        Cases = c.Cases.Select(x => new
        {
            x.Case.CaseId,
            x.Case.Kernel,
            x.Case.N,
            x.Case.Causal,
            x.Case.Pass,
            x.Case.Dtype,
            x.Case.HyperParameters,
            BaselineSamples = x.Time.BaselineCount,
            CandidateSamples = x.Time.CandidateCount,
            BaselineMedianSeconds = Finite(x.Time.BaselineMedian),
            CandidateMedianSeconds = Finite(x.Time.CandidateMedian),
            Change = Finite(x.Time.Change),
            x.Time.PValue,
            BaselineCv = Finite(x.Time.BaselineCv),
            CandidateCv = Finite(x.Time.CandidateCv),
            BaselineRobustCv = Finite(x.Time.BaselineRobustCv),
            CandidateRobustCv = Finite(x.Time.CandidateRobustCv),
            Noise = new { x.Time.Noise.HistoryRuns, x.Time.Noise.Floor, AppliedThreshold = x.Time.Noise.AppliedEffect },
            Verdict = x.Time.Verdict.Name(),
            x.Time.Detail,
            RelativeError = new { x.Error.Baseline, x.Error.Candidate, x.Error.Change, x.Error.Regressed },
            x.Regressed,
        }),
        c.OnlyInBaseline,
        c.OnlyInCandidate,
    }, JsonOptions) + "\n";

    private static void Footer(SweepComparison c, Action<string> line)
    {
        foreach (var row in c.Cases.Where(x => x.Regressed))
            line(row.Time.Verdict == Verdict.Slower
                ? $"slower {row.Label} ({row.Case.CaseId}): {row.Time.Detail}"
                : Invariant($"less accurate {row.Label} ({row.Case.CaseId}): relative error {row.Error.Baseline:G3} -> {row.Error.Candidate:G3}"));
        if (c.OnlyInBaseline.Count > 0) line($"only in the baseline (not compared): {string.Join(", ", c.OnlyInBaseline)}");
        if (c.OnlyInCandidate.Count > 0) line($"only in the candidate (not compared): {string.Join(", ", c.OnlyInCandidate)}");
        line(c.Regressed ? "regressed: exit 1" : "no regression");
    }

    private static string ErrorCell(CaseComparison row, bool markup)
    {
        if (row.Error.Baseline is null && row.Error.Candidate is null) return "-";
        string text = $"{Format.Error(row.Error.Baseline)} -> {Format.Error(row.Error.Candidate)}";
        if (!row.Error.Regressed) return text;
        return markup ? $"[red]{text} (worse)[/]" : $"**{text} (worse)**";
    }

    /// <summary>The effect threshold applied and where it came from: "18% (floor 5.6%, 20 runs)" or "5% (3 runs: plain)".</summary>
    private static string Threshold(NoiseFloor noise) => noise.Floor is { } f
        ? Invariant($"{noise.AppliedEffect:0.#%} (floor {f:0.0%}, {noise.HistoryRuns} runs)")
        : Invariant($"{noise.AppliedEffect:0.#%} ({noise.HistoryRuns} runs: plain)");

    private static string Seconds(double s) => double.IsFinite(s) ? Format.Seconds(s) : "-";

    private static string Change(double change) => double.IsFinite(change) ? change.ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture) : "-";

    private static string PValue(double? p) => p is { } v ? v.ToString("G3", CultureInfo.InvariantCulture) : "-";

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
