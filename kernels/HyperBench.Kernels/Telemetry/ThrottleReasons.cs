namespace HyperBench.Kernels.Telemetry;

/// <summary>
/// NVML's clocks-throttle-reasons bitmask (<c>nvmlDeviceGetCurrentClocksThrottleReasons</c>; the values of
/// ILGPU.Algorithms' <c>NvmlClocksThrottleReasons</c> and of nvml.h's <c>nvmlClocksThrottleReason*</c>). Bits NVML adds later are
/// kept in the stored mask and named by their hex value.
/// </summary>
[Flags]
#pragma warning disable CA1711 // "Reasons" is NVML's word for this mask, not a collection or delegate suffix.
public enum ThrottleReasons : ulong
#pragma warning restore CA1711
{
    None = 0,

    /// <summary>Nothing runs: clocks are low because the GPU is idle.</summary>
    GpuIdle = 0x1,

    /// <summary>Clocks held at the application clocks an administrator set (nvidia-smi -ac).</summary>
    ApplicationsClocksSetting = 0x2,

    /// <summary>The power-management algorithm lowered clocks to stay under the power limit.</summary>
    SwPowerCap = 0x4,

    /// <summary>Hardware slowdown by a factor of two or more (temperature, power brake, or power supply).</summary>
    HwSlowdown = 0x8,

    /// <summary>Clocks lowered to match the other GPUs of a sync-boost group.</summary>
    SyncBoost = 0x10,

    /// <summary>Software thermal slowdown: GPU or memory temperature above their limits.</summary>
    SwThermalSlowdown = 0x20,

    /// <summary>Hardware thermal slowdown (temperature too high).</summary>
    HwThermalSlowdown = 0x40,

    /// <summary>Hardware power-brake slowdown (an external power brake assertion, e.g. by the system's power supply).</summary>
    HwPowerBrakeSlowdown = 0x80,

    /// <summary>Clocks set by the display clock setting.</summary>
    DisplayClockSetting = 0x100,
}
