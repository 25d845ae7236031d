using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// Four floats moved as one 16-byte unit: a global view cast to it loads with LDG.E.128 and a shared array of it with LDS.128
/// (a float-typed view gives scalar loads). Shared memory is 16-byte aligned only when its element type is this struct.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct Float4(float x, float y, float z, float w)
{
    public float X = x;
    public float Y = y;
    public float Z = z;
    public float W = w;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Times(float f) => new(X * f, Y * f, Z * f, W * f);
}
