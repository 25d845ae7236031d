using System.Text.Json.Serialization;
using HyperBench.Kernels;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// One result as every exporter sees it, from `kernels bench` (measured in this process) or from a stored sweep: what identifies it
/// (case, hyper parameters, seed, sweep, device), its statistics, and for HyperAttention its accuracy and its speed-up over the
/// flash result of the same (n, causal, pass, shape, inputs, device). Property order is the `results` JSON export's field order;
/// what only an in-process run has (every sample, the full statistics and accuracy) is left out of that export.
/// </summary>
public sealed record ResultLine
{
    public string SweepId { get; init; } = "";
    public required string CaseId { get; init; }
    public required string Kernel { get; init; }
    public required int N { get; init; }
    public required bool Causal { get; init; }
    public required string Pass { get; init; }
    public int Batch { get; init; } = 1;
    public int Heads { get; init; } = 1;
    public int D { get; init; } = 64;
    public string Dtype { get; init; } = "fp32";
    public string Distribution { get; init; } = "normal";
    public ulong Seed { get; init; }

    /// <summary>HyperAttention's r: LSH projections (null for exact kernels; so are b, m, min_seq_len and sampling).</summary>
    public int? R { get; init; }

    /// <summary>HyperAttention's b: block size of the block-diagonal part.</summary>
    public int? B { get; init; }

    /// <summary>HyperAttention's m: sampled keys.</summary>
    public int? M { get; init; }

    public int? MinSeqLen { get; init; }
    public string? Sampling { get; init; }

    /// <summary>HyperAttention's variants (docs/variants.md): bucket order, resampling, short-exact, gradient rule; null for exact kernels.</summary>
    public string? BucketOrder { get; init; }

    public string? Resample { get; init; }
    public bool? ShortExact { get; init; }
    public string? Gradient { get; init; }

    /// <summary>The device model (GPU name, CPU model name).</summary>
    public string Device { get; init; } = "";

    /// <summary>The backend's device id: cpu, ilgpu-cpu, cuda:0, ...</summary>
    public string DeviceId { get; init; } = "";

    /// <summary>Compute capability and driver, or cores, ISA and clock.</summary>
    public string DeviceDetail { get; init; } = "";

    /// <summary>The silo's key of the device that ran the case (silo address / device id).</summary>
    public string DeviceKey { get; init; } = "";

    public string HostName { get; init; } = "";
    public required ResultStatus Status { get; init; }
    public double? MedianSeconds { get; init; }

    /// <summary>The 20th percentile of the samples: what the HyperAttention authors report; shown wherever the median is.</summary>
    public double? P20Seconds { get; init; }

    public double? CiLowSeconds { get; init; }
    public double? CiHighSeconds { get; init; }

    /// <summary>Coefficient of variation of the samples (stddev / mean).</summary>
    public double? Cv { get; init; }

    public int Samples { get; init; }
    public double? Tflops { get; init; }
    /// <summary>HyperAttention over the paired flash result: flash median / hyper median.</summary>
    public double? Speedup { get; init; }

    /// <summary>The same from the 20th percentiles: flash p20 / hyper p20.</summary>
    public double? SpeedupP20 { get; init; }

    /// <summary>‖O_hyper − O_exact‖_F / ‖O_exact‖_F: large on diffuse attention by construction (docs/accuracy.md).</summary>
    public double? RelativeError { get; init; }

    /// <summary>‖O_hyper − O_exact‖₂ / ‖V‖₂, the worst measured head: the ratio the HyperAttention paper bounds.</summary>
    public double? SpectralOverV { get; init; }

    /// <summary>Mean cosine similarity of the rows of O and the exact O.</summary>
    public double? MeanRowCosine { get; init; }

    /// <summary>Why the timing should not be trusted as it stands (CV of 20% or more, causal no faster than non-causal); null when it looks clean.</summary>
    public string? Noise { get; init; }

    /// <summary>
    /// The noise gate's decision for a re-measured case (results.noisy, docs/measurement.md): true still noisy after the re-measure,
    /// false settled by it; null for a case that was not re-measured (or measured in this process).
    /// </summary>
    public bool? Noisy { get; init; }

    public string? Error { get; init; }

    /// <summary>Why the case was not run (status skipped): the reason a sweep stores with the case.</summary>
    public string? SkipReason { get; init; }

    /// <summary>When the case started and ended on its device (wall clock, UTC); null for results stored before they were recorded.</summary>
    public DateTime? StartedUtc { get; init; }

    public DateTime? EndedUtc { get; init; }

    // The GPU telemetry summary (docs/telemetry.md): null when the device was not sampled, and TelemetryNote says why.
    public int? TelemetrySamples { get; init; }

    public int? SmClockMinMhz { get; init; }

    public int? SmClockMaxMhz { get; init; }

    public int? MaxTemperatureC { get; init; }

    public double? MaxPowerW { get; init; }

    /// <summary>Readings taken while the GPU throttled (a reason other than idle, application clocks or display clocks).</summary>
    public int? ThrottledSamples { get; init; }

    /// <summary>The throttling reasons seen, joined with '+' (sw_power_cap+hw_slowdown); empty when none.</summary>
    public string? ThrottleReasons { get; init; }

    /// <summary>Why there is no telemetry: "cpu device", "NVML unavailable: ...", "not recorded" (stored before telemetry existed).</summary>
    public string? TelemetryNote { get; init; }

    /// <summary>80th percentile of the samples (with p20, the `kernels bench` table's spread).</summary>
    [JsonIgnore] public double? P80Seconds { get; init; }

    /// <summary>The first (compiling) run, timed apart.</summary>
    [JsonIgnore] public double FirstRunSeconds { get; init; }

    /// <summary>Work by the FlashAttention convention (docs/algorithms.md section 5).</summary>
    [JsonIgnore] public double Flops { get; init; }

    /// <summary>Why the timing is rejected (above the device's peak); <see cref="Error"/> holds it too.</summary>
    [JsonIgnore] public string? InvalidReason { get; init; }

    // In-process runs only (null or empty for a stored sweep): the raw report writes them.
    [JsonIgnore] public IReadOnlyList<double> SamplesSeconds { get; init; } = [];

    [JsonIgnore] public SampleStatistics? Statistics { get; init; }

    [JsonIgnore] public double CompileSecondsEstimate { get; init; }

    [JsonIgnore] public long MemoryBytesEstimate { get; init; }

    /// <summary>Every accuracy metric (O and the gradients), in-process runs only; the O metric is also in the columns above.</summary>
    [JsonIgnore] public AccuracyReport? Accuracy { get; init; }

    /// <summary>A result of this process's engine on <paramref name="device"/>.</summary>
    public static ResultLine Measured(CaseResult r, DeviceInfo device)
    {
        var s = r.Statistics;
        var o = r.Accuracy?.Metrics.FirstOrDefault(m => m.Tensor == "o");
        return ForCase(CaseFields.Of(r.Case), device) with
        {
            Status = r.Status,
            MedianSeconds = s?.Median,
            CiLowSeconds = s?.MedianCiLower,
            CiHighSeconds = s?.MedianCiUpper,
            Cv = s?.CoefficientOfVariation,
            Samples = r.Samples.Count,
            Tflops = s is null ? null : r.Tflops,
            RelativeError = o?.RelativeFrobenius,
            SpectralOverV = o?.SpectralOverV,
            MeanRowCosine = o?.MeanRowCosine,
            Error = r.Error ?? r.InvalidReason,
            P20Seconds = s?.P20,
            P80Seconds = s?.P80,
            FirstRunSeconds = r.FirstRunSeconds,
            Flops = r.Flops,
            InvalidReason = r.InvalidReason,
            SamplesSeconds = r.Samples,
            Statistics = s,
            CompileSecondsEstimate = r.CompileSecondsEstimate,
            MemoryBytesEstimate = r.MemoryBytesEstimate,
            Accuracy = r.Accuracy,
        };
    }

    /// <summary>
    /// <paramref name="lines"/> with each non-flash result's speed-up over the flash result of the same n, mask, pass, shape, dtype,
    /// inputs, seed and device model: flash median / its median, and flash p20 / its p20. The one pairing of `kernels bench`,
    /// `sweep` and `results`.
    /// </summary>
    public static IReadOnlyList<ResultLine> WithSpeedups(IReadOnlyList<ResultLine> lines)
    {
        var flash = lines.Where(l => l.Kernel == "flash" && l.MedianSeconds is > 0).GroupBy(PairKey).ToDictionary(g => g.Key, g => g.First());
        return [.. lines.Select(l => l.Kernel != "flash" && flash.TryGetValue(PairKey(l), out var f)
            ? l with { Speedup = Ratio(f.MedianSeconds, l.MedianSeconds), SpeedupP20 = Ratio(f.P20Seconds, l.P20Seconds) }
            : l)];
    }

    private static double? Ratio(double? flash, double? other) => flash is > 0 && other is > 0 ? flash.Value / other.Value : null;

    private static (int, bool, string, int, int, int, string, string, ulong, string) PairKey(ResultLine l) =>
        (l.N, l.Causal, l.Pass, l.Batch, l.Heads, l.D, l.Dtype, l.Distribution, l.Seed, l.Device);

    /// <summary>A case that was not run, with why.</summary>
    public static ResultLine Skipped(BenchmarkCase c, DeviceInfo device, string reason) =>
        ForCase(CaseFields.Of(c), device) with { Status = ResultStatus.Skipped, Flops = c.Flops, SkipReason = reason };

    private static ResultLine ForCase(CaseFields c, DeviceInfo device) => new()
    {
        CaseId = c.CaseId,
        Kernel = c.Kernel,
        N = c.N,
        Causal = c.Causal,
        Pass = c.Pass,
        Batch = c.Batch,
        Heads = c.Heads,
        D = c.D,
        Dtype = c.Dtype,
        Distribution = c.Distribution,
        Seed = c.Seed,
        R = c.Hyper?.LshProjections,
        B = c.Hyper?.BlockSize,
        M = c.Hyper?.Samples,
        MinSeqLen = c.Hyper?.MinSeqLen,
        Sampling = c.Hyper?.Sampling,
        BucketOrder = c.Hyper?.BucketOrder.Name(),
        Resample = c.Hyper?.Resample.Name(),
        ShortExact = c.Hyper?.ShortExact,
        Gradient = c.Hyper?.Gradient.Name(),
        Device = device.Name,
        DeviceId = device.Id,
        DeviceDetail = device.Detail,
        Status = ResultStatus.Skipped, // every caller sets its own
    };
}
