using System.Globalization;
using System.Text;
using System.Text.Json;
using HyperBench.Storage;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>One device count of a scaling study: its runs' end-to-end seconds and what follows from their median (docs/scaling.md).</summary>
/// <param name="Speedup">strong and throughput: T1/Tk; weak: the scaled speed-up k T1/Tk.</param>
/// <param name="Efficiency">strong and throughput: T1/(k Tk); weak: T1/Tk.</param>
/// <param name="CasesPerMinute">Cases of one run over its median time, per minute.</param>
public sealed record ScalingLine(int K, IReadOnlyList<double> Seconds, double MedianSeconds, double Speedup, double Efficiency, double CasesPerMinute,
    int Cases, string DeviceModels);

/// <summary>Speed-up and efficiency from a study's stored times, and the study as a table, Markdown or JSON. Presents; never measures.</summary>
public static class ScalingReport
{
    internal static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <exception cref="InvalidOperationException">The study has no point at k = 1 (the baseline).</exception>
    public static IReadOnlyList<ScalingLine> From(string kind, IReadOnlyList<ScalingPointRow> points)
    {
        var byK = points.GroupBy(p => p.K).OrderBy(g => g.Key).ToList();
        if (byK.Count == 0) return [];
        var one = byK.FirstOrDefault(g => g.Key == 1) ?? throw new InvalidOperationException("the study has no run at k = 1 (the baseline).");
        double t1 = Median(one.Select(p => p.Seconds));
        return [.. byK.Select(g =>
        {
            int k = g.Key;
            double tk = Median(g.Select(p => p.Seconds));
            double ratio = t1 / tk;
            bool weak = kind == ScalingStatus.Weak;
            int cases = g.First().Cases;
            string models = string.Join("; ", g.SelectMany(p => p.DeviceModels.Split("; ", StringSplitOptions.RemoveEmptyEntries)).Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal));
            return new ScalingLine(k, [.. g.OrderBy(p => p.Repeat).Select(p => p.Seconds)], tk, weak ? k * ratio : ratio, weak ? ratio : ratio / k,
                cases / tk * 60, cases, models);
        })];
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }

    public static void WriteTable(IAnsiConsole console, ScalingStudyRow study, IReadOnlyList<ScalingLine> lines)
    {
        var table = new Table().Title($"{study.Kind} scaling {Markup.Escape(study.StudyId)}: {Markup.Escape(Layer(study))}");
        table.AddColumn("k");
        table.AddColumn(new TableColumn("runs (s)"));
        table.AddColumn(new TableColumn("median (s)").RightAligned());
        table.AddColumn(new TableColumn(study.Kind == ScalingStatus.Weak ? "scaled speed-up" : "speed-up").RightAligned());
        table.AddColumn(new TableColumn("efficiency").RightAligned());
        table.AddColumn(new TableColumn("cases/min").RightAligned());
        table.AddColumn("device models");
        foreach (var l in lines)
        {
            table.AddRow(l.K.ToString(CultureInfo.InvariantCulture), string.Join(" ", l.Seconds.Select(S3)), S3(l.MedianSeconds), F2(l.Speedup) + "×",
                F2(l.Efficiency), l.CasesPerMinute.ToString("F1", CultureInfo.InvariantCulture), Markup.Escape(l.DeviceModels));
        }
        console.Write(table);
        console.MarkupLine($"[grey]{Markup.Escape(Explain(study.Kind))}[/]");
    }

    public static string Markdown(ScalingStudyRow study, IReadOnlyList<ScalingLine> lines)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"## {study.Kind} scaling {study.StudyId}\n\n{Layer(study)}; {study.Repeats} run(s) per k on {study.Target}\n\n");
        sb.Append(study.Kind == ScalingStatus.Weak ? "| k | runs (s) | median (s) | scaled speed-up | efficiency | cases/min | device models |\n"
            : "| k | runs (s) | median (s) | speed-up | efficiency | cases/min | device models |\n");
        sb.Append("|---:|---|---:|---:|---:|---:|---|\n");
        foreach (var l in lines)
            sb.Append(CultureInfo.InvariantCulture,
                $"| {l.K} | {string.Join(" ", l.Seconds.Select(S3))} | {S3(l.MedianSeconds)} | {F2(l.Speedup)}× | {F2(l.Efficiency)} | {l.CasesPerMinute:F1} | {l.DeviceModels} |\n");
        sb.Append('\n').Append(Explain(study.Kind)).Append('\n');
        return sb.ToString();
    }

    public static string Json(ScalingStudyRow study, IReadOnlyList<ScalingLine> lines) => JsonSerializer.Serialize(new
    {
        study_id = study.StudyId,
        kind = study.Kind,
        status = study.Status,
        layer = JsonDocument.Parse(study.LayerJson).RootElement,
        ks = study.Ks,
        repeats = study.Repeats,
        target = study.Target,
        device_models = study.DeviceModels,
        tag = study.Tag,
        created_utc = study.CreatedUtc,
        finished_utc = study.FinishedUtc,
        detail = study.Detail,
        points = lines.Select(l => new
        {
            k = l.K,
            seconds = l.Seconds,
            median_seconds = l.MedianSeconds,
            speedup = l.Speedup,
            efficiency = l.Efficiency,
            cases = l.Cases,
            cases_per_minute = l.CasesPerMinute,
            device_models = l.DeviceModels,
        }),
    }, Indented) + "\n";

    public static void WriteList(IAnsiConsole console, IReadOnlyList<ScalingStudyRow> studies)
    {
        var table = new Table().Title("scaling studies, newest first");
        foreach (var c in new[] { "study", "kind", "status", "layer", "k", "runs", "target", "device models", "created (UTC)" }) table.AddColumn(c);
        foreach (var s in studies)
            table.AddRow(Markup.Escape(s.StudyId), s.Kind, s.Status, Markup.Escape(Layer(s)), s.Ks, s.Repeats.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(s.Target), Markup.Escape(s.DeviceModels ?? ""), s.CreatedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        console.Write(table);
    }

    /// <summary>The layer in one line, from the stored grid.</summary>
    public static string Layer(ScalingStudyRow study)
    {
        try
        {
            var g = JsonDocument.Parse(study.LayerJson).RootElement;
            string First(string name) => g.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0
                ? a[0].ToString() : "?";
            return $"{First("kernels")} n={First("seq_lens")} b{First("batches")} h{First("heads")} d{First("head_dims")} " +
                $"{(First("causal") == "True" || First("causal") == "true" ? "causal" : "full")} {First("passes")} {First("dtypes")}";
        }
        catch (JsonException)
        {
            return study.LayerJson;
        }
    }

    private static string Explain(string kind) => kind switch
    {
        ScalingStatus.Weak => "weak: heads per device fixed; efficiency T1/Tk (1 = the time stays flat as k grows); scaled speed-up k·T1/Tk.",
        ScalingStatus.Throughput => "throughput: the same batch of cases on k devices; speed-up T1/Tk, efficiency T1/(k·Tk).",
        _ => "strong: the layer split by heads over k devices, end to end (submission to last shard stored); speed-up T1/Tk, efficiency T1/(k·Tk).",
    };

    private static string S3(double s) => s.ToString("F3", CultureInfo.InvariantCulture);

    private static string F2(double x) => x.ToString("F2", CultureInfo.InvariantCulture);
}
