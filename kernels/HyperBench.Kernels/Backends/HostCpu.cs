using System.Runtime.Intrinsics;

namespace HyperBench.Kernels.Backends;

/// <summary>Facts about the host processor, for device records and the sanity gate's peak.</summary>
public static class HostCpu
{
    private static readonly Lazy<string> LazyModel = new(ReadModel);

    public static string Model => LazyModel.Value;

    /// <summary>Widest hardware float vector the JIT uses.</summary>
    public static int VectorLanes => Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256.IsHardwareAccelerated ? Vector256<float>.Count : 4;

    public static string VectorIsa => Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : "SSE/NEON";

    /// <summary>
    /// An upper bound on fp32 FLOP/s: cores x 2 FMA pipes x 2 FLOPs x lanes x clock. It errs high on purpose: the sanity gate
    /// only rejects numbers no kernel could reach.
    /// </summary>
    public static double PeakFp32Flops => Environment.ProcessorCount * 2.0 * 2.0 * VectorLanes * MaxClockHz();

    private static double MaxClockHz()
    {
        try
        {
            const string path = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq";
            if (File.Exists(path) && double.TryParse(File.ReadAllText(path).Trim(), out double khz) && khz > 0) return khz * 1e3;
        }
        catch (IOException)
        {
        }
        return 4.0e9; // unknown: assume a high clock, the bound must not be too low
    }

    private static string ReadModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
