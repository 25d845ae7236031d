using System.Globalization;
using System.Text;
using System.Text.Json;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// Writes summary lines as CSV, JSON or Markdown (the table format is <see cref="SummaryTable"/>). CSV and JSON carry everything
/// that identifies a number (sweep, case, hyper parameters, seed, device id, model and detail); the console table may not.
/// </summary>
public static class SummaryWriter
{
    public static IReadOnlyList<string> Formats { get; } = ["table", "csv", "json", "markdown"];

    private static readonly (string Name, Func<ResultLine, string> Cell)[] Columns =
    [
        ("sweep_id", l => l.SweepId), ("case_id", l => l.CaseId), ("kernel", l => l.Kernel), ("n", l => Num(l.N)),
        ("causal", l => l.Causal ? "true" : "false"), ("pass", l => l.Pass), ("batch", l => Num(l.Batch)), ("heads", l => Num(l.Heads)),
        ("d", l => Num(l.D)), ("dtype", l => l.Dtype), ("distribution", l => l.Distribution), ("seed", l => l.Seed.ToString(CultureInfo.InvariantCulture)),
        ("r", l => Num(l.R)), ("b", l => Num(l.B)), ("m", l => Num(l.M)), ("min_seq_len", l => Num(l.MinSeqLen)), ("sampling", l => l.Sampling ?? ""),
        ("bucket_order", l => l.BucketOrder ?? ""), ("resample", l => l.Resample ?? ""), ("short_exact", l => l.ShortExact is { } se ? (se ? "true" : "false") : ""),
        ("gradient", l => l.Gradient ?? ""),
        ("device", l => l.Device), ("device_id", l => l.DeviceId), ("device_detail", l => l.DeviceDetail), ("device_key", l => l.DeviceKey),
        ("host_name", l => l.HostName), ("status", l => StatusWords.Word(l.Status)),
        ("median_s", l => Num(l.MedianSeconds)), ("p20_s", l => Num(l.P20Seconds)), ("ci_low_s", l => Num(l.CiLowSeconds)), ("ci_high_s", l => Num(l.CiHighSeconds)), ("cv", l => Num(l.Cv)),
        ("samples", l => Num(l.Samples)), ("tflops", l => Num(l.Tflops)), ("speedup", l => Num(l.Speedup)), ("speedup_p20", l => Num(l.SpeedupP20)),
        ("relative_error", l => Num(l.RelativeError)), ("spectral_over_v", l => Num(l.SpectralOverV)), ("mean_row_cosine", l => Num(l.MeanRowCosine)),
        ("noise", l => l.Noise ?? ""), ("noisy", l => l.Noisy is { } noisy ? (noisy ? "true" : "false") : ""), ("error", l => l.Error ?? ""),
        ("started_utc", l => Utc(l.StartedUtc)), ("ended_utc", l => Utc(l.EndedUtc)), ("telemetry_samples", l => Num(l.TelemetrySamples)),
        ("sm_clock_min_mhz", l => Num(l.SmClockMinMhz)), ("sm_clock_max_mhz", l => Num(l.SmClockMaxMhz)), ("max_temperature_c", l => Num(l.MaxTemperatureC)),
        ("max_power_w", l => Num(l.MaxPowerW)), ("throttled_samples", l => Num(l.ThrottledSamples)), ("throttle_reasons", l => l.ThrottleReasons ?? ""),
        ("telemetry_note", l => l.TelemetryNote ?? ""),
    ];

    public static string Csv(IEnumerable<ResultLine> lines)
    {
        var sb = new StringBuilder().AppendLine(string.Join(',', Columns.Select(c => c.Name)));
        foreach (var l in lines) sb.AppendLine(string.Join(',', Columns.Select(c => CsvEscape(c.Cell(l)))));
        return sb.ToString();
    }

    public static string Markdown(IEnumerable<ResultLine> lines)
    {
        var list = lines.ToList();
        var sb = new StringBuilder()
            .AppendLine("| n | kernel | causal | pass | b×h×d | dist | device | median | p20 | CV | TFLOP/s | speed-up | speed-up p20 | ‖E‖₂/‖V‖₂ | rel. Frobenius | status |")
            .AppendLine("|---:|---|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var l in list)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {l.N} | {l.Kernel} | {(l.Causal ? "yes" : "no")} | {l.Pass} | {l.Batch}×{l.Heads}×{l.D} | {l.Distribution} | {Cell(l.Device)} | " +
                $"{(l.MedianSeconds is { } m ? (l.Noise is null ? "" : "~") + Format.Seconds(m) : "-")} | {(l.P20Seconds is { } p20 ? Format.Seconds(p20) : "-")} | " +
                $"{(l.Cv is { } cv ? (cv * 100).ToString("F1", CultureInfo.InvariantCulture) + "%" : "-")} | " +
                $"{(l.Tflops is { } t ? t.ToString("G4", CultureInfo.InvariantCulture) : "-")} | " +
                $"{Format.Speedup(l.Speedup)} | {Format.Speedup(l.SpeedupP20)} | {G3(l.SpectralOverV)} | {G3(l.RelativeError)} | {StatusWords.Word(l.Status)} |");
        }
        if (list.Any(l => l.Kernel == "hyper"))
        {
            sb.AppendLine().AppendLine("‖E‖₂/‖V‖₂: HyperAttention's error in spectral norm relative to V (worst head), the quantity its paper bounds. " +
                "The relative Frobenius error grows like √n on diffuse attention (the exact output is tiny there): see docs/accuracy.md.");
        }
        if (list.Any(l => l.Noise is not null))
        {
            sb.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"~ noisy timing: a CV of {SweepSummary.NoisyCv * 100:F0}% or more, or a causal case no faster than the non-causal one. ") +
                "More --min-samples and --budget, a quiet machine and a pinned CPU frequency give cleaner numbers.");
        }
        return sb.ToString();
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Json(IEnumerable<ResultLine> lines) => JsonSerializer.Serialize(lines, JsonOptions);

    private static string Cell(string s) => s.Replace("|", "/", StringComparison.Ordinal);

    private static string G3(double? v) => v is { } x ? x.ToString("G3", CultureInfo.InvariantCulture) : "-";

    private static string Num(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Utc(DateTime? t) => t is { } x ? x.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "";

    private static string Num(int? v) => v is { } x ? x.ToString(CultureInfo.InvariantCulture) : "";

    private static string CsvEscape(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
