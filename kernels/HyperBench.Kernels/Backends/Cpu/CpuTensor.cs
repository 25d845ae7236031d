namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>A float tensor of the managed CPU backend.</summary>
public sealed class CpuTensor(long length) : CpuBuffer<float>(length), IDeviceTensor;
