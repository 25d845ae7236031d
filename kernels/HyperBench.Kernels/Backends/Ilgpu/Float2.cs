using System.Runtime.InteropServices;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>Two floats moved as one 8-byte unit (LDS.64, STS.64, STG.E.64): the pairs of the fp32 mma fragments.</summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
internal struct Float2(float x, float y)
{
    public float X = x;
    public float Y = y;
}
