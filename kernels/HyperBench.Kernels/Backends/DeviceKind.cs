namespace HyperBench.Kernels.Backends;

/// <summary>The three backends: the ILGPU kernels on CUDA, the same kernels on ILGPU's CPU accelerator, and the managed CPU backend.</summary>
public enum DeviceKind
{
    Cuda,
    IlgpuCpu,
    Cpu,
}
