using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Telemetry;

/// <summary>Picks the telemetry of a device: NVML for a CUDA device, found by its PCI bus id; nothing for cpu and ilgpu-cpu.</summary>
public static class DeviceTelemetry
{
    /// <summary>The default sampling period: ~10 readings a second, negligible next to a kernel and fine enough for a 1 s case.</summary>
    public const int DefaultPeriodMilliseconds = 100;

    /// <summary>Never throws for a missing driver or library: the answer then says why it does not sample.</summary>
    public static IDeviceTelemetry For(DeviceInfo device, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Kind != DeviceKind.Cuda) return new NoDeviceTelemetry(CaseTelemetry.CpuDevice);
        if (device.PciBusId is not { } busId) return new NoDeviceTelemetry($"{device.Id} has no PCI bus id to find it in NVML");
        return NvmlDeviceTelemetry.Open(busId, period);
    }
}
