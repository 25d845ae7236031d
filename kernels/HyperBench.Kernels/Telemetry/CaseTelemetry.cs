namespace HyperBench.Kernels.Telemetry;

/// <summary>The device readings taken while one case ran, or why there are none.</summary>
/// <param name="Samples">In the order taken.</param>
/// <param name="UnavailableReason">Null when the device was sampled; else why not ("cpu device", "NVML unavailable: ...").</param>
public sealed record CaseTelemetry(IReadOnlyList<TelemetrySample> Samples, string? UnavailableReason)
{
    /// <summary>The reason a cpu or ilgpu-cpu backend gives: there is no GPU to read.</summary>
    public const string CpuDevice = "cpu device";

    public static CaseTelemetry Unavailable(string reason) => new([], reason);

    public TelemetrySummary Summary => TelemetrySummary.Of(Samples);
}
