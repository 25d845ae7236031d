namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>An index tensor (row indices, bucket codes) of the managed CPU backend.</summary>
public sealed class CpuIndexTensor(long length) : CpuBuffer<int>(length), IIndexTensor;
