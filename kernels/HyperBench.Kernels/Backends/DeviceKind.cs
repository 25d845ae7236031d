namespace HyperBench.Kernels.Backends;

/// <summary>
/// The backends: the ILGPU kernels on CUDA, the same kernels on ILGPU's CPU accelerator, the managed CPU backend, and a simulated
/// device whose kernel time comes from a model and which waits instead of computing (for testing the orchestrator at fleet size).
/// </summary>
public enum DeviceKind
{
    Cuda,
    IlgpuCpu,
    Cpu,
    Simulated,
}
