using System.Reflection;
using System.Runtime.InteropServices;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// What this build is: HyperBench's version and git commit (the informational version "1.2.3+commit" the SDK stamps), ILGPU's and
/// .NET's versions. Stored with every result (<see cref="EnvironmentInfo"/>) and exported by a silo as hyperbench_build_info.
/// </summary>
public sealed record BuildInfo(string Version, string Commit, string Ilgpu, string DotNet)
{
    public static BuildInfo Current { get; } = Read();

    private static BuildInfo Read()
    {
        var version = typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return new BuildInfo(
            plus >= 0 ? version[..plus] : version,
            plus >= 0 ? version[(plus + 1)..] : "unknown",
            typeof(ILGPU.Context).Assembly.GetName().Version?.ToString() ?? "unknown",
            RuntimeInformation.FrameworkDescription);
    }
}
