namespace HyperBench.Kernels.Telemetry;

/// <summary>
/// Reads a device's clocks, temperature, power and throttle reasons while a case runs. One per device worker, made once with
/// the backend (<see cref="DeviceTelemetry.For"/>); cpu backends get one that says why there is nothing to read.
/// </summary>
public interface IDeviceTelemetry : IDisposable
{
    /// <summary>Null when this device is sampled; else why not ("cpu device", "NVML unavailable: ...").</summary>
    string? UnavailableReason { get; }

    /// <summary>Starts sampling (a reading now, then one every period, and one at <see cref="TelemetryRecording.Stop"/>).</summary>
    TelemetryRecording Start();
}
