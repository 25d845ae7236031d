using System.Runtime.CompilerServices;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// One lane's A operand of a k = 8 step in 3xTF32 form: four fp32 values as tf32 big and small halves
/// (<see cref="NarrowFloat.SplitTf32"/>). The values are rows g and g+8 at columns 2t and 2t+1 of the step (an fp32
/// accumulator fragment has exactly this layout), fed to the mma's k positions t and t+4: a permutation of k applied to A
/// and B alike, so the product is unchanged and every operand is a pair of neighbours (one 8-byte load).
/// </summary>
internal struct Tf32Split
{
    // Registers a0..a3 of m16n8k8: (g, 2t), (g+8, 2t), (g, 2t+1), (g+8, 2t+1).
    public uint B0, B1, B2, B3;
    public uint S0, S1, S2, S3;

    /// <summary>From row g's pair (columns 2t, 2t+1) and row g+8's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tf32Split From(in Float2 top, in Float2 bottom)
    {
        var x = default(Tf32Split);
        NarrowFloat.SplitTf32(top.X, out x.B0, out x.S0);
        NarrowFloat.SplitTf32(bottom.X, out x.B1, out x.S1);
        NarrowFloat.SplitTf32(top.Y, out x.B2, out x.S2);
        NarrowFloat.SplitTf32(bottom.Y, out x.B3, out x.S3);
        return x;
    }

    /// <summary>From an fp32 accumulator fragment (P: rows g, g+8, columns 2t, 2t+1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tf32Split From(in FragC c) => From(new Float2(c.C0, c.C1), new Float2(c.C2, c.C3));

    /// <summary>
    /// c += A·B for the k = 8 step, <paramref name="b"/> being this lane's pair of B (rows 2t, 2t+1 of column g): three
    /// m16n8k8, small·big and big·small first, then big·big (the small terms are added while the accumulator is still small).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Mma(ref FragC c, in Float2 b)
    {
        NarrowFloat.SplitTf32(b.X, out uint y0, out uint z0);
        NarrowFloat.SplitTf32(b.Y, out uint y1, out uint z1);
        MmaSync.Tf32(ref c, S0, S1, S2, S3, y0, y1);
        MmaSync.Tf32(ref c, B0, B1, B2, B3, z0, z1);
        MmaSync.Tf32(ref c, B0, B1, B2, B3, y0, y1);
    }
}
