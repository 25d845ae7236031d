using System.Runtime.InteropServices;
using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Measurement;

/// <summary>The fingerprint stored with every result (docs/measurement.md): without it a stored number cannot be compared later.</summary>
public sealed record EnvironmentInfo(
    string HostName,
    string Os,
    string Architecture,
    string CpuModel,
    int LogicalCores,
    string DotNetVersion,
    string IlgpuVersion,
    string HyperBenchVersion,
    string GitCommit,
    string DeviceId,
    string DeviceName,
    long DeviceMemoryBytes,
    string DeviceDetail,
    double DevicePeakFp32Flops,
    DateTime CapturedUtc)
{
    public static EnvironmentInfo Capture(DeviceInfo device)
    {
        var build = BuildInfo.Current;
        return new EnvironmentInfo(
            Environment.MachineName,
            RuntimeInformation.OSDescription,
            RuntimeInformation.ProcessArchitecture.ToString(),
            HostCpu.Model,
            Environment.ProcessorCount,
            build.DotNet,
            build.Ilgpu,
            build.Version,
            build.Commit,
            device.Id,
            device.Name,
            device.MemoryBytes,
            device.Detail,
            device.PeakFp32Flops,
            DateTime.UtcNow);
    }
}
