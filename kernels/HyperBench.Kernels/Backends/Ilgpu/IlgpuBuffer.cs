using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>A device buffer of the ILGPU backend: floats for tensors, ints for indices (typed views, no bit casts).</summary>
internal abstract class IlgpuBuffer<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer) where T : unmanaged
{
    public MemoryBuffer1D<T, Stride1D.Dense> Buffer { get; } = buffer;

    public long Length => Buffer.Length;

    public void Dispose() => Buffer.Dispose();
}
