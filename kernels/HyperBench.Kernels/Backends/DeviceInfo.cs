namespace HyperBench.Kernels.Backends;

/// <summary>What a backend runs on: enough to judge whether a number is plausible and whether a case fits.</summary>
/// <param name="Kind">Backend kind.</param>
/// <param name="Id">The --device spelling, e.g. cuda:0, ilgpu-cpu, cpu.</param>
/// <param name="Name">Model name (GPU model or CPU model).</param>
/// <param name="MemoryBytes">Memory the backend may allocate from.</param>
/// <param name="PeakFp32Flops">Theoretical fp32 peak (FLOP/s) used by the sanity gate.</param>
/// <param name="Detail">Compute capability, core count, driver: free text for the environment record.</param>
public sealed record DeviceInfo(DeviceKind Kind, string Id, string Name, long MemoryBytes, double PeakFp32Flops, string Detail);
