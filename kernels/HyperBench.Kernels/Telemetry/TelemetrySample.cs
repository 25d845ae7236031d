namespace HyperBench.Kernels.Telemetry;

/// <summary>
/// One reading of a GPU's state while a case ran. A value the device does not report (NVML_ERROR_NOT_SUPPORTED, e.g. power on
/// some boards) is null rather than a made-up zero.
/// </summary>
/// <param name="AtUtc">When it was read (wall clock, UTC).</param>
/// <param name="SmClockMhz">Current SM clock.</param>
/// <param name="MemoryClockMhz">Current memory clock.</param>
/// <param name="TemperatureC">GPU core temperature.</param>
/// <param name="PowerWatts">Board power draw.</param>
/// <param name="ThrottleReasons">NVML's clocks-throttle-reasons bitmask (<see cref="Telemetry.ThrottleReasons"/>); null when not reported.</param>
public sealed record TelemetrySample(DateTime AtUtc, int? SmClockMhz, int? MemoryClockMhz, int? TemperatureC, double? PowerWatts, ulong? ThrottleReasons)
{
    /// <summary>Taken while the GPU throttled (<see cref="ThrottleReasonNames.IsThrottled"/>).</summary>
    public bool Throttled => ThrottleReasons is { } mask && ThrottleReasonNames.IsThrottled(mask);
}
