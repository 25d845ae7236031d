using System.Globalization;
using HyperBench.Kernels;
using HyperBench.Kernels.Telemetry;
using HyperBench.Storage;

namespace HyperBench.Cli.Exporters;

/// <summary>Turns stored result rows into summary lines (BenchmarkDotNet's split: this summarises, exporters present).</summary>
public static class SweepSummary
{
    /// <summary>A coefficient of variation at or above this marks a timing as noisy.</summary>
    public const double NoisyCv = 0.20;

    /// <summary>What a result without telemetry and without a stored reason says: it was stored before telemetry was recorded.</summary>
    public const string TelemetryNotRecorded = "not recorded";

    /// <param name="rows">Stored results.</param>
    /// <param name="telemetry">The sweep's device readings by case id (<see cref="ISweepStore.GetTelemetryAsync"/>); null leaves the telemetry fields empty.</param>
    public static IReadOnlyList<ResultLine> From(IEnumerable<ResultSummaryRow> rows, IReadOnlyDictionary<string, IReadOnlyList<TelemetrySample>>? telemetry = null)
    {
        var list = rows.ToList();
        // An exact kernel does half the work when causal: a causal median no faster than the non-causal one means a disturbed run.
        var nonCausal = list.Where(r => !r.Causal && r.Kernel != "hyper" && r.MedianSeconds is > 0)
            .GroupBy(MaskTwinKey)
            .ToDictionary(g => g.Key, g => g.First().MedianSeconds!.Value);
        // Speed-up pairs a hyper result with the flash result measured on the same inputs and the same device model.
        return ResultLine.WithSpeedups([.. list
            .OrderBy(r => r.Batch).ThenBy(r => r.Heads).ThenBy(r => r.D).ThenBy(r => r.Distribution)
            .ThenBy(r => r.Causal).ThenBy(r => r.Pass).ThenBy(r => r.N).ThenBy(r => r.Kernel)
            .Select(r =>
            {
                var hyper = ParseHyper(r.HyperParameters);
                double? exactTwin = r.Causal && r.Kernel != "hyper" && nonCausal.TryGetValue(MaskTwinKey(r), out double t) ? t : null;
                var gpu = telemetry is not null && telemetry.TryGetValue(r.CaseId, out var samples) && samples.Count > 0 ? TelemetrySummary.Of(samples) : null;
                return new ResultLine
                {
                    SweepId = r.SweepId,
                    CaseId = r.CaseId,
                    Kernel = r.Kernel,
                    N = r.N,
                    Causal = r.Causal,
                    Pass = r.Pass,
                    Batch = r.Batch,
                    Heads = r.Heads,
                    D = r.D,
                    Dtype = r.Dtype,
                    Distribution = r.Distribution,
                    Seed = unchecked((ulong)r.Seed), // stored as a signed BIGINT
                    R = Int(hyper, "r"),
                    B = Int(hyper, "b"),
                    M = Int(hyper, "m"),
                    MinSeqLen = Int(hyper, "min_seq_len"),
                    Sampling = hyper.GetValueOrDefault("sampling"),
                    // A variant is in the stored text only when it is not our default (HyperParameters.Canonical).
                    BucketOrder = hyper.Count == 0 ? null : hyper.GetValueOrDefault("order", BucketOrderDefault),
                    Resample = hyper.Count == 0 ? null : hyper.GetValueOrDefault("resample", ResampleDefault),
                    ShortExact = hyper.Count == 0 ? null : hyper.GetValueOrDefault("short_exact") == "1",
                    Gradient = hyper.Count == 0 ? null : hyper.GetValueOrDefault("grad", GradientDefault),
                    Device = r.DeviceName,
                    DeviceId = r.DeviceId,
                    DeviceDetail = r.DeviceDetail,
                    DeviceKey = r.DeviceKey,
                    HostName = r.HostName,
                    Status = r.Status,
                    MedianSeconds = r.MedianSeconds,
                    P20Seconds = r.P20Seconds,
                    P80Seconds = r.P80Seconds,
                    CiLowSeconds = r.CiLowSeconds,
                    CiHighSeconds = r.CiHighSeconds,
                    Cv = r.CoefficientOfVariation,
                    Noisy = r.Noisy,
                    Samples = r.SampleCount,
                    Tflops = r.Tflops,
                    RelativeError = r.RelativeError,
                    SpectralOverV = r.SpectralOverV,
                    MeanRowCosine = r.MeanRowCosine,
                    Noise = Noise(r.CoefficientOfVariation, r.MedianSeconds, exactTwin),
                    Error = r.Error ?? r.InvalidReason,
                    StartedUtc = r.StartedUtc,
                    EndedUtc = r.EndedUtc,
                    TelemetrySamples = gpu?.Samples,
                    SmClockMinMhz = gpu?.SmClockMinMhz,
                    SmClockMaxMhz = gpu?.SmClockMaxMhz,
                    MaxTemperatureC = gpu?.MaxTemperatureC,
                    MaxPowerW = gpu?.MaxPowerWatts,
                    ThrottledSamples = gpu?.ThrottledSamples,
                    ThrottleReasons = gpu?.ThrottleReasonsText,
                    TelemetryNote = gpu is not null || telemetry is null ? null : r.TelemetryNote ?? TelemetryNotRecorded,
                };
            })]);
    }

    private static readonly string BucketOrderDefault = HyperParameters.Default.BucketOrder.Name();
    private static readonly string ResampleDefault = HyperParameters.Default.Resample.Name();
    private static readonly string GradientDefault = HyperParameters.Default.Gradient.Name();

    /// <summary>Why a timing looks disturbed, or null: a CV of <see cref="NoisyCv"/> or more; a causal exact case no faster than its non-causal twin.</summary>
    public static string? Noise(double? cv, double? median, double? nonCausalMedian)
    {
        var reasons = new List<string>(2);
        if (cv >= NoisyCv) reasons.Add(string.Create(CultureInfo.InvariantCulture, $"CV {cv * 100:F0}% >= {NoisyCv * 100:F0}%"));
        if (median is { } m && nonCausalMedian is { } nc && m >= nc)
            reasons.Add($"causal no faster than non-causal ({Format.Seconds(m)} vs {Format.Seconds(nc)})");
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    private static Dictionary<string, string> ParseHyper(string? canonical) =>
        (canonical ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);

    private static int? Int(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;

    /// <summary>The same case but for the mask: a causal result and its non-causal twin share it.</summary>
    private static string MaskTwinKey(ResultSummaryRow r) =>
        $"{r.Kernel}|{r.N}|{r.Pass}|{r.Batch}|{r.Heads}|{r.D}|{r.Dtype}|{r.Distribution}|{r.Seed}|{r.DeviceName}";
}
