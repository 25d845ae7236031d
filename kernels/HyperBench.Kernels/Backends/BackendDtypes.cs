using HyperBench.Kernels.Backends.Cpu;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Backends;

/// <summary>
/// The dtypes of a backend asked by device id, before any device is opened (a plan is refused before anything runs), and the one
/// message that refuses a case. The answer is each backend's own <c>Dtypes</c> set.
/// </summary>
public static class BackendDtypes
{
    /// <summary>The set of the backend a resolved device id opens: cpu, ilgpu-cpu, cuda:&lt;i&gt;.</summary>
    public static IReadOnlySet<Dtype> For(string deviceId) =>
        DeviceSpec.Parse(deviceId).Kind == DeviceKind.Cpu ? CpuBackend.Dtypes : IlgpuBackend.Dtypes;

    public static string Refusal(Dtype dtype, string deviceId) =>
        $"dtype {dtype.Name()} is not implemented by the {deviceId} backend (it implements: {string.Join(", ", DtypeNames.All.Where(For(deviceId).Contains).Select(d => d.Name()))}).";
}
