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

    /// <summary>this(r, c) += a_r . b_c over four consecutive elements (64 FFMA): the step of an A B^T product whose operands are both stored by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaDot(in Float4 a0, in Float4 a1, in Float4 a2, in Float4 a3, in Float4 b0, in Float4 b1, in Float4 b2, in Float4 b3)
    {
        Fma(new Float4(a0.X, a1.X, a2.X, a3.X), new Float4(b0.X, b1.X, b2.X, b3.X));
        Fma(new Float4(a0.Y, a1.Y, a2.Y, a3.Y), new Float4(b0.Y, b1.Y, b2.Y, b3.Y));
        Fma(new Float4(a0.Z, a1.Z, a2.Z, a3.Z), new Float4(b0.Z, b1.Z, b2.Z, b3.Z));
        Fma(new Float4(a0.W, a1.W, a2.W, a3.W), new Float4(b0.W, b1.W, b2.W, b3.W));
    }

    /// <summary>The same tile of the lane <paramref name="laneMask"/> away.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Tile4x4 FromLane(int laneMask) => new()
    {
        R00 = Warp.ShuffleXor(R00, laneMask), R01 = Warp.ShuffleXor(R01, laneMask), R02 = Warp.ShuffleXor(R02, laneMask), R03 = Warp.ShuffleXor(R03, laneMask),
        R10 = Warp.ShuffleXor(R10, laneMask), R11 = Warp.ShuffleXor(R11, laneMask), R12 = Warp.ShuffleXor(R12, laneMask), R13 = Warp.ShuffleXor(R13, laneMask),
        R20 = Warp.ShuffleXor(R20, laneMask), R21 = Warp.ShuffleXor(R21, laneMask), R22 = Warp.ShuffleXor(R22, laneMask), R23 = Warp.ShuffleXor(R23, laneMask),
        R30 = Warp.ShuffleXor(R30, laneMask), R31 = Warp.ShuffleXor(R31, laneMask), R32 = Warp.ShuffleXor(R32, laneMask), R33 = Warp.ShuffleXor(R33, laneMask),
    };

    /// <summary>x when <paramref name="first"/>, else y (element-wise selects, no divergence).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tile4x4 Select(bool first, in Tile4x4 x, in Tile4x4 y) => new()
    {
        R00 = first ? x.R00 : y.R00, R01 = first ? x.R01 : y.R01, R02 = first ? x.R02 : y.R02, R03 = first ? x.R03 : y.R03,
        R10 = first ? x.R10 : y.R10, R11 = first ? x.R11 : y.R11, R12 = first ? x.R12 : y.R12, R13 = first ? x.R13 : y.R13,
        R20 = first ? x.R20 : y.R20, R21 = first ? x.R21 : y.R21, R22 = first ? x.R22 : y.R22, R23 = first ? x.R23 : y.R23,
        R30 = first ? x.R30 : y.R30, R31 = first ? x.R31 : y.R31, R32 = first ? x.R32 : y.R32, R33 = first ? x.R33 : y.R33,
    };

    /// <summary>this = 2^(this f + rows.r + cols.c): a score tile to probabilities with a per-row and a per-column offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exp2Affine(float f, in Float4 rows, in Float4 cols)
    {
        R00 = XMath.Exp2(R00 * f + rows.X + cols.X); R01 = XMath.Exp2(R01 * f + rows.X + cols.Y); R02 = XMath.Exp2(R02 * f + rows.X + cols.Z); R03 = XMath.Exp2(R03 * f + rows.X + cols.W);
        R10 = XMath.Exp2(R10 * f + rows.Y + cols.X); R11 = XMath.Exp2(R11 * f + rows.Y + cols.Y); R12 = XMath.Exp2(R12 * f + rows.Y + cols.Z); R13 = XMath.Exp2(R13 * f + rows.Y + cols.W);
        R20 = XMath.Exp2(R20 * f + rows.Z + cols.X); R21 = XMath.Exp2(R21 * f + rows.Z + cols.Y); R22 = XMath.Exp2(R22 * f + rows.Z + cols.Z); R23 = XMath.Exp2(R23 * f + rows.Z + cols.W);
        R30 = XMath.Exp2(R30 * f + rows.W + cols.X); R31 = XMath.Exp2(R31 * f + rows.W + cols.Y); R32 = XMath.Exp2(R32 * f + rows.W + cols.Z); R33 = XMath.Exp2(R33 * f + rows.W + cols.W);
    }

    /// <summary>this = p ∘ (this - cols.c): dS = P (dP - D) with D one value per column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SoftmaxGradient(in Tile4x4 p, in Float4 cols)
    {
        R00 = p.R00 * (R00 - cols.X); R01 = p.R01 * (R01 - cols.Y); R02 = p.R02 * (R02 - cols.Z); R03 = p.R03 * (R03 - cols.W);
        R10 = p.R10 * (R10 - cols.X); R11 = p.R11 * (R11 - cols.Y); R12 = p.R12 * (R12 - cols.Z); R13 = p.R13 * (R13 - cols.W);
        R20 = p.R20 * (R20 - cols.X); R21 = p.R21 * (R21 - cols.Y); R22 = p.R22 * (R22 - cols.Z); R23 = p.R23 * (R23 - cols.W);
        R30 = p.R30 * (R30 - cols.X); R31 = p.R31 * (R31 - cols.Y); R32 = p.R32 * (R32 - cols.Z); R33 = p.R33 * (R33 - cols.W);
    }

    /// <summary>Causal mask of a tile whose rows are keys and columns queries: element (r, c) becomes -inf when row0 + r &gt; col0 + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MaskRowsAfterColumns(int row0, int col0)
    {
        int d = row0 - col0;
        float n = float.NegativeInfinity;
        if (d + 0 > 0) R00 = n; if (d + 0 > 1) R01 = n; if (d + 0 > 2) R02 = n; if (d + 0 > 3) R03 = n;
        if (d + 1 > 0) R10 = n; if (d + 1 > 1) R11 = n; if (d + 1 > 2) R12 = n; if (d + 1 > 3) R13 = n;
        if (d + 2 > 0) R20 = n; if (d + 2 > 1) R21 = n; if (d + 2 > 2) R22 = n; if (d + 2 > 3) R23 = n;
        if (d + 3 > 0) R30 = n; if (d + 3 > 1) R31 = n; if (d + 3 > 2) R32 = n; if (d + 3 > 3) R33 = n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Max4(float a, float b, float c, float d) => XMath.Max(XMath.Max(a, b), XMath.Max(c, d));
}
