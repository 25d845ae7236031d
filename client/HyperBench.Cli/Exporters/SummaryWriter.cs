using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HyperBench.Cli.Exporters;

/// <summary>Writes summary lines as CSV, JSON or Markdown (the table format is <see cref="SummaryTable"/>).</summary>
public static class SummaryWriter
{
    public static IReadOnlyList<string> Formats { get; } = ["table", "csv", "json", "markdown"];

    private static readonly string[] Columns =
        ["case_id", "kernel", "n", "causal", "pass", "batch", "heads", "d", "distribution", "device", "status", "median_s", "ci_low_s", "ci_high_s", "samples", "tflops", "speedup", "relative_error", "error"];

    public static string Csv(IEnumerable<SweepSummaryLine> lines)
    {
        var sb = new StringBuilder().AppendLine(string.Join(',', Columns));
        foreach (var l in lines) sb.AppendLine(string.Join(',', Cells(l).Select(CsvEscape)));
        return sb.ToString();
    }

    public static string Markdown(IEnumerable<SweepSummaryLine> lines)
    {
        var sb = new StringBuilder()
            .AppendLine("| n | kernel | causal | pass | b×h×d | dist | device | median | TFLOP/s | speed-up | rel. error | status |")
            .AppendLine("|---:|---|---|---|---|---|---|---:|---:|---:|---:|---|");
        foreach (var l in lines)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {l.N} | {l.Kernel} | {(l.Causal ? "yes" : "no")} | {l.Pass} | {l.Batch}×{l.Heads}×{l.D} | {l.Distribution} | {l.Device.Replace("|", "/", StringComparison.Ordinal)} | " +
                $"{(l.MedianSeconds is { } m ? Format.Seconds(m) : "-")} | {(l.Tflops is { } t ? t.ToString("G4", CultureInfo.InvariantCulture) : "-")} | " +
                $"{(l.Speedup is { } s ? s.ToString("F2", CultureInfo.InvariantCulture) + "×" : "-")} | {(l.RelativeError is { } e ? e.ToString("G3", CultureInfo.InvariantCulture) : "-")} | {l.Status} |");
        }
        return sb.ToString();
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Json(IEnumerable<SweepSummaryLine> lines) => JsonSerializer.Serialize(lines, JsonOptions);

    private static IEnumerable<string> Cells(SweepSummaryLine l) =>
    [
        l.CaseId, l.Kernel, Num(l.N), l.Causal ? "true" : "false", l.Pass, Num(l.Batch), Num(l.Heads), Num(l.D), l.Distribution, l.Device, l.Status,
        Num(l.MedianSeconds), Num(l.CiLowSeconds), Num(l.CiHighSeconds), Num(l.Samples), Num(l.Tflops), Num(l.Speedup), Num(l.RelativeError), l.Error ?? "",
    ];

    private static string Num(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Num(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string CsvEscape(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
