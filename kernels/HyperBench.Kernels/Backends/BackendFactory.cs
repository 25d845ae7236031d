using HyperBench.Kernels.Backends.Cpu;
using HyperBench.Kernels.Backends.Ilgpu;
using HyperBench.Kernels.Backends.Simulated;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Backends;

/// <summary>
/// Turns a --device value into a backend: cuda[:i], ilgpu-cpu, cpu[:i], sim:i, or auto (cuda when a CUDA device is present, else cpu).
/// </summary>
public static class BackendFactory
{
    /// <summary>The one device a spelling opens, without creating anything heavy: auto becomes cuda:0 or cpu, "cuda" cuda:0.</summary>
    /// <exception cref="ArgumentException">The spelling is unknown, or is a device key (another silo's device).</exception>
    public static DeviceSpec Resolve(string? spec)
    {
        var parsed = DeviceSpec.Auto;
        if (!string.IsNullOrWhiteSpace(spec) && !DeviceSpec.TryParse(spec, out parsed, out var error))
            throw new ArgumentException("--" + error, nameof(spec));
        if (parsed.Silo is not null)
            throw new ArgumentException($"--device '{spec}' is a device key of a cluster; this process opens local devices ({string.Join(", ", DeviceSpec.Spellings)}).", nameof(spec));
        if (parsed.IsAuto) return IlgpuBackend.CudaDeviceCount() > 0 ? DeviceSpec.Cuda(0) : DeviceSpec.Cpu;
        return parsed.Opened;
    }

    /// <param name="cpuThreads">A CPU device's threads (its share of the cores); null: every core.</param>
    /// <exception cref="ArgumentException">The spelling is unknown or names a device that is not there.</exception>
    public static IAttentionBackend Create(string? spec, int? cpuThreads = null)
    {
        var device = Resolve(spec);
        return device.Kind switch
        {
            DeviceKind.Cpu => new CpuBackend(device.Index, cpuThreads),
            DeviceKind.IlgpuCpu => IlgpuBackend.CreateCpu(),
            DeviceKind.Simulated => throw new ArgumentException($"device '{spec}' is simulated: a simulated device has no attention backend."),
            _ => IlgpuBackend.CreateCuda(device.Index!.Value),
        };
    }

    /// <summary>
    /// What a device worker runs cases on: a simulated device (sim:i) waiting on <paramref name="simModel"/> (the built-in model when
    /// null), or the measurement engine on the backend <see cref="Create"/> opens.
    /// </summary>
    /// <exception cref="ArgumentException">The spelling is unknown or names a device that is not there.</exception>
    /// <param name="cpuThreads">As for <see cref="Create"/>: the threads of a cpu:i device.</param>
    public static ICaseRunner CreateRunner(string? spec, SimModel? simModel = null, int? cpuThreads = null)
    {
        var device = Resolve(spec);
        return device.Kind == DeviceKind.Simulated
            ? new SimulatedDevice(device.Index!.Value, simModel ?? SimModel.Default)
            : new EngineCaseRunner(Create(spec, cpuThreads));
    }
}
