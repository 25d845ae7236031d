using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

internal sealed class IlgpuIndexTensor(MemoryBuffer1D<int, Stride1D.Dense> buffer) : IlgpuBuffer<int>(buffer), IIndexTensor;
