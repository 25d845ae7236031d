using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

internal sealed class IlgpuIndexTensor(MemoryBuffer1D<int, Stride1D.Dense> buffer) : IIndexTensor
{
    public MemoryBuffer1D<int, Stride1D.Dense> Buffer { get; } = buffer;

    public long Length => Buffer.Length;

    public void Dispose() => Buffer.Dispose();
}
