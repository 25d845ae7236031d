using HyperBench.Kernels.Backends.Cpu;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Backends;

/// <summary>
/// The dtypes of a backend asked by device id, before any device is opened (a plan is refused before anything runs), and the one
/// message that refuses a case. The answer is each backend's own <c>Dtypes</c> (forward) and <c>BackwardDtypes</c> sets.
/// </summary>
public static class BackendDtypes
{
    /// <summary>The set of the backend a resolved device id opens: cpu, ilgpu-cpu, cuda:&lt;i&gt;.</summary>
    public static IReadOnlySet<Dtype> For(string deviceId) =>
        DeviceSpec.Parse(deviceId).Kind == DeviceKind.Cpu ? CpuBackend.Dtypes : IlgpuBackend.Dtypes;

    /// <summary>The dtypes whose backward the backend has (a subset of <see cref="For"/>).</summary>
    public static IReadOnlySet<Dtype> BackwardFor(string deviceId) =>
        DeviceSpec.Parse(deviceId).Kind == DeviceKind.Cpu ? CpuBackend.BackwardDtypes : IlgpuBackend.BackwardDtypes;

    public static string Refusal(Dtype dtype, string deviceId) =>
        $"dtype {dtype.Name()} is not implemented by the {deviceId} backend (it implements: {string.Join(", ", DtypeNames.All.Where(For(deviceId).Contains).Select(d => d.Name()))}).";

    /// <summary>
    /// Why <paramref name="deviceId"/> cannot run <paramref name="pass"/> at <paramref name="dtype"/>, or null when it can: the one
    /// decision the plan builder (exit 2) and the engine (a failed case) both take. fwdbwd needs the dtype in the backend's
    /// backward set (every backend has the backward of every dtype it implements today; the check keeps a forward-only dtype refused in this one place).
    /// </summary>
    public static string? Refusal(Dtype dtype, AttentionPass pass, string deviceId)
    {
        if (!For(deviceId).Contains(dtype)) return Refusal(dtype, deviceId);
        if (pass.HasBackward() && !BackwardFor(deviceId).Contains(dtype))
            return $"fwdbwd at {dtype.Name()} is not implemented by the {deviceId} backend: it runs {dtype.Name()} forward only (use --pass fwd).";
        return null;
    }
}
