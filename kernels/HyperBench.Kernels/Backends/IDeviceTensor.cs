namespace HyperBench.Kernels.Backends;

/// <summary>A float buffer owned by a backend (device memory for CUDA, managed memory for the CPU backends).</summary>
public interface IDeviceTensor : IDisposable
{
    long Length { get; }
}
