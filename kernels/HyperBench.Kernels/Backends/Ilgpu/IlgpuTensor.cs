using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

internal sealed class IlgpuTensor(MemoryBuffer1D<float, Stride1D.Dense> buffer) : IDeviceTensor
{
    public MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; } = buffer;

    public long Length => Buffer.Length;

    public void Dispose() => Buffer.Dispose();
}
