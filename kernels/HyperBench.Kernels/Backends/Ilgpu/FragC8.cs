using System.Runtime.CompilerServices;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// One lane's share of a warp's 16 x 64 fp32 output accumulator: eight 16x8 fragments, columns 8c..8c+7 in <c>Tc</c>
/// (d = 128 uses two). Named fields, not an array: ILGPU unrolls no loop, so an indexed array would live in local memory.
/// </summary>
internal struct FragC8
{
    public FragC T0, T1, T2, T3, T4, T5, T6, T7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ScaleRows(float top, float bottom)
    {
        T0.ScaleRows(top, bottom); T1.ScaleRows(top, bottom); T2.ScaleRows(top, bottom); T3.ScaleRows(top, bottom);
        T4.ScaleRows(top, bottom); T5.ScaleRows(top, bottom); T6.ScaleRows(top, bottom); T7.ScaleRows(top, bottom);
    }
}
