namespace HyperBench.Kernels.Telemetry;

/// <summary>A device that is not sampled, and why (a cpu backend, or a GPU whose NVML could not be opened).</summary>
public sealed class NoDeviceTelemetry(string reason) : IDeviceTelemetry
{
    public string? UnavailableReason { get; } = reason;

    public TelemetryRecording Start() => TelemetryRecording.Unavailable(UnavailableReason!);

    public void Dispose()
    {
    }
}
