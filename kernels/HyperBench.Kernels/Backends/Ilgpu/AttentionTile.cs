using System.Runtime.InteropServices;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>One thread group's work: a run of rows (queries, or keys for dK/dV) of one segment.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct AttentionTile(int QueryStart, int QueryCount, int KeyStart, int KeyCount, int Causal, int RowOffset);
