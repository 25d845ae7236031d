using System.Reflection;

namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// One ILGPU kernel as the backend loads it: a closed method (one per specialisation) and how it is launched.
/// </summary>
/// <param name="Name">Stable report name, e.g. <c>flash.forward.d64</c>.</param>
/// <param name="Method">The kernel method, generic arguments already bound.</param>
/// <param name="ExplicitlyGrouped">True for kernels launched with a <c>KernelConfig</c> (shared memory, barriers).</param>
/// <param name="IsAttentionTile">True for the kernels that do the attention arithmetic: they get the hot-loop gates.</param>
/// <param name="ThreadsPerBlock">The group size the backend launches with; null for auto-grouped kernels, whose group
/// size the CUDA driver picks at load (<see cref="OccupancyCalculator.MaxPotentialBlockSize"/> reproduces that choice).</param>
/// <param name="IsTensorCore">True for attention tiles whose products are mma.sync (HMMA): they get the tensor-core hot-loop gates.</param>
public sealed record IlgpuKernelEntry(string Name, MethodInfo Method, bool ExplicitlyGrouped, bool IsAttentionTile, int? ThreadsPerBlock, bool IsTensorCore = false);
