using System.Runtime.CompilerServices;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// One lane's share of a 16x8 fp32 mma accumulator (the C/D fragment of m16n8k16 and m16n8k8): with g = lane / 4 and
/// t = lane % 4, C0 and C1 are row g, columns 2t and 2t+1; C2 and C3 are row g+8, the same columns.
/// </summary>
internal struct FragC
{
    public float C0, C1, C2, C3;

    /// <summary>Multiplies row g by <paramref name="top"/> and row g+8 by <paramref name="bottom"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ScaleRows(float top, float bottom)
    {
        C0 *= top; C1 *= top; C2 *= bottom; C3 *= bottom;
    }
}
