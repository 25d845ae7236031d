using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

internal sealed class IlgpuTensor(MemoryBuffer1D<float, Stride1D.Dense> buffer) : IlgpuBuffer<float>(buffer), IDeviceTensor;
