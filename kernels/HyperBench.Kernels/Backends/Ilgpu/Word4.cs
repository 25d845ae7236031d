using System.Runtime.InteropServices;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// Sixteen bytes of 16-bit data (eight bf16 or fp16 values, two per word) moved as one unit: LDG.E.128 from global memory,
/// STS.128 into shared memory (whose 16-byte alignment needs a 16-byte element type).
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct Word4
{
    public uint X, Y, Z, W;
}
