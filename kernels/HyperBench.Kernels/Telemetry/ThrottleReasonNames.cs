using System.Globalization;

namespace HyperBench.Kernels.Telemetry;

/// <summary>
/// The words for <see cref="ThrottleReasons"/> (spelled here only) and the rule that marks a sample throttled: any reason but
/// <see cref="ThrottleReasons.GpuIdle"/>, <see cref="ThrottleReasons.ApplicationsClocksSetting"/> and
/// <see cref="ThrottleReasons.DisplayClockSetting"/>. Those three are not a disturbance of the measurement: idle means nothing ran
/// at that instant (between launches, while the host prepares inputs), and the two settings are configured clocks that hold for
/// the whole run. Every other reason (power cap, thermal, hardware slowdown, power brake, sync boost) lowers the clocks while
/// kernels run because of the machine's state, so the time measured meanwhile is not the device's speed.
/// </summary>
public static class ThrottleReasonNames
{
    private static readonly (ThrottleReasons Reason, string Name)[] Names =
    [
        (ThrottleReasons.GpuIdle, "gpu_idle"),
        (ThrottleReasons.ApplicationsClocksSetting, "applications_clocks_setting"),
        (ThrottleReasons.SwPowerCap, "sw_power_cap"),
        (ThrottleReasons.HwSlowdown, "hw_slowdown"),
        (ThrottleReasons.SyncBoost, "sync_boost"),
        (ThrottleReasons.SwThermalSlowdown, "sw_thermal_slowdown"),
        (ThrottleReasons.HwThermalSlowdown, "hw_thermal_slowdown"),
        (ThrottleReasons.HwPowerBrakeSlowdown, "hw_power_brake_slowdown"),
        (ThrottleReasons.DisplayClockSetting, "display_clock_setting"),
    ];

    /// <summary>Reasons that do not mark a sample throttled (see the type's summary for why).</summary>
    public const ThrottleReasons NotThrottling =
        ThrottleReasons.GpuIdle | ThrottleReasons.ApplicationsClocksSetting | ThrottleReasons.DisplayClockSetting;

    /// <summary>Every reason NVML defines, in bit order.</summary>
    public static IReadOnlyList<ThrottleReasons> All { get; } = [.. Names.Select(n => n.Reason)];

    /// <summary>True when the mask holds any reason but idle, application clocks and display clocks (unknown bits included: NVML adds reasons that slow the GPU).</summary>
    public static bool IsThrottled(ulong mask) => (mask & ~(ulong)NotThrottling) != 0;

    /// <summary>The reasons set in <paramref name="mask"/>, in bit order; a bit this build does not know is named by its value ("0x200").</summary>
    public static IReadOnlyList<string> Decode(ulong mask)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            ulong flag = 1UL << bit;
            if ((mask & flag) == 0) continue;
            int known = Array.FindIndex(Names, n => (ulong)n.Reason == flag);
            names.Add(known >= 0 ? Names[known].Name : "0x" + flag.ToString("x", CultureInfo.InvariantCulture));
        }
        return names;
    }

    /// <summary>The word of one reason.</summary>
    public static string Name(ThrottleReasons reason) =>
        Array.Find(Names, n => n.Reason == reason).Name ?? throw new ArgumentOutOfRangeException(nameof(reason), reason, $"{reason} is not a single throttle reason.");

    /// <summary>The reasons joined with '+' ("sw_power_cap+hw_slowdown"), or "none".</summary>
    public static string Text(ulong mask) => mask == 0 ? "none" : string.Join('+', Decode(mask));
}
