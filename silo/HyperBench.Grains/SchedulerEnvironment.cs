using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Grains;

/// <summary>
/// The environment stored with a failure decided by the scheduler (no device ran the case: out of attempts, or nothing can hold it).
/// </summary>
internal static class SchedulerEnvironment
{
    public const string DeviceKey = "scheduler";

    private static readonly Lazy<EnvironmentInfo> Instance = new(() =>
        EnvironmentInfo.Capture(new DeviceInfo(DeviceKind.Cpu, DeviceKey, "none (decided by the scheduler)", 0, 0, "no device ran this case")));

    public static EnvironmentInfo Value => Instance.Value;
}
