using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// A 4x4 register micro-tile (row r, column c as field Rrc). ILGPU 1.5.3 unrolls no loop, so an indexed per-thread array
/// would live in local memory; sixteen named fields become sixteen registers. Every method is written out and inlined.
/// </summary>
internal struct Tile4x4
{
    public float R00, R01, R02, R03;
    public float R10, R11, R12, R13;
    public float R20, R21, R22, R23;
    public float R30, R31, R32, R33;

    /// <summary>this += a b^T: a holds one value per row, b one per column (16 FFMA).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fma(in Float4 a, in Float4 b)
    {
        R00 += a.X * b.X; R01 += a.X * b.Y; R02 += a.X * b.Z; R03 += a.X * b.W;
        R10 += a.Y * b.X; R11 += a.Y * b.Y; R12 += a.Y * b.Z; R13 += a.Y * b.W;
        R20 += a.Z * b.X; R21 += a.Z * b.Y; R22 += a.Z * b.Z; R23 += a.Z * b.W;
        R30 += a.W * b.X; R31 += a.W * b.Y; R32 += a.W * b.Z; R33 += a.W * b.W;
    }

    /// <summary>Multiplies row r by f.r (the online softmax's rescale).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ScaleRows(in Float4 f)
    {
        R00 *= f.X; R01 *= f.X; R02 *= f.X; R03 *= f.X;
        R10 *= f.Y; R11 *= f.Y; R12 *= f.Y; R13 *= f.Y;
        R20 *= f.Z; R21 *= f.Z; R22 *= f.Z; R23 *= f.Z;
        R30 *= f.W; R31 *= f.W; R32 *= f.W; R33 *= f.W;
    }

    /// <summary>Adds c.j to column j (a per-key bias).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddColumns(in Float4 c)
    {
        R00 += c.X; R01 += c.Y; R02 += c.Z; R03 += c.W;
        R10 += c.X; R11 += c.Y; R12 += c.Z; R13 += c.W;
        R20 += c.X; R21 += c.Y; R22 += c.Z; R23 += c.W;
        R30 += c.X; R31 += c.Y; R32 += c.Z; R33 += c.W;
    }

    /// <summary>Causal mask: element (r, c) becomes -inf when key0 + c &gt; row0 + r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MaskAbove(int row0, int key0)
    {
        int d = key0 - row0;
        float n = float.NegativeInfinity;
        if (d + 0 > 0) R00 = n; if (d + 1 > 0) R01 = n; if (d + 2 > 0) R02 = n; if (d + 3 > 0) R03 = n;
        if (d + 0 > 1) R10 = n; if (d + 1 > 1) R11 = n; if (d + 2 > 1) R12 = n; if (d + 3 > 1) R13 = n;
        if (d + 0 > 2) R20 = n; if (d + 1 > 2) R21 = n; if (d + 2 > 2) R22 = n; if (d + 3 > 2) R23 = n;
        if (d + 0 > 3) R30 = n; if (d + 1 > 3) R31 = n; if (d + 2 > 3) R32 = n; if (d + 3 > 3) R33 = n;
    }

    /// <summary>The largest element of each row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 RowMax() => new(
        Max4(R00, R01, R02, R03), Max4(R10, R11, R12, R13), Max4(R20, R21, R22, R23), Max4(R30, R31, R32, R33));

    /// <summary>Replaces each element s of row r by 2^(s - m.r) and returns the row sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Float4 Exp2RowsMinus(in Float4 m)
    {
        R00 = XMath.Exp2(R00 - m.X); R01 = XMath.Exp2(R01 - m.X); R02 = XMath.Exp2(R02 - m.X); R03 = XMath.Exp2(R03 - m.X);
        R10 = XMath.Exp2(R10 - m.Y); R11 = XMath.Exp2(R11 - m.Y); R12 = XMath.Exp2(R12 - m.Y); R13 = XMath.Exp2(R13 - m.Y);
        R20 = XMath.Exp2(R20 - m.Z); R21 = XMath.Exp2(R21 - m.Z); R22 = XMath.Exp2(R22 - m.Z); R23 = XMath.Exp2(R23 - m.Z);
        R30 = XMath.Exp2(R30 - m.W); R31 = XMath.Exp2(R31 - m.W); R32 = XMath.Exp2(R32 - m.W); R33 = XMath.Exp2(R33 - m.W);
        return new(R00 + R01 + R02 + R03, R10 + R11 + R12 + R13, R20 + R21 + R22 + R23, R30 + R31 + R32 + R33);
    }

    /// <summary>Column c as one value per row (the transposed store of P).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Column0() => new(R00, R10, R20, R30);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Column1() => new(R01, R11, R21, R31);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Column2() => new(R02, R12, R22, R32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Column3() => new(R03, R13, R23, R33);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Row0() => new(R00, R01, R02, R03);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Row1() => new(R10, R11, R12, R13);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Row2() => new(R20, R21, R22, R23);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Row3() => new(R30, R31, R32, R33);

    /// <summary>Adds the same tile of the lane <paramref name="laneMask"/> away (a reduction split across lanes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddFromLane(int laneMask)
    {
        R00 += Warp.ShuffleXor(R00, laneMask); R01 += Warp.ShuffleXor(R01, laneMask); R02 += Warp.ShuffleXor(R02, laneMask); R03 += Warp.ShuffleXor(R03, laneMask);
        R10 += Warp.ShuffleXor(R10, laneMask); R11 += Warp.ShuffleXor(R11, laneMask); R12 += Warp.ShuffleXor(R12, laneMask); R13 += Warp.ShuffleXor(R13, laneMask);
        R20 += Warp.ShuffleXor(R20, laneMask); R21 += Warp.ShuffleXor(R21, laneMask); R22 += Warp.ShuffleXor(R22, laneMask); R23 += Warp.ShuffleXor(R23, laneMask);
        R30 += Warp.ShuffleXor(R30, laneMask); R31 += Warp.ShuffleXor(R31, laneMask); R32 += Warp.ShuffleXor(R32, laneMask); R33 += Warp.ShuffleXor(R33, laneMask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Max4(float a, float b, float c, float d) => XMath.Max(XMath.Max(a, b), XMath.Max(c, d));
}
